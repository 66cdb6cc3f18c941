//! The DLLs every Windows installation provides, which a bundle leaves to the system: the API
//! sets (`api-ms-win-*`, `ext-ms-*`), the KnownDLLs and the other libraries of Windows itself.
//! The C runtime's redistributable parts (`vcruntime140.dll`, `msvcp140.dll`) are not among
//! them: a bundle carries those, as python.org's CPython does.

const SYSTEM_DLLS: &[&str] = &[
    "advapi32.dll",
    "authz.dll",
    "avrt.dll",
    "bcrypt.dll",
    "bcryptprimitives.dll",
    "cabinet.dll",
    "cfgmgr32.dll",
    "comctl32.dll",
    "comdlg32.dll",
    "credui.dll",
    "crypt32.dll",
    "cryptbase.dll",
    "d2d1.dll",
    "d3d11.dll",
    "d3d12.dll",
    "d3d9.dll",
    "d3dcompiler_47.dll",
    "dbghelp.dll",
    "dinput8.dll",
    "dnsapi.dll",
    "dsound.dll",
    "dwmapi.dll",
    "dwrite.dll",
    "dxgi.dll",
    "gdi32.dll",
    "gdiplus.dll",
    "glu32.dll",
    "hid.dll",
    "imagehlp.dll",
    "imm32.dll",
    "iphlpapi.dll",
    "kernel32.dll",
    "kernelbase.dll",
    "ksuser.dll",
    "mf.dll",
    "mfplat.dll",
    "mfreadwrite.dll",
    "mpr.dll",
    "msi.dll",
    "msimg32.dll",
    "msvcrt.dll",
    "mswsock.dll",
    "ncrypt.dll",
    "netapi32.dll",
    "normaliz.dll",
    "ntdll.dll",
    "ole32.dll",
    "oleacc.dll",
    "oleaut32.dll",
    "opengl32.dll",
    "pdh.dll",
    "powrprof.dll",
    "propsys.dll",
    "psapi.dll",
    "rpcrt4.dll",
    "secur32.dll",
    "setupapi.dll",
    "shcore.dll",
    "shell32.dll",
    "shlwapi.dll",
    "sspicli.dll",
    "ucrtbase.dll",
    "urlmon.dll",
    "user32.dll",
    "userenv.dll",
    "usp10.dll",
    "uxtheme.dll",
    "version.dll",
    "winhttp.dll",
    "wininet.dll",
    "winmm.dll",
    "winscard.dll",
    "winspool.drv",
    "wintrust.dll",
    "wldap32.dll",
    "ws2_32.dll",
    "wsock32.dll",
    "wtsapi32.dll",
    "xinput1_4.dll",
];

/// Is `name` (any case) a DLL that Windows itself provides?
pub fn is_system(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("api-ms-win-")
        || lower.starts_with("ext-ms-")
        || SYSTEM_DLLS.binary_search(&lower.as_str()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_own_dlls_stay_out_redistributables_come_along() {
        let mut sorted = SYSTEM_DLLS.to_vec();
        sorted.sort();
        assert_eq!(sorted, SYSTEM_DLLS, "kept sorted for the binary search");
        assert!(is_system("KERNEL32.dll") && is_system("api-ms-win-crt-runtime-l1-1-0.dll"));
        assert!(!is_system("VCRUNTIME140.dll") && !is_system("libcrypto-3.dll"));
        assert!(!is_system("python311.dll"));
    }
}
