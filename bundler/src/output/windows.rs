//! What pybundle writes into the launcher of a Windows executable before the archive is
//! attached: the icon (`--icon`, an `.ico` as it is or a `.png` made into one), the version
//! information (`settings/windows/version.rs`), an application manifest, and the subsystem (`--windowed`:
//! a GUI program, which opens no console). The manifest is PyInstaller's choice of settings:
//! the common controls of Windows' own look, long paths, UTF-8 as the ANSI code page, per-
//! monitor DPI awareness, and the execution level (`--uac-admin`, `--uac-uiaccess`); or the
//! user's own (`--manifest`, XML or a file of it).

use editpe::types::{VersionU16, VersionU32};
use editpe::{Image, ResourceDirectory, VersionInfo, VersionStringTable};

use crate::error::Error;
use crate::settings::windows::version::VersionStrings;
use crate::settings::windows::{Manifest, Resources};

/// IMAGE_SUBSYSTEM_WINDOWS_GUI.
const SUBSYSTEM_GUI: u16 = 2;
/// The string table's language and code page: US English, Unicode.
const LANGUAGE: u16 = 0x0409;
const CODE_PAGE: u16 = 1200;

/// The launcher `stub` with `r` written into it.
pub fn apply(stub: &[u8], r: &Resources) -> Result<Vec<u8>, Error> {
    let fail = |what: &str, why: String| Error::WindowsResource {
        what: what.to_string(),
        why,
    };
    let mut image = Image::parse(stub).map_err(|e| fail("the launcher", e.to_string()))?;
    let mut resources: ResourceDirectory = image.resource_directory().cloned().unwrap_or_default();
    if let Some(icon) = &r.icon {
        let what = format!("the icon {}", icon.display());
        let bytes = std::fs::read(icon).map_err(|e| fail(&what, e.to_string()))?;
        let set = if bytes.starts_with(b"\x89PNG") {
            let picture =
                image::load_from_memory(&bytes).map_err(|e| fail(&what, e.to_string()))?;
            resources.set_main_icon(picture)
        } else {
            resources.set_main_icon(bytes)
        };
        set.map_err(|e| fail(&what, e.to_string()))?;
    }
    resources
        .set_version_info(&version_info(&r.version))
        .map_err(|e| fail("the version information", e.to_string()))?;
    resources
        .set_manifest(&manifest_xml(&r.manifest))
        .map_err(|e| fail("the manifest", e.to_string()))?;
    image
        .set_resource_directory(resources)
        .map_err(|e| fail("the resources", e.to_string()))?;
    if r.windowed {
        image.set_subsystem(SUBSYSTEM_GUI);
    }
    Ok(image.data().to_vec())
}

fn version_info(v: &VersionStrings) -> VersionInfo {
    let pack = |n: [u16; 4]| VersionU32 {
        major: (u32::from(n[0]) << 16) | u32::from(n[1]),
        minor: (u32::from(n[2]) << 16) | u32::from(n[3]),
    };
    let mut info = VersionInfo::default();
    info.info.file_version = pack(v.file_version);
    info.info.product_version = pack(v.product_version);
    let mut table = VersionStringTable {
        key: format!("{LANGUAGE:04X}{CODE_PAGE:04X}"),
        strings: Default::default(),
    };
    for (key, value) in &v.strings {
        table.strings.insert(key.clone(), value.clone());
    }
    info.strings.push(table);
    info.vars.push(VersionU16 {
        major: LANGUAGE,
        minor: CODE_PAGE,
    });
    info
}

fn manifest_xml(m: &Manifest) -> String {
    let (name, admin, ui_access) = match m {
        Manifest::Given(xml) => return xml.clone(),
        Manifest::Generated {
            name,
            admin,
            ui_access,
        } => (name, *admin, *ui_access),
    };
    let name: String = (name.chars())
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let level = if admin {
        "requireAdministrator"
    } else {
        "asInvoker"
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">
  <assemblyIdentity type="win32" name="{name}" processorArchitecture="amd64" version="1.0.0.0"/>
  <trustInfo xmlns="urn:schemas-microsoft-com:asm.v3">
    <security>
      <requestedPrivileges>
        <requestedExecutionLevel level="{level}" uiAccess="{ui_access}"/>
      </requestedPrivileges>
    </security>
  </trustInfo>
  <compatibility xmlns="urn:schemas-microsoft-com:compatibility.v1">
    <application>
      <supportedOS Id="{{e2011457-1546-43c5-a5fe-008deee3d3f0}}"/>
      <supportedOS Id="{{35138b9a-5d96-4fbd-8e2d-a2440225f93a}}"/>
      <supportedOS Id="{{4a2f28e3-53b9-4441-ba9c-d69d4a4a6e38}}"/>
      <supportedOS Id="{{1f676c76-80e1-4239-95bb-83d0f6d0da78}}"/>
      <supportedOS Id="{{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}}"/>
    </application>
  </compatibility>
  <application xmlns="urn:schemas-microsoft-com:asm.v3">
    <windowsSettings>
      <longPathAware xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">true</longPathAware>
      <activeCodePage xmlns="http://schemas.microsoft.com/SMI/2019/WindowsSettings">UTF-8</activeCodePage>
      <dpiAware xmlns="http://schemas.microsoft.com/SMI/2005/WindowsSettings">true/pm</dpiAware>
      <dpiAwareness xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">PerMonitorV2, PerMonitor</dpiAwareness>
    </windowsSettings>
  </application>
  <dependency>
    <dependentAssembly>
      <assemblyIdentity type="win32" name="Microsoft.Windows.Common-Controls" version="6.0.0.0" processorArchitecture="*" publicKeyToken="6595b64144ccf1df" language="*"/>
    </dependentAssembly>
  </dependency>
</assembly>
"#
    )
}

#[cfg(all(test, pybundle_stub = "windows-x64"))]
mod tests {
    use super::*;
    use crate::bundle::target::Target;
    use std::path::Path;

    fn resources(icon: Option<&Path>, windowed: bool) -> Resources {
        let mut version = VersionStrings::new("tool", "tool.exe");
        version.set("FileVersion", "1.2.3");
        Resources {
            icon: icon.map(Path::to_path_buf),
            windowed,
            version,
            manifest: Manifest::Generated {
                name: "tool".into(),
                admin: false,
                ui_access: false,
            },
        }
    }

    #[test]
    fn an_ico_goes_in_as_it_is_and_a_console_program_stays_one() {
        let dir = tempfile::tempdir().unwrap();
        let ico = dir.path().join("tool.ico");
        image::RgbaImage::from_pixel(32, 32, image::Rgba([0, 90, 200, 255]))
            .save(&ico)
            .unwrap();
        let stub = crate::output::launcher::bytes_for(Target::WindowsX64).unwrap();
        let written = apply(&stub, &resources(Some(&ico), false)).unwrap();
        let image = Image::parse(&written[..]).unwrap();
        assert_eq!(image.subsystem(), 3, "the console subsystem");
        let found = image.resource_directory().unwrap();
        assert!(found.get_main_icon().unwrap().is_some());
        let info = found.get_version_info().unwrap().unwrap();
        let packed = info.info.file_version;
        assert_eq!((packed.major, packed.minor), ((1 << 16) | 2, 3 << 16));
        let manifest = found.get_manifest().unwrap().unwrap();
        assert!(manifest.contains(r#"level="asInvoker""#), "{manifest}");
    }

    #[test]
    fn a_damaged_icon_is_one_line_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("broken.png");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\nnot really").unwrap();
        let stub = crate::output::launcher::bytes_for(Target::WindowsX64).unwrap();
        let err = apply(&stub, &resources(Some(&png), true))
            .unwrap_err()
            .to_string();
        assert!(err.contains("broken.png") && !err.contains('\n'), "{err}");
    }
}
