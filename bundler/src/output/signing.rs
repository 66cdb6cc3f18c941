//! Signing each launcher once its archive or listing is in it. A macOS launcher's archive is
//! part of the program its signature covers (`docs/format.md`, "Signed executables"), so the
//! launcher is signed after the archive is written, not before; elsewhere a launcher is
//! written as it is (Windows programs are signed by the user's own tools afterwards). A
//! universal launcher's archive ends its last slice.

use pybundle_archive::FormatError;

use crate::error::Error;
use crate::native::macho::fat::{self, Slice};
use crate::native::macho::sign;
use crate::native::macho::signer::{Role, Signer};

/// How the launchers of a build are signed.
#[derive(Debug, Clone, Copy)]
pub enum Signing<'a> {
    /// As the launcher came: Linux, and Windows (signed afterwards with signtool).
    Unsigned,
    /// macOS: by `signer`, as `identifier`, covering the launcher and its archive.
    Macho {
        identifier: &'a str,
        signer: &'a Signer,
    },
}

impl Signing<'_> {
    /// `stub` with what `append` writes after it (given the stub's code), signed as this says.
    pub fn launcher(
        &self,
        stub: &[u8],
        append: impl FnOnce(&mut Vec<u8>, &[u8]) -> Result<u64, FormatError>,
    ) -> Result<Vec<u8>, Error> {
        let failed = |e: String| Error::Internal(format!("signing the launcher failed: {e}"));
        let mut bytes = Vec::new();
        match self {
            Signing::Unsigned => {
                append(&mut bytes, stub).map_err(|e| failed(e.to_string()))?;
                Ok(bytes)
            }
            Signing::Macho { identifier, signer } if fat::is_fat(stub) => {
                universal(stub, identifier, signer, append).map_err(|e| failed(e.to_string()))
            }
            Signing::Macho { identifier, signer } => {
                let code = sign::code(stub).map_err(|e| failed(e.to_string()))?;
                append(&mut bytes, code).map_err(|e| failed(e.to_string()))?;
                (signer.sign_launcher(bytes, code.len(), identifier))
                    .map_err(|e| failed(e.to_string()))
            }
        }
    }
}

/// A universal launcher `stub` with what `append` writes in its last slice, every slice
/// signed. The archive's offsets count from the start of the universal file, so it is
/// written after everything that will precede it there: the header and the slices before,
/// each already signed, and the last slice's code. The header is written again once the last
/// slice's size is known; no slice moves.
fn universal(
    stub: &[u8],
    identifier: &str,
    signer: &Signer,
    append: impl FnOnce(&mut Vec<u8>, &[u8]) -> Result<u64, FormatError>,
) -> Result<Vec<u8>, String> {
    let mut slices = fat::slices(stub).map_err(|e| e.to_string())?;
    let mut last = slices.pop().ok_or("a universal launcher with no slice")?;
    for slice in &mut slices {
        slice.bytes =
            (signer.sign(&slice.bytes, identifier, Role::Program)).map_err(|e| e.to_string())?;
    }
    let code = sign::code(&last.bytes).map_err(|e| e.to_string())?.to_vec();
    let mut layout = slices.clone();
    layout.push(Slice {
        bytes: code,
        ..last.clone()
    });
    let starts_at = *fat::offsets(&layout)
        .last()
        .ok_or("a universal launcher with no slice")?;
    let before = fat::join(&layout).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    append(&mut bytes, &before).map_err(|e| e.to_string())?;
    let code_len = before.len() - starts_at;
    let written = bytes.split_off(starts_at);
    last.bytes =
        (signer.sign_launcher(written, code_len, identifier)).map_err(|e| e.to_string())?;
    slices.push(last);
    fat::join(&slices).map_err(|e| e.to_string())
}
