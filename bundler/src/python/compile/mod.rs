//! Python source to bytecode, done by the bundled interpreter itself (so the bytecode always
//! matches the runtime) through long-lived helper processes, with results cached in the
//! workpath: an unchanged module is never compiled twice.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};

use crate::bundle::workpath::{Bucket, Workpath};
use crate::error::Error;
use crate::python::interpreter::Interpreter;

const HELPER: &str = include_str!("helper.py");

/// One module to compile.
#[derive(Debug, Clone)]
pub struct Job {
    pub source: PathBuf,
    /// The file name tracebacks show, e.g. `json/decoder.py`.
    pub display: String,
}

/// A compiled module: the bytes of its `.pyc`.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub pyc: Vec<u8>,
}

/// Results of one helper's batch: job index and the module, or why it did not compile.
type BatchResult = Result<Vec<(usize, Result<Compiled, String>)>, Error>;

pub struct Compiler<'a> {
    interpreter: &'a Interpreter,
    cache_dir: PathBuf,
    /// `--optimize`: 0, 1 (no asserts) or 2 (no docstrings either).
    optimize: u8,
}

impl<'a> Compiler<'a> {
    pub fn new(
        interpreter: &'a Interpreter,
        workpath: &Workpath,
        optimize: u8,
    ) -> Result<Self, Error> {
        let key = xxhash_rust::xxh3::xxh3_64(
            format!(
                "{}\0{}\0{}\0{optimize}",
                interpreter.real_executable.display(),
                interpreter.magic,
                HELPER
            )
            .as_bytes(),
        );
        let cache_dir = workpath.bucket(Bucket::Pyc).join(format!("{key:016x}"));
        fs::create_dir_all(&cache_dir).map_err(|source| Error::Workpath {
            path: cache_dir.clone(),
            source,
        })?;
        Ok(Compiler {
            interpreter,
            cache_dir,
            optimize,
        })
    }

    /// Compile every job. `Ok(None)` marks a module that does not compile when the caller
    /// said failures are tolerated (`strict == false`); otherwise a failure is an error.
    pub fn compile(&self, jobs: &[Job], strict: bool) -> Result<Vec<Option<Compiled>>, Error> {
        let mut results: Vec<Option<Compiled>> = vec![None; jobs.len()];
        let mut pending = Vec::new();
        for (index, job) in jobs.iter().enumerate() {
            let key = self.cache_key(job)?;
            match self.cached(&key) {
                Some(hit) => results[index] = Some(hit),
                None => pending.push((index, key)),
            }
        }
        if pending.is_empty() {
            return Ok(results);
        }
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(pending.len().div_ceil(64))
            .max(1);
        let batches: Vec<Vec<(usize, String)>> = (0..workers)
            .map(|w| pending.iter().skip(w).step_by(workers).cloned().collect())
            .collect();
        let outcomes: Vec<BatchResult> = std::thread::scope(|scope| {
            let handles: Vec<_> = batches
                .iter()
                .map(|batch| scope.spawn(|| self.run_batch(jobs, batch)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Error::Internal("a compile worker panicked".into()))
                    })
                })
                .collect()
        });
        for outcome in outcomes {
            for (index, result) in outcome? {
                match result {
                    Ok(compiled) => results[index] = Some(compiled),
                    Err(message) if strict => {
                        return Err(Error::Compile {
                            file: jobs[index].source.clone(),
                            message,
                        })
                    }
                    Err(_) => {}
                }
            }
        }
        Ok(results)
    }

    fn cache_key(&self, job: &Job) -> Result<String, Error> {
        let meta = fs::metadata(&job.source).map_err(|source| Error::Read {
            path: job.source.clone(),
            source,
        })?;
        let text = format!(
            "{}\0{}\0{}\0{}\0{}",
            job.source.display(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.size(),
            job.display,
        );
        Ok(format!(
            "{:032x}",
            xxhash_rust::xxh3::xxh3_128(text.as_bytes())
        ))
    }

    fn cached(&self, key: &str) -> Option<Compiled> {
        let pyc = fs::read(self.cache_dir.join(format!("{key}.pyc"))).ok()?;
        Some(Compiled { pyc })
    }

    fn run_batch(&self, jobs: &[Job], batch: &[(usize, String)]) -> BatchResult {
        let mut helper = Helper::spawn(self.interpreter, self.optimize)?;
        let mut out = Vec::with_capacity(batch.len());
        for (index, key) in batch {
            let job = &jobs[*index];
            let tmp = self
                .cache_dir
                .join(format!("{key}.pyc.{}.tmp", std::process::id()));
            let answer = helper.ask(job, &tmp).inspect_err(|_| {
                let _ = fs::remove_file(&tmp);
            })?;
            let result = match answer {
                Ok(()) => self.store(key, &tmp),
                Err(message) => {
                    let _ = fs::remove_file(&tmp);
                    Err(message)
                }
            };
            out.push((*index, result));
        }
        helper.finish();
        Ok(out)
    }

    /// Move a fresh result into the cache (atomically: rename) and return it.
    fn store(&self, key: &str, tmp: &Path) -> Result<Compiled, String> {
        let pyc = fs::read(tmp).map_err(|e| e.to_string())?;
        if fs::rename(tmp, self.cache_dir.join(format!("{key}.pyc"))).is_err() {
            // The cache is an optimisation; a failed save only costs a recompile next time.
            let _ = fs::remove_file(tmp);
        }
        Ok(Compiled { pyc })
    }
}

struct Helper {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Helper {
    fn spawn(interpreter: &Interpreter, optimize: u8) -> Result<Self, Error> {
        let mut child = crate::python::interpreter::helper(&interpreter.real_executable)
            .args(["-I", "-S", "-c", HELPER, &optimize.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Failures come back on stdout, one line each; a helper dying with its build has
            // nothing to tell the user.
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Error::NotPython {
                path: interpreter.requested.clone(),
                why: format!("it could not be run ({e})"),
            })?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .map(BufReader::new)
            .ok_or_else(|| Error::Internal("the compile helper has no stdout".into()))?;
        Ok(Helper {
            child,
            stdin,
            stdout,
        })
    }

    /// Send one job; `Ok(Ok(()))` on success, `Ok(Err(message))` when the module does not
    /// compile, `Err` when the helper itself broke or could not write into the work folder.
    fn ask(&mut self, job: &Job, dest: &Path) -> Result<Result<(), String>, Error> {
        let fields = [
            job.source.to_str(),
            Some(job.display.as_str()),
            dest.to_str(),
        ];
        let mut line = String::new();
        for (i, field) in fields.iter().enumerate() {
            let field = field
                .filter(|f| !f.contains(['\t', '\n']))
                .ok_or_else(|| Error::BadPath(job.source.clone()))?;
            if i > 0 {
                line.push('\t');
            }
            line.push_str(field);
        }
        line.push('\n');
        let broken = |what: &str| Error::Internal(format!("the compile helper {what}"));
        let stdin = self.stdin.as_mut().ok_or_else(|| broken("is closed"))?;
        stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.flush())
            .map_err(|_| broken("stopped accepting work"))?;
        let mut answer = String::new();
        self.stdout
            .read_line(&mut answer)
            .map_err(|_| broken("stopped answering"))?;
        let answer = answer.trim_end_matches('\n');
        match answer.split_once('\t') {
            None if answer == "ok" => Ok(Ok(())),
            Some(("err", message)) => Ok(Err(message.to_string())),
            // A full or read-only work folder is not the module's fault: the build stops.
            Some(("werr", message)) => Err(Error::Workpath {
                path: dest.parent().unwrap_or(dest).to_path_buf(),
                source: std::io::Error::other(message.to_string()),
            }),
            _ => Err(broken("gave an answer pybundle does not understand")),
        }
    }

    fn finish(mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
