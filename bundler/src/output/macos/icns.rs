//! An `.app`'s icon: `--icon` given as an `.icns` file is taken as it is (once its header is
//! checked), and a square PNG of one of the sizes macOS draws icons at is wrapped in an
//! `.icns` container as the one image of its size (macOS reads PNG data in these entries).
//! PyInstaller converts other images with Pillow; pybundle says which sizes to give.

/// The `.icns` entry type for a square PNG of each size (`ic07` is 128 px).
const TYPES: [(u32, &[u8; 4]); 7] = [
    (16, b"icp4"),
    (32, b"icp5"),
    (64, b"icp6"),
    (128, b"ic07"),
    (256, b"ic08"),
    (512, b"ic09"),
    (1024, b"ic10"),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IcnsError {
    #[error("it is neither an .icns file nor a PNG image")]
    NotAnIcon,
    #[error("its .icns header gives a length of {said} bytes, and the file has {has}")]
    BadLength { said: usize, has: usize },
    #[error("it is a {width}x{height} PNG; a macOS icon from a PNG must be square and 16, 32, 64, 128, 256, 512 or 1024 pixels wide (or give an .icns file)")]
    Size { width: u32, height: u32 },
}

/// The `.icns` file for the icon `bytes` (an `.icns` file or a PNG image).
pub fn icns(bytes: &[u8]) -> Result<Vec<u8>, IcnsError> {
    if bytes.starts_with(b"icns") {
        let said = be32(bytes, 4).ok_or(IcnsError::NotAnIcon)? as usize;
        if said != bytes.len() {
            return Err(IcnsError::BadLength {
                said,
                has: bytes.len(),
            });
        }
        return Ok(bytes.to_vec());
    }
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.get(12..16) != Some(b"IHDR") {
        return Err(IcnsError::NotAnIcon);
    }
    let (width, height) = (
        be32(bytes, 16).ok_or(IcnsError::NotAnIcon)?,
        be32(bytes, 20).ok_or(IcnsError::NotAnIcon)?,
    );
    let kind = (TYPES.iter())
        .find(|(size, _)| width == *size && height == *size)
        .map(|(_, kind)| kind)
        .ok_or(IcnsError::Size { width, height })?;
    let entry_len = 8 + bytes.len();
    let mut out = Vec::with_capacity(8 + entry_len);
    out.extend_from_slice(b"icns");
    out.extend_from_slice(&((8 + entry_len) as u32).to_be_bytes());
    out.extend_from_slice(*kind);
    out.extend_from_slice(&(entry_len as u32).to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(out)
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The start of a PNG `width` by `height` pixels: its signature and header chunk.
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        out.extend(13u32.to_be_bytes());
        out.extend(b"IHDR");
        out.extend(width.to_be_bytes());
        out.extend(height.to_be_bytes());
        out.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        out
    }

    #[test]
    fn a_square_png_becomes_the_one_image_of_its_size() {
        let image = png(256, 256);
        let icon = icns(&image).unwrap();
        assert_eq!(&icon[..4], b"icns");
        assert_eq!(be32(&icon, 4).unwrap() as usize, icon.len());
        assert_eq!(&icon[8..12], b"ic08");
        assert_eq!(be32(&icon, 12).unwrap() as usize, 8 + image.len());
        assert_eq!(&icon[16..], &image[..]);
        // An .icns file is taken as it is.
        assert_eq!(icns(&icon).unwrap(), icon);
    }

    #[test]
    fn what_macos_cannot_use_is_said() {
        let err = icns(&png(100, 100)).unwrap_err();
        assert_eq!(
            err,
            IcnsError::Size {
                width: 100,
                height: 100
            }
        );
        assert!(err
            .to_string()
            .contains("16, 32, 64, 128, 256, 512 or 1024"));
        assert_eq!(icns(b"\0\0\x01\0ico"), Err(IcnsError::NotAnIcon));
        let mut cut = icns(&png(16, 16)).unwrap();
        cut.truncate(20);
        assert!(matches!(icns(&cut), Err(IcnsError::BadLength { .. })));
    }
}
