//! Signing each launcher once its archive or listing is in it. A macOS launcher's archive is
//! part of the program its signature covers (`docs/format.md`, "Signed executables"), so the
//! launcher is signed after the archive is written, not before; elsewhere a launcher is
//! written as it is (Windows programs are signed by the user's own tools afterwards).

use pybundle_archive::FormatError;

use crate::error::Error;
use crate::native::macho::sign;
use crate::native::macho::signer::Signer;

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
            Signing::Macho { identifier, signer } => {
                let code = sign::code(stub).map_err(|e| failed(e.to_string()))?;
                append(&mut bytes, code).map_err(|e| failed(e.to_string()))?;
                (signer.sign_launcher(bytes, code.len(), identifier))
                    .map_err(|e| failed(e.to_string()))
            }
        }
    }
}
