//! Writes the starting corpus (`seeds/`): small real archives (and their manifests) made by the writer,
//! so the fuzzer begins from valid input instead of having to discover the format.
//! Run: `cargo run --bin seed` from `fuzz/`.

use std::fs;

use pybundle_archive::writer::{self, ArchiveSpec, FileData, Header, InputFile};
use pybundle_archive::{Launch, Mode, Signals, Trailer, Unpack};

fn main() -> std::io::Result<()> {
    let launch = Launch {
        python: "lib/libpython3.so".into(),
        bootstrap: "boot.pyc".into(),
        library_dir: "lib".into(),
        options: vec!["-O".into()],
        signals: Signals::Forward,
        trace: false,
    };
    let file = |path: &str, mode, data: &[u8]| InputFile {
        path: path.into(),
        mode,
        data: FileData::Bytes(std::borrow::Cow::Owned(data.to_vec())),
    };
    let specs = [
        vec![file("boot.pyc", 0o644, b"print('hi')")],
        vec![
            file("lib/libpython3.so", 0o755, &[0x7f; 200]),
            file("boot.pyc", 0o644, b"x = 1\n"),
            file("lib/a/b.so", 0o755, b""),
        ],
    ];
    fs::create_dir_all("seeds/bundle")?;
    fs::create_dir_all("seeds/manifest")?;
    for (i, files) in specs.into_iter().enumerate() {
        for cached in [false, true] {
            let unpack = if cached {
                Unpack::Cached
            } else {
                Unpack::Temporary
            };
            let spec = ArchiveSpec {
                header: Header {
                    mode: Mode::Onefile { unpack },
                    name: "seed".into(),
                    launch: launch.clone(),
                    runtime_tmpdir: cached.then(|| "/var/tmp".into()),
                },
                files: files.clone(),
            };
            let mut out = Vec::new();
            writer::write(&mut out, b"launcher", spec, 1, &|_| {})
                .map_err(std::io::Error::other)?;
            let name = format!("seed{i}{}", if cached { "c" } else { "" });
            fs::write(format!("seeds/bundle/{name}"), &out)?;

            let mut raw = [0u8; 64];
            raw.copy_from_slice(&out[out.len() - 64..]);
            let trailer = Trailer::decode(&raw, out.len() as u64).map_err(std::io::Error::other)?;
            let mut manifest = trailer.payload_len.to_le_bytes().to_vec();
            manifest.extend_from_slice(&out[trailer.manifest_offset() as usize..out.len() - 64]);
            fs::write(format!("seeds/manifest/{name}"), manifest)?;
        }
    }
    Ok(())
}
