//! The version information a Windows executable carries (what Explorer shows under Details):
//! `FileDescription`, `ProductName`, `CompanyName`, `LegalCopyright`, `FileVersion`,
//! `ProductVersion` and the file's name. Taken, each later source overriding the earlier, from
//! the app's name, `[project]` in `pyproject.toml` (name, version, description, the first
//! author), `[tool.pybundle.windows]` (the same keys in kebab-case: `company-name`,
//! `legal-copyright`, ...), and PyInstaller's `--version-file` (its `StringStruct` entries and
//! `filevers`/`prodvers` tuples, read as text: the file is never run).

use std::fs;
use std::path::Path;

use crate::error::Error;

/// The string keys, as `[tool.pybundle.windows]` spells them and as the resource does.
const KEYS: &[(&str, &str)] = &[
    ("company-name", "CompanyName"),
    ("file-description", "FileDescription"),
    ("file-version", "FileVersion"),
    ("internal-name", "InternalName"),
    ("legal-copyright", "LegalCopyright"),
    ("legal-trademarks", "LegalTrademarks"),
    ("original-filename", "OriginalFilename"),
    ("product-name", "ProductName"),
    ("product-version", "ProductVersion"),
    ("comments", "Comments"),
];

/// The version resource's strings, in order, and its two numeric versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionStrings {
    pub strings: Vec<(String, String)>,
    pub file_version: [u16; 4],
    pub product_version: [u16; 4],
}

impl VersionStrings {
    /// What an executable named `exe` (`app.exe`) of app `name` carries with nothing else said.
    pub fn new(name: &str, exe: &str) -> Self {
        let mut v = VersionStrings {
            strings: Vec::new(),
            file_version: [0; 4],
            product_version: [0; 4],
        };
        for (key, value) in [
            ("FileDescription", name),
            ("ProductName", name),
            ("InternalName", name),
            ("OriginalFilename", exe),
            ("FileVersion", "0.0.0.0"),
            ("ProductVersion", "0.0.0.0"),
        ] {
            v.set(key, value);
        }
        v
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        (self.strings.iter())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Set one string; the versions' numbers follow their strings.
    pub fn set(&mut self, key: &str, value: &str) {
        match self.strings.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.to_string(),
            None => self.strings.push((key.to_string(), value.to_string())),
        }
        match key {
            "FileVersion" => self.file_version = numbers(value),
            "ProductVersion" => self.product_version = numbers(value),
            _ => {}
        }
    }

    /// Add what `pyproject` (a `pyproject.toml`) says: `[project]`, then
    /// `[tool.pybundle.windows]`.
    pub fn from_project(&mut self, pyproject: &Path) -> Result<(), Error> {
        let bad = |why: String| Error::Config {
            path: pyproject.to_path_buf(),
            why,
        };
        let text =
            fs::read_to_string(pyproject).map_err(|e| bad(format!("cannot be read: {e}")))?;
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| bad(e.message().to_string()))?;
        if let Some(project) = doc.get("project").and_then(toml::Value::as_table) {
            let text = |key: &str| project.get(key).and_then(toml::Value::as_str);
            if let Some(name) = text("name") {
                self.set("ProductName", name);
            }
            if let Some(version) = text("version") {
                self.set("FileVersion", version);
                self.set("ProductVersion", version);
            }
            if let Some(description) = text("description") {
                self.set("FileDescription", description);
            }
            let author = (project.get("authors").and_then(toml::Value::as_array))
                .and_then(|a| a.first())
                .and_then(|a| a.get("name"))
                .and_then(toml::Value::as_str);
            if let Some(author) = author {
                self.set("CompanyName", author);
            }
        }
        let windows =
            (doc.get("tool").and_then(|t| t.get("pybundle"))).and_then(|p| p.get("windows"));
        let Some(windows) = windows else {
            return Ok(());
        };
        let table = windows
            .as_table()
            .ok_or_else(|| bad("[tool.pybundle.windows] must be a table".into()))?;
        for (key, value) in table {
            let normal = key.replace('_', "-");
            let Some((_, name)) = KEYS.iter().find(|(k, _)| *k == normal) else {
                let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
                return Err(bad(format!(
                    "`windows.{key}` is not a version field; use one of {}",
                    known.join(", ")
                )));
            };
            let value = value
                .as_str()
                .ok_or_else(|| bad(format!("`windows.{key}` must be a string")))?;
            self.set(name, value);
        }
        Ok(())
    }

    /// Add what PyInstaller's version file says (`pyi-grab_version` writes one).
    pub fn from_version_file(&mut self, file: &Path) -> Result<(), Error> {
        let bad = |why: String| Error::BadOptionFile {
            flag: "--version-file",
            path: file.to_path_buf(),
            why,
        };
        let text = fs::read_to_string(file).map_err(|e| bad(format!("cannot be read ({e})")))?;
        let pairs = string_structs(&text);
        if pairs.is_empty() {
            return Err(bad("it has no StringStruct('Key', 'Value') entries; give the file pyi-grab_version writes, or set the fields in [tool.pybundle.windows]".into()));
        }
        for (key, value) in pairs {
            self.set(&key, &value);
        }
        if let Some(numbers) = tuple_after(&text, "filevers") {
            self.file_version = numbers;
        }
        if let Some(numbers) = tuple_after(&text, "prodvers") {
            self.product_version = numbers;
        }
        Ok(())
    }
}

/// `1.2.3` → `[1, 2, 3, 0]`; each part's leading digits (`4rc1` → 4), missing parts 0.
fn numbers(version: &str) -> [u16; 4] {
    let mut out = [0u16; 4];
    for (slot, part) in out.iter_mut().zip(version.trim().split('.')) {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        *slot = digits.parse().unwrap_or(0);
    }
    out
}

/// Every `StringStruct('Key', 'Value')` (either quote, `u` prefixes allowed) in `text`.
fn string_structs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("StringStruct(") {
        rest = &rest[at + "StringStruct(".len()..];
        let Some((key, after)) = literal(rest) else {
            continue;
        };
        let after = after.trim_start();
        let Some(after) = after.strip_prefix(',') else {
            continue;
        };
        if let Some((value, after)) = literal(after) {
            out.push((key, value));
            rest = after;
        }
    }
    out
}

/// A Python string literal at the start of `text` (after blanks): its value and what follows.
fn literal(text: &str) -> Option<(String, &str)> {
    let text = text.trim_start();
    let text = text.strip_prefix(['u', 'U']).unwrap_or(text);
    let quote = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let mut value = String::new();
    let mut chars = text[1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                let (_, escaped) = chars.next()?;
                value.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
            }
            c if c == quote => return Some((value, &text[1 + i + 1..])),
            c => value.push(c),
        }
    }
    None
}

/// The four numbers of `name=(a, b, c, d)` in `text`.
fn tuple_after(text: &str, name: &str) -> Option<[u16; 4]> {
    let at = text.find(name)?;
    let rest = text[at + name.len()..].trim_start().strip_prefix('=')?;
    let inner = rest.trim_start().strip_prefix('(')?;
    let inner = &inner[..inner.find(')')?];
    let mut out = [0u16; 4];
    for (slot, part) in out.iter_mut().zip(inner.split(',')) {
        *slot = part.trim().parse().ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_then_its_windows_table_fill_the_strings() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pyproject.toml");
        fs::write(
            &file,
            "[project]\nname = \"shop\"\nversion = \"2.5.1\"\ndescription = \"A shop\"\n\
             authors = [{ name = \"Ada\" }]\n\n[tool.pybundle.windows]\n\
             legal-copyright = \"(c) Ada\"\nproduct_name = \"Shop Deluxe\"\n",
        )
        .unwrap();
        let mut v = VersionStrings::new("shop", "shop.exe");
        v.from_project(&file).unwrap();
        assert_eq!(v.get("FileDescription"), Some("A shop"));
        assert_eq!(v.get("CompanyName"), Some("Ada"));
        assert_eq!(v.get("LegalCopyright"), Some("(c) Ada"));
        assert_eq!(v.get("ProductName"), Some("Shop Deluxe"));
        assert_eq!(v.get("OriginalFilename"), Some("shop.exe"));
        assert_eq!(v.file_version, [2, 5, 1, 0]);
        fs::write(&file, "[tool.pybundle.windows]\ncolour = \"red\"\n").unwrap();
        let err = v.from_project(&file).unwrap_err().to_string();
        assert!(
            err.contains("windows.colour") && err.contains("company-name"),
            "{err}"
        );
    }

    #[test]
    fn pyinstallers_version_file_is_read_as_text() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("version.txt");
        fs::write(
            &file,
            "VSVersionInfo(\n  ffi=FixedFileInfo(filevers=(1, 2, 3, 4), prodvers=(1, 2, 0, 0)),\n  \
             kids=[StringFileInfo([StringTable(u'040904B0', [\n    \
             StringStruct(u'CompanyName', u'Ada\\'s Shop'),\n    \
             StringStruct(\"FileDescription\", \"Shop, the app\")])])])\n",
        )
        .unwrap();
        let mut v = VersionStrings::new("shop", "shop.exe");
        v.from_version_file(&file).unwrap();
        assert_eq!(v.get("CompanyName"), Some("Ada's Shop"));
        assert_eq!(v.get("FileDescription"), Some("Shop, the app"));
        assert_eq!(
            (v.file_version, v.product_version),
            ([1, 2, 3, 4], [1, 2, 0, 0])
        );
        fs::write(&file, "nothing here").unwrap();
        assert!(v.from_version_file(&file).is_err());
    }

    #[test]
    fn versions_become_four_numbers() {
        assert_eq!(numbers("1.2.3"), [1, 2, 3, 0]);
        assert_eq!(numbers("2.0rc1"), [2, 0, 0, 0]);
        assert_eq!(numbers("x"), [0; 4]);
    }
}
