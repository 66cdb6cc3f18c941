//! The libraries every Linux system provides, which a bundle must take from the host rather
//! than carry: glibc's parts and the rest of the manylinux policy list (PEP 600). Bundling
//! these would break on hosts whose kernel or loader differ.

const SYSTEM_LIBRARIES: &[&str] = &[
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
    "ld-linux.so.2",
    "libanl.so.1",
    "libc.so.6",
    "libcrypt.so.1",
    "libdl.so.2",
    "libgcc_s.so.1",
    "libGL.so.1",
    "libglib-2.0.so.0",
    "libgobject-2.0.so.0",
    "libgthread-2.0.so.0",
    "libICE.so.6",
    "libm.so.6",
    "libnsl.so.1",
    "libpthread.so.0",
    "libresolv.so.2",
    "librt.so.1",
    "libSM.so.6",
    "libstdc++.so.6",
    "libutil.so.1",
    "libX11.so.6",
    "libXext.so.6",
    "libXrender.so.1",
    "linux-vdso.so.1",
];

/// True for a library the host always has.
pub fn is_system(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    SYSTEM_LIBRARIES.contains(&file)
}

#[cfg(test)]
mod tests {
    #[test]
    fn glibc_is_system_and_ssl_is_not() {
        assert!(super::is_system("libc.so.6"));
        assert!(super::is_system("/lib64/ld-linux-x86-64.so.2"));
        assert!(!super::is_system("libssl.so.3"));
        assert!(!super::is_system("libpython3.11.so.1.0"));
    }
}
