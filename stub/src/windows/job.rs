//! Running the app as a child of the launcher, bound to it: the child is this executable again
//! with the same command line, started suspended, put in a job object that kills everything
//! in it when the launcher's handle closes (however the launcher ends), then let go. The
//! launcher ignores Ctrl-C and Ctrl-Break, which the console delivers to the app as well: the
//! app turns them into `KeyboardInterrupt`, and the launcher waits for it to end.

use std::io;
use std::path::Path;

use windows_sys::Win32::Foundation::{
    CloseHandle, SetHandleInformation, BOOL, FALSE, HANDLE, HANDLE_FLAG_INHERIT, TRUE, WAIT_FAILED,
};
use windows_sys::Win32::System::Console::{
    GetStdHandle, SetConsoleCtrlHandler, CTRL_BREAK_EVENT, CTRL_C_EVENT, STD_ERROR_HANDLE,
    STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
};
use windows_sys::Win32::System::Environment::GetCommandLineW;
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JobObjectExtendedLimitInformation,
    SetInformationJobObject, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
    JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
};
use windows_sys::Win32::System::Threading::{
    CreateProcessW, GetExitCodeProcess, ResumeThread, WaitForSingleObject, CREATE_SUSPENDED,
    INFINITE, PROCESS_INFORMATION, STARTF_USESTDHANDLES, STARTUPINFOW,
};

/// The app's process, in its job.
pub struct Child {
    process: HANDLE,
    /// Closing it ends whatever is left of the app (its helpers too).
    job: Option<HANDLE>,
}

impl Child {
    /// Start `exe` with this process's command line, environment and standard handles.
    pub fn spawn(exe: &Path) -> io::Result<Child> {
        let job = new_job();
        let mut info: STARTUPINFOW = unsafe { std::mem::zeroed() };
        info.cb = std::mem::size_of::<STARTUPINFOW>() as u32;
        info.dwFlags = STARTF_USESTDHANDLES;
        // SAFETY: GetStdHandle has no preconditions; a handle it returns may be NULL (a GUI
        // program has none), which the child then has too.
        unsafe {
            info.hStdInput = inheritable(GetStdHandle(STD_INPUT_HANDLE));
            info.hStdOutput = inheritable(GetStdHandle(STD_OUTPUT_HANDLE));
            info.hStdError = inheritable(GetStdHandle(STD_ERROR_HANDLE));
        }
        let application = super::wide(exe.as_os_str());
        // CreateProcessW may write into the command line: give it its own copy.
        let mut command_line = own_command_line();
        let mut process: PROCESS_INFORMATION = unsafe { std::mem::zeroed() };
        // SAFETY: NUL-terminated strings that outlive the call; `info` and `process` are
        // valid for the sizes the API expects.
        let made = unsafe {
            CreateProcessW(
                application.as_ptr(),
                command_line.as_mut_ptr(),
                std::ptr::null(),
                std::ptr::null(),
                TRUE,
                CREATE_SUSPENDED,
                std::ptr::null(),
                std::ptr::null(),
                &info,
                &mut process,
            )
        };
        if made == FALSE {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: handles CreateProcessW just returned; the thread handle is not needed after
        // the thread is let go.
        unsafe {
            if let Some(job) = job {
                AssignProcessToJobObject(job, process.hProcess);
            }
            ResumeThread(process.hThread);
            CloseHandle(process.hThread);
        }
        Ok(Child {
            process: process.hProcess,
            job,
        })
    }

    /// Wait for the app to end; its exit code.
    pub fn wait(&self) -> io::Result<u32> {
        // SAFETY: a live process handle owned by self.
        unsafe {
            if WaitForSingleObject(self.process, INFINITE) == WAIT_FAILED {
                return Err(io::Error::last_os_error());
            }
            let mut code = 0u32;
            if GetExitCodeProcess(self.process, &mut code) == FALSE {
                return Err(io::Error::last_os_error());
            }
            Ok(code)
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // SAFETY: handles owned by self, closed once; closing the job ends the app's
        // remaining processes.
        unsafe {
            CloseHandle(self.process);
            if let Some(job) = self.job {
                CloseHandle(job);
            }
        }
    }
}

/// Let Ctrl-C and Ctrl-Break reach the app alone: the launcher stays to clean up after it.
pub fn leave_interrupts_to_the_app() {
    unsafe extern "system" fn handler(event: u32) -> BOOL {
        if event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT {
            TRUE
        } else {
            FALSE
        }
    }
    // SAFETY: registers a function that lives as long as the program.
    unsafe {
        SetConsoleCtrlHandler(Some(handler), TRUE);
    }
}

/// A job that kills its processes when its last handle closes; `None` if the system refuses
/// (the app then runs unbound, as before jobs existed).
fn new_job() -> Option<HANDLE> {
    // SAFETY: plain Win32 calls on a structure of the size they expect.
    unsafe {
        let job = CreateJobObjectW(std::ptr::null(), std::ptr::null());
        if job.is_null() {
            return None;
        }
        let mut limits: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        let set = SetInformationJobObject(
            job,
            JobObjectExtendedLimitInformation,
            &limits as *const _ as *const std::ffi::c_void,
            std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
        );
        if set == FALSE {
            CloseHandle(job);
            return None;
        }
        Some(job)
    }
}

/// `handle`, made inheritable so the child can use it (a no-op on NULL).
fn inheritable(handle: HANDLE) -> HANDLE {
    if !handle.is_null() {
        // SAFETY: a standard handle of this process; failure leaves it as it was.
        unsafe {
            SetHandleInformation(handle, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
        }
    }
    handle
}

/// This process's command line as Windows has it, NUL-terminated: the child parses exactly
/// what the user typed.
fn own_command_line() -> Vec<u16> {
    // SAFETY: GetCommandLineW returns a NUL-terminated string that lives as long as the
    // process; it is copied at once.
    unsafe {
        let line = GetCommandLineW();
        let mut len = 0;
        while *line.add(len) != 0 {
            len += 1;
        }
        let mut copy = std::slice::from_raw_parts(line, len).to_vec();
        copy.push(0);
        copy
    }
}
