//! An `.app`'s `Contents/Info.plist`, as PyInstaller 6 writes it: the bundle's name and
//! identifier, the executable Launch Services starts, its version from `[project]`, its
//! icon, and high-resolution drawing on. XML property list, written by hand: it is a handful
//! of strings.

use std::fmt::Write as _;

/// What the property list says of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppInfo<'a> {
    /// Shown in Finder and the menu bar (`CFBundleName`, `CFBundleDisplayName`).
    pub name: &'a str,
    /// The file in `Contents/MacOS` to start (`CFBundleExecutable`).
    pub executable: &'a str,
    /// `--osx-bundle-identifier`, reverse-DNS (`CFBundleIdentifier`).
    pub identifier: &'a str,
    /// `[project].version` (`CFBundleShortVersionString`), else `0.0.0`.
    pub version: Option<&'a str>,
    /// The `.icns` file's name in `Contents/Resources` (`CFBundleIconFile`).
    pub icon_file: Option<&'a str>,
}

/// The XML property list for `app`.
pub fn info_plist(app: &AppInfo) -> String {
    let mut entries: Vec<(&str, Value)> = vec![
        ("CFBundleDisplayName", Value::Text(app.name)),
        ("CFBundleExecutable", Value::Text(app.executable)),
    ];
    if let Some(icon) = app.icon_file {
        entries.push(("CFBundleIconFile", Value::Text(icon)));
    }
    entries.extend([
        ("CFBundleIdentifier", Value::Text(app.identifier)),
        ("CFBundleInfoDictionaryVersion", Value::Text("6.0")),
        ("CFBundleName", Value::Text(app.name)),
        ("CFBundlePackageType", Value::Text("APPL")),
        (
            "CFBundleShortVersionString",
            Value::Text(app.version.unwrap_or("0.0.0")),
        ),
        ("NSHighResolutionCapable", Value::True),
    ]);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \
         \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <plist version=\"1.0\">\n<dict>\n",
    );
    for (key, value) in entries {
        let _ = writeln!(out, "\t<key>{key}</key>");
        match value {
            Value::Text(text) => {
                let _ = writeln!(out, "\t<string>{}</string>", escaped(text));
            }
            Value::True => out.push_str("\t<true/>\n"),
        }
    }
    out.push_str("</dict>\n</plist>\n");
    out
}

enum Value<'a> {
    Text(&'a str),
    True,
}

/// `text` with XML's special characters written as entities.
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plist_names_the_executable_and_escapes_what_it_must() {
        let text = info_plist(&AppInfo {
            name: "Shop & Co",
            executable: "shop",
            identifier: "com.example.shop",
            version: Some("2.5.1"),
            icon_file: Some("shop.icns"),
        });
        assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist"));
        assert!(text.contains("<key>CFBundleExecutable</key>\n\t<string>shop</string>"));
        assert!(text.contains("<string>Shop &amp; Co</string>"));
        assert!(text.contains("<key>CFBundleShortVersionString</key>\n\t<string>2.5.1</string>"));
        assert!(text.contains("<key>CFBundleIconFile</key>\n\t<string>shop.icns</string>"));
        assert!(text.contains("<key>NSHighResolutionCapable</key>\n\t<true/>"));
        let bare = info_plist(&AppInfo {
            name: "a",
            executable: "a",
            identifier: "a",
            version: None,
            icon_file: None,
        });
        assert!(!bare.contains("CFBundleIconFile"));
        assert!(bare.contains("<string>0.0.0</string>"));
    }
}
