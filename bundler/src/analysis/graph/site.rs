//! The site finder: the distributions installed in the interpreter's site-packages that own a
//! module, what each of their modules imports (read from the files that will be bundled), what
//! each distribution requires on this platform, and its compiled modules.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::PathBuf;

use crate::analysis::imports;
use crate::analysis::{Hint, Site};
use crate::bundle::module_name::ModuleName;
use crate::error::Error;
use crate::packages::compiled::Compiled;
use crate::packages::markers::{self, Environment};
use crate::packages::{editable, files, hooks, SiteIndex};

/// A `.py` module of a distribution.
#[derive(Debug, Clone)]
struct ModuleFile {
    /// Relative to the site-packages folder.
    rel: String,
    source: PathBuf,
    is_package: bool,
}

pub struct SiteFinder<'a> {
    index: &'a SiteIndex,
    env: Environment,
    /// `--collect-all/-data/-binaries`: distributions owning these go whole.
    whole: Vec<String>,
    /// Each distribution's modules, read once it is asked about.
    modules: RefCell<HashMap<usize, HashMap<String, ModuleFile>>>,
    /// Whether a compiled file is an extension module, read once.
    extension: RefCell<HashMap<PathBuf, bool>>,
    /// Each module file's imports, parsed once however many walks ask (the walk runs again
    /// for hooks' hidden imports).
    parsed: RefCell<HashMap<PathBuf, std::rc::Rc<BTreeMap<String, imports::Import>>>>,
}

impl<'a> SiteFinder<'a> {
    pub fn new(index: &'a SiteIndex, env: Environment, whole: Vec<String>) -> Self {
        SiteFinder {
            index,
            env,
            whole,
            modules: RefCell::new(HashMap::new()),
            extension: RefCell::new(HashMap::new()),
            parsed: RefCell::new(HashMap::new()),
        }
    }

    pub fn index(&self) -> &SiteIndex {
        self.index
    }

    /// The bundle's target, as environment markers and platform tests see it.
    pub fn env(&self) -> &Environment {
        &self.env
    }

    /// The distributions that provide `name`.
    pub fn owners(&self, name: &str) -> &[usize] {
        self.index.owners(name)
    }

    /// Is `dist` wanted whole?
    pub fn is_whole(&self, dist: usize) -> bool {
        (self.whole.iter()).any(|name| self.index.owners(name).contains(&dist))
    }

    /// The files of `dist` that are bundled, with where each is read from (editable installs'
    /// code from its project folder, their `.pth` and finder left out).
    pub fn files(&self, dist: usize, app_imports: &dyn Fn(&str) -> bool) -> Vec<(String, PathBuf)> {
        let d = &self.index.dists[dist];
        let whole = self.is_whole(dist);
        let installed = (d.files.iter())
            .filter(|rel| d.linked.is_empty() || !editable::is_hook(rel))
            .map(|rel| (rel.clone(), d.site.join(rel)));
        let linked = (d.linked.iter()).map(|(rel, source)| (rel.clone(), source.clone()));
        installed
            .chain(linked)
            .filter(|(rel, source)| files::keeps(rel, whole, app_imports) && source.is_file())
            .collect()
    }

    /// What the module `module` of `dist` imports, each import's site telling how much it
    /// matters; `None` when `dist` bundles no source of that module.
    pub fn imports(
        &self,
        dist: usize,
        module: &str,
        app_imports: &dyn Fn(&str) -> bool,
    ) -> Result<Option<Vec<(String, Site)>>, Error> {
        let file = {
            let mut cache = self.modules.borrow_mut();
            let modules = cache.entry(dist).or_insert_with(|| self.module_files(dist));
            match modules.get(module) {
                Some(file) => file.clone(),
                None => return Ok(None),
            }
        };
        // Asked again each time: the app's own imports, which bring tool subpackages, grow as
        // the walk goes.
        if !files::keeps(&file.rel, self.is_whole(dist), app_imports) {
            return Ok(None);
        }
        if files::is_test_module(&file.rel) {
            return Ok(Some(Vec::new()));
        }
        let cached = self.parsed.borrow().get(&file.source).cloned();
        let found = match cached {
            Some(found) => found,
            None => {
                let bytes = fs::read(&file.source).map_err(|source| Error::Read {
                    path: file.source.clone(),
                    source,
                })?;
                let text = String::from_utf8_lossy(&bytes);
                let found =
                    std::rc::Rc::new(imports::imports(&text, module, file.is_package, &self.env));
                (self.parsed.borrow_mut()).insert(file.source.clone(), found.clone());
                found
            }
        };
        Ok(Some(
            found
                .iter()
                .map(|(name, how)| (name.clone(), *how))
                .filter(|(name, _)| !hooks::tool_only(module, name))
                .map(|(name, how)| {
                    let site = Site {
                        importer: file.rel.clone(),
                        optional: how.optional,
                        in_package_function: !how.always,
                        deferred: how.deferred,
                        by_name: how.by_name,
                        hint: Hint::None,
                    };
                    (name, site)
                })
                .collect(),
        ))
    }

    /// The names of the modules `dist` bundles as source.
    pub fn module_names(
        &self,
        dist: usize,
        app_imports: &dyn Fn(&str) -> bool,
    ) -> Vec<(String, PathBuf)> {
        let mut cache = self.modules.borrow_mut();
        let modules = cache.entry(dist).or_insert_with(|| self.module_files(dist));
        let whole = self.is_whole(dist);
        let mut names: Vec<(String, PathBuf)> = (modules.iter())
            .filter(|(_, file)| files::keeps(&file.rel, whole, app_imports))
            .map(|(name, file)| (name.clone(), file.source.clone()))
            .collect();
        names.sort();
        names
    }

    /// Every `.py` module of `dist` that may be bundled (tool subpackages included: whether
    /// one goes is decided when it is asked about).
    fn module_files(&self, dist: usize) -> HashMap<String, ModuleFile> {
        let mut out = HashMap::new();
        let d = &self.index.dists[dist];
        for (rel, source) in self.files(dist, &|_| true) {
            let importable = d.importable(&rel);
            let Some(module_path) = importable.strip_suffix(".py") else {
                continue;
            };
            let Some(module) = ModuleName::from_path(importable) else {
                continue;
            };
            let is_package = module_path.ends_with("/__init__") || module_path == "__init__";
            out.insert(
                module.to_string(),
                ModuleFile {
                    rel,
                    source,
                    is_package,
                },
            );
        }
        out
    }

    /// The distributions `dist` requires here, with the extras asked of each, given the
    /// extras asked of `dist` itself.
    pub fn requirements(&self, dist: usize, extras: &[String]) -> Vec<(usize, Vec<String>)> {
        (self.index.dists[dist].requires.iter())
            .filter(|req| {
                (req.marker.as_deref()).is_none_or(|m| markers::evaluate(m, &self.env, extras))
            })
            .filter_map(|req| Some((self.index.by_key(&req.key)?, req.extras.clone())))
            .collect()
    }

    /// The compiled modules `dist` bundles.
    pub fn compiled(&self, dist: usize, app_imports: &dyn Fn(&str) -> bool) -> Vec<Compiled> {
        (self.files(dist, app_imports).into_iter())
            .filter(|(rel, _)| rel.ends_with(".so") || rel.ends_with(".pyd"))
            .filter_map(|(rel, file)| {
                let module = ModuleName::from_path(self.index.dists[dist].importable(&rel))?;
                let last = module.as_str().rsplit('.').next().unwrap_or_default();
                let is_module = rel.ends_with(".pyd")
                    || *(self.extension.borrow_mut())
                        .entry(file.clone())
                        .or_insert_with(|| exports_init(&file, last));
                is_module.then(|| Compiled {
                    module: module.to_string(),
                    file,
                })
            })
            .collect()
    }
}

/// Does the ELF file `path` define `PyInit_<last>`, the function that makes it an extension
/// module? A Qt plugin or a library named like a module (`libqxcb.so`) does not. A file that
/// cannot be read as ELF is taken for a module: leaving out one the app imports would break it.
fn exports_init(path: &std::path::Path, last: &str) -> bool {
    let Ok(bytes) = fs::read(path) else {
        return true;
    };
    let Ok(elf) = goblin::elf::Elf::parse(&bytes) else {
        return true;
    };
    let wanted = format!("PyInit_{last}");
    elf.dynsyms
        .iter()
        .any(|sym| sym.st_shndx != 0 && elf.dynstrtab.get_at(sym.st_name) == Some(wanted.as_str()))
}
