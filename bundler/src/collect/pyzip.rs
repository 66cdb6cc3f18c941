//! A stored (uncompressed) zip of compiled modules, for Python's zipimport. The standard
//! library goes into one (`lib/pythonXY.zip`, already on the default `sys.path`), so a onefile
//! launch writes one file instead of hundreds. The bundle's own compression makes zip
//! compression pointless, and stored entries are read without inflating. Entries are written
//! in the order given with a fixed timestamp (1980-01-01), so the same inputs give the same
//! bytes.

use crate::error::Error;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL_DIR: u32 = 0x0605_4b50;
const VERSION: u16 = 20;
/// DOS date of 1980-01-01.
const DOS_DATE: u16 = (1 << 5) | 1;

/// Build a zip of `(name, bytes)` entries.
pub fn build<'a>(entries: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Result<Vec<u8>, Error> {
    let too_big = || Error::Internal("a module zip would exceed 4 GiB".into());
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut count: u16 = 0;
    for (name, data) in entries {
        let offset = u32::try_from(out.len()).map_err(|_| too_big())?;
        let size = u32::try_from(data.len()).map_err(|_| too_big())?;
        let name_len = u16::try_from(name.len()).map_err(|_| too_big())?;
        let crc = crc32fast::hash(data);
        // Local header.
        put32(&mut out, LOCAL_HEADER);
        for v in [VERSION, 0, 0, 0, DOS_DATE] {
            put16(&mut out, v);
        }
        for v in [crc, size, size] {
            put32(&mut out, v);
        }
        put16(&mut out, name_len);
        put16(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Its central-directory record.
        put32(&mut central, CENTRAL_HEADER);
        for v in [VERSION, VERSION, 0, 0, 0, DOS_DATE] {
            put16(&mut central, v);
        }
        for v in [crc, size, size] {
            put32(&mut central, v);
        }
        for v in [name_len, 0, 0, 0, 0] {
            put16(&mut central, v);
        }
        put32(&mut central, 0);
        put32(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
        count = count.checked_add(1).ok_or_else(too_big)?;
    }
    let central_offset = u32::try_from(out.len()).map_err(|_| too_big())?;
    let central_len = u32::try_from(central.len()).map_err(|_| too_big())?;
    out.extend_from_slice(&central);
    put32(&mut out, END_OF_CENTRAL_DIR);
    for v in [0, 0, count, count] {
        put16(&mut out, v);
    }
    put32(&mut out, central_len);
    put32(&mut out, central_offset);
    put16(&mut out, 0);
    Ok(out)
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::build;

    #[test]
    fn python_reads_what_we_write() {
        let zip = build([
            ("a.txt", b"hello".as_slice()),
            ("pkg/b.bin", &[0u8, 1, 2][..]),
        ])
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.zip");
        std::fs::write(&path, &zip).unwrap();
        let out = std::process::Command::new("python3")
            .args(["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(z.namelist(), z.read('a.txt'))"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "['a.txt', 'pkg/b.bin'] b'hello'",
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
