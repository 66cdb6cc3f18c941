//! The INI dialect Python's `configparser` reads, as far as pybundle needs it: `setup.cfg` and
//! a distribution's `entry_points.txt` (its console scripts, its PyInstaller hook folders).
//! Sections in brackets, `key = value` or `key: value`, a value continued on the indented lines
//! that follow it, `#` and `;` comment lines.

/// One section's keys, in the file's order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// Keys as written, values trimmed; a continued value's lines joined with `\n`.
    pub entries: Vec<(String, String)>,
}

impl Section {
    /// The value of `key` (the last one, as configparser keeps it).
    pub fn get(&self, key: &str) -> Option<&str> {
        (self.entries.iter().rev())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Every section of `text`, in order; lines outside any section are ignored.
pub fn parse(text: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        let Some(section) = sections.last_mut() else {
            if let Some(name) = header(trimmed) {
                sections.push(Section {
                    name,
                    entries: Vec::new(),
                });
            }
            continue;
        };
        if indented {
            if let Some((_, value)) = section.entries.last_mut() {
                if !value.is_empty() {
                    value.push('\n');
                }
                value.push_str(trimmed);
                continue;
            }
        }
        if let Some(name) = header(trimmed) {
            sections.push(Section {
                name,
                entries: Vec::new(),
            });
            continue;
        }
        let at = trimmed.find(['=', ':']);
        if let Some(at) = at {
            let (key, value) = (&trimmed[..at], &trimmed[at + 1..]);
            section
                .entries
                .push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    sections
}

fn header(line: &str) -> Option<String> {
    let name = line.strip_prefix('[')?.strip_suffix(']')?;
    Some(name.trim().to_string())
}

/// The section called `name`, if `sections` has one.
pub fn section<'a>(sections: &'a [Section], name: &str) -> Option<&'a Section> {
    sections.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continued_values_and_comments_read_as_configparser_reads_them() {
        let text = "# setup.cfg\n[metadata]\nname = flake8\nversion: 7.0\n\n\
                    [options.entry_points]\nconsole_scripts =\n    flake8 = flake8.main.cli:main\n\
                    \t; a comment\n    other = x:y\n[empty]\n";
        let sections = parse(text);
        let names: Vec<&str> = sections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["metadata", "options.entry_points", "empty"]);
        assert_eq!(sections[0].get("version"), Some("7.0"));
        assert_eq!(
            section(&sections, "options.entry_points").and_then(|s| s.get("console_scripts")),
            Some("flake8 = flake8.main.cli:main\nother = x:y")
        );
    }

    #[test]
    fn an_entry_points_file_keeps_colons_in_values() {
        let sections = parse("[console_scripts]\nblack = black:patched_main\n");
        assert_eq!(sections[0].get("black"), Some("black:patched_main"));
    }
}
