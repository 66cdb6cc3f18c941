//! Archives a build reads: `--runtime` archives (`.tar.gz`, `.tgz`, `.tar.zst`, `.zip`) and
//! wheels (`.whl`, a zip). Each is unpacked whole into a folder; no entry may land outside it
//! (absolute paths and `..` are refused by the readers), and links stay links.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use crate::error::Error;

/// The kinds of archive pybundle unpacks, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    TarGz,
    TarZst,
    Zip,
}

impl Kind {
    pub fn of(path: &Path) -> Option<Kind> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(Kind::TarGz)
        } else if name.ends_with(".tar.zst") || name.ends_with(".tar.zstd") {
            Some(Kind::TarZst)
        } else if name.ends_with(".zip") || name.ends_with(".whl") {
            Some(Kind::Zip)
        } else {
            None
        }
    }
}

/// Unpack `archive` (of `kind`) into the folder `dest`.
pub fn unpack(archive: &Path, kind: Kind, dest: &Path) -> Result<(), Error> {
    let file = File::open(archive).map_err(|source| Error::Read {
        path: archive.to_path_buf(),
        source,
    })?;
    let file = BufReader::new(file);
    let unpacked = match kind {
        Kind::TarGz => untar(flate2::bufread::GzDecoder::new(file), dest),
        Kind::TarZst => zstd::stream::read::Decoder::with_buffer(file)
            .map_err(|e| e.to_string())
            .and_then(|decoder| untar(decoder, dest)),
        Kind::Zip => zip::ZipArchive::new(file)
            .and_then(|mut zip| zip.extract(dest))
            .map_err(|e| e.to_string()),
    };
    unpacked.map_err(|why| Error::BadArchive {
        path: archive.to_path_buf(),
        why,
    })
}

/// Unpack a tar stream into `dest`; what went wrong, if anything.
fn untar(reader: impl std::io::Read, dest: &Path) -> Result<(), String> {
    let mut tar = tar::Archive::new(reader);
    tar.set_preserve_permissions(true);
    tar.set_overwrite(true);
    for entry in tar.entries().map_err(|e| e.to_string())? {
        // `unpack_in` refuses paths outside `dest` and skips device files.
        entry
            .and_then(|mut entry| entry.unpack_in(dest))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn kinds_by_name() {
        assert_eq!(
            Kind::of(Path::new("cpython-3.11-install_only.tar.gz")),
            Some(Kind::TarGz)
        );
        assert_eq!(Kind::of(Path::new("p.tar.zst")), Some(Kind::TarZst));
        assert_eq!(
            Kind::of(Path::new("python-3.11.9-embed-amd64.zip")),
            Some(Kind::Zip)
        );
        assert_eq!(
            Kind::of(Path::new("numpy-2.4.6-cp311-cp311-x.whl")),
            Some(Kind::Zip)
        );
        assert_eq!(Kind::of(Path::new("python.tar.bz2")), None);
    }

    #[test]
    fn a_tar_gz_unpacks_with_its_links_and_a_damaged_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("r.tar.gz");
        {
            let gz = flate2::write::GzEncoder::new(
                File::create(&archive).unwrap(),
                flate2::Compression::fast(),
            );
            let mut tar = tar::Builder::new(gz);
            let mut header = tar::Header::new_gnu();
            header.set_size(3);
            header.set_mode(0o755);
            tar.append_data(&mut header, "python/bin/python3.11", &b"elf"[..])
                .unwrap();
            let mut link = tar::Header::new_gnu();
            link.set_entry_type(tar::EntryType::Symlink);
            link.set_size(0);
            tar.append_link(&mut link, "python/bin/python3", "python3.11")
                .unwrap();
            tar.into_inner().unwrap().finish().unwrap();
        }
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        unpack(&archive, Kind::TarGz, &out).unwrap();
        let link = out.join("python/bin/python3");
        assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("python3.11"));
        assert_eq!(std::fs::read(&link).unwrap(), b"elf");

        let cut = dir.path().join("cut.tar.gz");
        let bytes = std::fs::read(&archive).unwrap();
        File::create(&cut)
            .unwrap()
            .write_all(&bytes[..bytes.len() / 2])
            .unwrap();
        let err = unpack(&cut, Kind::TarGz, &out).unwrap_err().to_string();
        assert!(err.contains("cut.tar.gz"), "{err}");
    }
}
