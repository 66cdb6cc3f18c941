//! Who signs a bundle's Mach-O files, and how. By default ad hoc ([`sign`], no certificate:
//! what arm64 macOS needs to run code). With a Developer ID ([`Identity`], from a `.p12`
//! file), every file is signed again through apple-codesign (the library behind `rcodesign`):
//! a CMS signature over the code directory, the certificate chain, the hardened runtime
//! (which notarization requires) and a secure time stamp. Entitlements go to programs only.
//! An `.app` is sealed last: its resources hashed into `_CodeSignature/CodeResources` and its
//! executable's signature bound to them and to its `Info.plist`.

use std::path::Path;

use apple_codesign::cryptography::{parse_pfx_data, InMemoryPrivateKey};
use apple_codesign::{
    AppleCodesignError, BundleSigner, CodeSignatureFlags, MachOSigner, SettingsScope,
    SigningSettings,
};
use x509_certificate::CapturedX509Certificate;

use super::sign::{self, SignError};

/// A Developer ID Application certificate and its private key.
pub struct Identity {
    certificate: CapturedX509Certificate,
    key: InMemoryPrivateKey,
    /// The time-stamp server asked to date each signature (notarization needs one).
    timestamp_url: Option<String>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The subject, never the key.
        let subject = self.certificate.subject_common_name();
        f.debug_struct("Identity")
            .field("subject", &subject)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("its password does not open it")]
    BadPassword,
    #[error("it is not a .p12 file pybundle can read ({0}); export the certificate with its key from Keychain Access, or with `openssl pkcs12 -export -legacy`")]
    Unreadable(String),
}

impl Identity {
    /// The certificate and key of the `.p12` file `bytes`, opened with `password`; each
    /// signature is dated by `timestamp_url`, if given.
    pub fn from_p12(
        bytes: &[u8],
        password: &str,
        timestamp_url: Option<String>,
    ) -> Result<Identity, IdentityError> {
        let (certificate, key) = parse_pfx_data(bytes, password).map_err(|e| match e {
            AppleCodesignError::PfxBadPassword => IdentityError::BadPassword,
            other => IdentityError::Unreadable(other.to_string()),
        })?;
        Ok(Identity {
            certificate,
            key,
            timestamp_url,
        })
    }

    /// The certificate's common name (`Developer ID Application: Name (TEAMID)`).
    pub fn subject(&self) -> String {
        self.certificate.subject_common_name().unwrap_or_default()
    }
}

/// What a file is to the signer: programs get the entitlements, libraries do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Library,
    Program,
}

/// How a build's Mach-O files are signed.
#[derive(Debug, Default)]
pub struct Signer {
    /// A Developer ID; ad hoc without one.
    pub identity: Option<Box<Identity>>,
    /// The entitlements, as an XML property list, that programs are signed with.
    pub entitlements: Option<String>,
}

impl Signer {
    /// Does every file need signing again, whatever signature it has?
    pub fn replaces_every_signature(&self) -> bool {
        self.identity.is_some()
    }

    /// `bytes`, a thin Mach-O file, signed as `identifier`.
    pub fn sign(&self, bytes: &[u8], identifier: &str, role: Role) -> Result<Vec<u8>, SignError> {
        let entitled = role == Role::Program && self.entitlements.is_some();
        if self.identity.is_none() && !entitled {
            return sign::ad_hoc(bytes, identifier);
        }
        let settings = self.settings(identifier, role)?;
        let signer = MachOSigner::new(bytes).map_err(codesign_error)?;
        let mut out = Vec::with_capacity(bytes.len() + 64 * 1024);
        signer
            .write_signed_binary(&settings, &mut out)
            .map_err(codesign_error)?;
        Ok(out)
    }

    /// A launcher's [`sign::code`] of `code_len` bytes with its archive after it (`bytes`),
    /// signed as `identifier`: the archive made part of `__LINKEDIT` and covered.
    pub fn sign_launcher(
        &self,
        bytes: Vec<u8>,
        code_len: usize,
        identifier: &str,
    ) -> Result<Vec<u8>, SignError> {
        let signed = sign::ad_hoc_with_payload(bytes, code_len, identifier)?;
        if self.identity.is_none() && self.entitlements.is_none() {
            return Ok(signed);
        }
        // apple-codesign keeps everything in `__LINKEDIT` before the signature it replaces.
        self.sign(&signed, identifier, Role::Program)
    }

    /// Seal the `.app` at `app` in place, as `identifier`: its files are signed already, so
    /// only the executable is signed again, bound to the `Info.plist` and to the hashes of
    /// every other file in `_CodeSignature/CodeResources`.
    pub fn seal_app(&self, app: &Path, identifier: &str) -> Result<(), SignError> {
        let mut settings = self.settings(identifier, Role::Program)?;
        settings.set_shallow(true);
        let signer = BundleSigner::new_from_path(app).map_err(codesign_error)?;
        signer
            .write_signed_bundle(app, &settings)
            .map_err(codesign_error)?;
        Ok(())
    }

    fn settings(&self, identifier: &str, role: Role) -> Result<SigningSettings<'_>, SignError> {
        let mut settings = SigningSettings::default();
        settings.set_binary_identifier(SettingsScope::Main, identifier);
        if let (Role::Program, Some(xml)) = (role, &self.entitlements) {
            settings
                .set_entitlements_xml(SettingsScope::Main, xml)
                .map_err(codesign_error)?;
        }
        if let Some(identity) = &self.identity {
            settings.set_signing_key(&identity.key, identity.certificate.clone());
            settings.chain_apple_certificates();
            settings.set_team_id_from_signing_certificate();
            settings.add_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
            if let Some(url) = &identity.timestamp_url {
                settings
                    .set_time_stamp_url(url.as_str())
                    .map_err(codesign_error)?;
            }
        }
        Ok(settings)
    }
}

fn codesign_error(e: AppleCodesignError) -> SignError {
    SignError::Codesign(e.to_string())
}
