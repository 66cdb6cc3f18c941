//! Import analysis: which modules a piece of Python source can import, read with a real Python
//! parser (ruff's), at any depth of the code.

pub mod branches;
pub mod excludes;
pub mod graph;
pub mod imports;

/// Where a module is imported: the first file that imports it, and whether every import of it
/// seen so far was optional (guarded by `try`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub importer: String,
    pub optional: bool,
    /// Every import of it seen so far is inside a function of an installed package: it runs
    /// only if the app uses that part of the package (pandas' `to_excel` importing openpyxl).
    pub in_package_function: bool,
    /// This import statement is inside a function or lambda (in the importer's own code).
    pub deferred: bool,
    /// Only named in a string of a file that imports by computed names: followed into the
    /// standard library only (a string is no reason to bundle a distribution).
    pub by_name: bool,
    /// Whether a PyInstaller hook's hint is behind this import.
    pub hint: Hint,
}

/// A PyInstaller hook's part in an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// None: the import is in the code.
    None,
    /// The import is a hook's hidden import: followed as any import.
    Hook,
    /// The import is made by a module only a hook's hint reached: followed into the standard
    /// library and the distributions already bundled, never into a new one (pygments' hook
    /// names every formatter, and the image one tries PIL).
    Below,
}

/// How much an import matters, least first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// The code copes without it (`try`, a version or platform test, a `HAS_*` flag).
    Optional,
    /// Only a function of an installed package has it (an optional feature).
    InFunction,
    /// It runs whenever its importer does.
    Required,
}

impl Site {
    /// A module a compiled module loads from C as it is imported (seen by loading it).
    pub fn loaded_from_c() -> Site {
        Site {
            importer: "a compiled module, as it loads".to_string(),
            optional: false,
            in_package_function: false,
            deferred: false,
            by_name: false,
            hint: Hint::None,
        }
    }

    /// An import by the app's own code (or a hint), `optional` or not.
    pub fn app(importer: &str, optional: bool) -> Site {
        Site {
            importer: importer.to_string(),
            optional,
            in_package_function: false,
            deferred: false,
            by_name: false,
            hint: Hint::None,
        }
    }

    /// A module a PyInstaller hook names (`hiddenimports`): optional (hooks name drivers that
    /// may not be installed), and what it imports in turn is [`Hint::Below`].
    pub fn hook(hook: &str) -> Site {
        Site {
            importer: hook.to_string(),
            optional: true,
            in_package_function: false,
            deferred: false,
            by_name: false,
            hint: Hint::Hook,
        }
    }

    /// How much a failure of this import would matter.
    pub fn need(&self) -> Need {
        match (self.optional, self.in_package_function) {
            (true, _) => Need::Optional,
            (false, true) => Need::InFunction,
            (false, false) => Need::Required,
        }
    }

    /// This import made by a module that was itself reached by imports of `need`: it matters
    /// no more than they do.
    pub fn capped(&self, need: Need) -> Site {
        Site {
            importer: self.importer.clone(),
            optional: self.optional || need == Need::Optional,
            in_package_function: self.in_package_function || need == Need::InFunction,
            deferred: self.deferred,
            by_name: self.by_name,
            hint: self.hint,
        }
    }
}
