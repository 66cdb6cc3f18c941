//! The module store: the bundle's pure-Python modules (the app's and its distributions'),
//! compiled, in one file the bootstrap serves imports from (`layout::MODULE_STORE`), instead
//! of one `.pyc` file each. A onefile launch then creates one file where it created
//! thousands; a onedir folder holds one file, compressed. Data files a package rule says are
//! read only through `importlib.resources` (`resources`: tzdata's 600 zone files) are
//! served from it too, and it keeps the build's record (`record`) for `pybundle inspect`.
//!
//! Each module keeps the `__file__` it had as a file (`ROOT/pkg/mod.pyc`), and a package's
//! `__path__` is its real folder, so data files, extension modules and
//! `os.path.dirname(__file__)` idioms are untouched: only the bytecode moves. What stays a
//! real file: the standard library (its own zip), the main script and runtime hooks (the
//! bootstrap reads them by path), `--add-data` files, modules a `.pth` file imports (they run
//! before the bootstrap), and the modules a package rule says need their files
//! (`on-disk`).
//!
//! The format (read by `bootstrap/boot.py`, described in docs/format.md):
//!
//! ```text
//! magic "PBMODS\0\x01" | index_len u32 | flags u8 (bit 0: zlib) | 3 zero bytes
//! index: UTF-8 lines "KIND\tENTRY\tPATH\tOFFSET\tLENGTH\n"  (KIND: m, a module, r, a
//!        resource, or x, the build's record, which the bootstrap skips; ENTRY: a sys.path folder of the root, "" for the root itself; PATH: the
//!        module's .pyc path, or the resource's path, within it)
//! data:  each module's code object (marshal, the .pyc without its 16-byte header), each
//!        resource's bytes
//! ```

pub mod record;

use std::collections::BTreeSet;
use std::io::Write;

use crate::bundle::contents::{Contents, Item, Origin};
use crate::bundle::module_name::ModuleName;
use crate::error::Error;

pub const MAGIC: &[u8; 8] = b"PBMODS\0\x01";
/// Bytes before the index: magic, index length, flags, padding.
const HEADER_LEN: usize = 16;
/// A `.pyc` file's header (magic, flags, source stamp and size) before its code object.
const PYC_HEADER_LEN: usize = 16;

/// How the modules' bytecode is kept in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// As it is: a onefile archive compresses the whole store better than module by module.
    Stored,
    /// Each module zlib-compressed: a onedir folder is not compressed otherwise.
    Zlib,
}

/// What goes into the store.
pub struct Plan<'a> {
    /// The folders of the root on `sys.path` that hold modules, relative to the root: ""
    /// (the root: the app's modules and the distributions').
    pub entries: &'a [&'a str],
    /// Files the bootstrap reads by path (the main script's bytecode).
    pub read_by_path: &'a [String],
    pub compression: Compression,
    /// A package rule keeps this module file of a distribution (its path within its sys.path
    /// folder) on disk.
    pub on_disk: &'a dyn Fn(&str) -> Option<String>,
    /// A package rule says this data file of a distribution (its path within its sys.path
    /// folder) is read only through `importlib.resources`.
    pub resources: &'a dyn Fn(&str) -> Option<String>,
    /// The build's record (JSON), kept for `pybundle inspect`.
    pub record: Option<Vec<u8>>,
}

/// The record's path in the store's index.
const RECORD: &str = "record.json";

/// What the store took.
#[derive(Debug, Default)]
pub struct Packed {
    pub modules: usize,
    pub resources: usize,
    /// The store's size in bytes.
    pub bytes: u64,
    /// Module files left on disk, and the rule that said so.
    pub on_disk: Vec<(String, String)>,
}

/// Move the modules `plan` allows out of `contents` into the store at `dest`.
pub fn pack(contents: &mut Contents, dest: &str, plan: &Plan) -> Result<Packed, Error> {
    let mut packed = Packed::default();
    let chosen = choose(contents, plan, &mut packed)?;
    if chosen.is_empty() && plan.record.is_none() {
        return Ok(packed);
    }
    let mut store = Writer::new(plan.compression);
    if let Some(record) = &plan.record {
        store.add('x', "", RECORD, record)?;
    }
    for (kind, path, entry, rel) in &chosen {
        let Some(item) = contents.get(path) else {
            continue;
        };
        let bytes = item.read()?;
        let (letter, code) = match kind {
            Kind::Resource => {
                packed.resources += 1;
                ('r', &bytes[..])
            }
            Kind::Module => {
                packed.modules += 1;
                let code = (bytes.get(PYC_HEADER_LEN..))
                    .ok_or_else(|| Error::Internal(format!("{path} is not a compiled module")))?;
                ('m', code)
            }
        };
        store.add(letter, entry, rel, code)?;
    }
    let store = store.finish()?;
    packed.bytes = store.len() as u64;
    for (_, path, _, _) in &chosen {
        contents.remove(path);
    }
    contents.add(
        dest.to_string(),
        Item::bytes(store, 0o644, Origin::Runtime("the module store")),
    )?;
    Ok(packed)
}

/// One file the store takes: what it is, its path in the bundle, and its entry folder and
/// path relative to it.
type Chosen<'a> = (Kind, String, &'a str, String);

/// The app's and distributions' compiled modules the store takes (not those a `.pth` file
/// imports, read by path, or kept on disk by a rule, which `packed` lists), and the
/// resources of the packages it stores.
fn choose<'a>(
    contents: &Contents,
    plan: &Plan<'a>,
    packed: &mut Packed,
) -> Result<Vec<Chosen<'a>>, Error> {
    let pth_imports = pth_imports(contents, plan.entries)?;
    let mut chosen: Vec<Chosen> = Vec::new();
    for (path, item) in contents.iter() {
        if let Some((entry, rel)) = resource(path, item, plan) {
            chosen.push((Kind::Resource, path.clone(), entry, rel.to_string()));
            continue;
        }
        if !path.ends_with(".pyc") || plan.read_by_path.contains(path) {
            continue;
        }
        if !matches!(item.origin, Origin::App(_) | Origin::Distribution { .. }) {
            continue;
        }
        let Some((entry, rel)) = split_entry(path, plan.entries) else {
            continue;
        };
        let source_path = &rel[..rel.len() - 1];
        let Some(module) = ModuleName::from_path_by_name(source_path) else {
            continue;
        };
        let top = module.as_str().split('.').next().unwrap_or_default();
        if pth_imports.contains(top) {
            continue;
        }
        if matches!(item.origin, Origin::Distribution { .. }) {
            if let Some(rule) = (plan.on_disk)(source_path) {
                packed.on_disk.push((path.clone(), rule));
                continue;
            }
        }
        chosen.push((Kind::Module, path.clone(), entry, rel.to_string()));
    }
    // A resource is served by its package's loader: only a stored package's are stored.
    let stored_packages: BTreeSet<(String, String)> = (chosen.iter())
        .filter(|(kind, ..)| *kind == Kind::Module)
        .filter_map(|(_, _, entry, rel)| {
            let folder = rel.strip_suffix("/__init__.pyc")?;
            Some((entry.to_string(), folder.to_string()))
        })
        .collect();
    chosen.retain(|(kind, _, entry, rel)| {
        let folder = rel.rsplit_once('/').map_or("", |(folder, _)| folder);
        *kind == Kind::Module || stored_packages.contains(&(entry.to_string(), folder.to_string()))
    });
    Ok(chosen)
}

/// The store's bytes as they are written: the index (one line per entry) and the data.
struct Writer {
    compression: Compression,
    index: String,
    data: Vec<u8>,
}

impl Writer {
    fn new(compression: Compression) -> Writer {
        Writer {
            compression,
            index: String::new(),
            data: Vec::new(),
        }
    }

    /// Add `bytes` as an entry of kind `letter` (`m` module, `r` resource, `x` the record).
    fn add(&mut self, letter: char, entry: &str, rel: &str, bytes: &[u8]) -> Result<(), Error> {
        let offset = self.data.len();
        match self.compression {
            Compression::Stored => self.data.extend_from_slice(bytes),
            Compression::Zlib => {
                let mut encoder =
                    flate2::write::ZlibEncoder::new(&mut self.data, flate2::Compression::default());
                encoder
                    .write_all(bytes)
                    .and_then(|()| encoder.finish().map(|_| ()))
                    .map_err(|e| Error::Internal(format!("compressing {rel}: {e}")))?;
            }
        }
        self.index.push_str(&format!(
            "{letter}\t{entry}\t{rel}\t{offset}\t{}\n",
            self.data.len() - offset
        ));
        Ok(())
    }

    /// The header, then the index, then the data.
    fn finish(self) -> Result<Vec<u8>, Error> {
        let index_len = u32::try_from(self.index.len())
            .map_err(|_| Error::Internal("the module store's index exceeds 4 GiB".into()))?;
        let mut store = Vec::with_capacity(HEADER_LEN + self.index.len() + self.data.len());
        store.extend_from_slice(MAGIC);
        store.extend_from_slice(&index_len.to_le_bytes());
        store.push(u8::from(self.compression == Compression::Zlib));
        store.extend_from_slice(&[0; 3]);
        store.extend_from_slice(self.index.as_bytes());
        store.extend_from_slice(&self.data);
        Ok(store)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Module,
    Resource,
}

/// Where `path` goes in the store as a resource, if a rule says its package reads it only
/// through `importlib.resources`: a data file of a distribution, in a package folder.
fn resource<'e, 'p>(path: &'p str, item: &Item, plan: &Plan<'e>) -> Option<(&'e str, &'p str)> {
    if !matches!(item.origin, Origin::Distribution { .. }) {
        return None;
    }
    let (entry, rel) = split_entry(path, plan.entries)?;
    let is_code = [".py", ".pyc", ".so", ".pyd", ".dll", ".pth"]
        .iter()
        .any(|ext| rel.ends_with(ext))
        || rel.contains(".so.");
    if is_code || !rel.contains('/') {
        return None;
    }
    (plan.resources)(rel).map(|_| (entry, rel))
}

/// The build's record in `store` (a module store's bytes), if it holds one.
pub fn read_record(store: &[u8]) -> Option<Vec<u8>> {
    if store.get(..8)? != MAGIC {
        return None;
    }
    let index_len = u32::from_le_bytes(store.get(8..12)?.try_into().ok()?) as usize;
    let compressed = store.get(12)? & 1 == 1;
    let index = std::str::from_utf8(store.get(HEADER_LEN..HEADER_LEN + index_len)?).ok()?;
    let data = &store[HEADER_LEN + index_len..];
    let line = index.lines().find(|l| l.starts_with("x\t"))?;
    let fields: Vec<&str> = line.split('\t').collect();
    let offset: usize = fields.get(3)?.parse().ok()?;
    let length: usize = fields.get(4)?.parse().ok()?;
    let bytes = data.get(offset..offset.checked_add(length)?)?;
    if !compressed {
        return Some(bytes.to_vec());
    }
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(bytes), &mut out).ok()?;
    Some(out)
}

/// The sys.path folder `path` is in (the deepest of `entries`), and its path within it.
fn split_entry<'e, 'p>(path: &'p str, entries: &[&'e str]) -> Option<(&'e str, &'p str)> {
    (entries.iter())
        .filter_map(|&entry| match entry {
            "" => Some((entry, path)),
            _ => path
                .strip_prefix(entry)
                .and_then(|rest| rest.strip_prefix('/'))
                .map(|rel| (entry, rel)),
        })
        .max_by_key(|(entry, _)| entry.len())
}

/// Top-level modules the `.pth` files in `entries` import: Python's `site` runs those lines
/// before the bootstrap can serve the store, so they stay files.
fn pth_imports(contents: &Contents, entries: &[&str]) -> Result<BTreeSet<String>, Error> {
    let mut out = BTreeSet::new();
    for (path, item) in contents.iter() {
        let in_entry = split_entry(path, entries).is_some_and(|(_, rel)| !rel.contains('/'));
        if !path.ends_with(".pth") || !in_entry {
            continue;
        }
        let text = String::from_utf8_lossy(&item.read()?).into_owned();
        for line in text.lines() {
            let Some(rest) = line
                .strip_prefix("import ")
                .or_else(|| line.strip_prefix("import\t"))
            else {
                continue;
            };
            for statement in rest.split(';') {
                let statement = statement.trim().trim_start_matches("import").trim();
                for name in statement.split(',') {
                    let name = name.split_whitespace().next().unwrap_or_default();
                    if let Some(top) = name.split('.').next().filter(|t| !t.is_empty()) {
                        out.insert(top.to_string());
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pyc(body: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; PYC_HEADER_LEN];
        out.extend_from_slice(body);
        out
    }

    fn dist(file: &str) -> Origin {
        Origin::Distribution {
            name: "d".into(),
            file: file.into(),
        }
    }

    const SITE: &str = "lib/python3.11/site-packages";

    fn sample() -> Contents {
        let mut c = Contents::default();
        let mut add = |dest: &str, bytes: Vec<u8>, origin: Origin| {
            c.add(dest.to_string(), Item::bytes(bytes, 0o644, origin))
                .unwrap()
        };
        add("app.pyc", pyc(b"MAIN"), Origin::App("app.py".into()));
        add(
            "helper.pyc",
            pyc(b"HELPER"),
            Origin::App("helper.py".into()),
        );
        add(
            &format!("{SITE}/pkg/__init__.pyc"),
            pyc(b"PKG"),
            dist("pkg/__init__.py"),
        );
        add(
            &format!("{SITE}/pkg/mod.pyc"),
            pyc(b"MOD"),
            dist("pkg/mod.py"),
        );
        add(&format!("{SITE}/pkg/data.txt"), b"data".to_vec(), dist("x"));
        add(&format!("{SITE}/early/__init__.pyc"), pyc(b"E"), dist("x"));
        add(
            &format!("{SITE}/hook.pth"),
            b"import early\n".to_vec(),
            dist("x"),
        );
        add(&format!("{SITE}/kept/m.pyc"), pyc(b"K"), dist("kept/m.py"));
        add(
            &format!("{SITE}/tz/Europe/Paris"),
            b"TZ".to_vec(),
            dist("x"),
        );
        add(
            &format!("{SITE}/tz/Europe/__init__.pyc"),
            pyc(b"EU"),
            dist("x"),
        );
        // Its package is a file: it stays one too.
        add(&format!("{SITE}/kept/zones"), b"Z".to_vec(), dist("x"));
        add(
            "config.pyc",
            pyc(b"DATA"),
            Origin::Data {
                flag: crate::bundle::contents::DataFlag::AddData,
                spec: "config.pyc:.".into(),
            },
        );
        c
    }

    fn packed(compression: Compression) -> (Contents, Packed) {
        let mut c = sample();
        let on_disk = |rel: &str| rel.starts_with("kept/").then(|| "a rule".to_string());
        let resources =
            |rel: &str| (rel.starts_with("tz/") || rel == "kept/zones").then(|| "tz".to_string());
        let read_by_path = ["app.pyc".to_string()];
        let plan = Plan {
            entries: &["", SITE],
            read_by_path: &read_by_path,
            compression,
            on_disk: &on_disk,
            resources: &resources,
            record: Some(b"{}".to_vec()),
        };
        let packed = pack(&mut c, "_store", &plan).unwrap();
        (c, packed)
    }

    fn index(store: &[u8]) -> Vec<String> {
        let len = u32::from_le_bytes(store[8..12].try_into().unwrap()) as usize;
        let text = std::str::from_utf8(&store[HEADER_LEN..HEADER_LEN + len]).unwrap();
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn modules_move_into_the_store_and_the_rest_stays() {
        let (c, packed) = packed(Compression::Stored);
        assert_eq!((packed.modules, packed.resources), (4, 1));
        let left: Vec<&str> = c.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            left,
            [
                "_store",
                "app.pyc",
                "config.pyc",
                &format!("{SITE}/early/__init__.pyc"),
                &format!("{SITE}/hook.pth"),
                &format!("{SITE}/kept/m.pyc"),
                &format!("{SITE}/kept/zones"),
                &format!("{SITE}/pkg/data.txt"),
            ]
        );
        assert_eq!(packed.on_disk.len(), 1);
        let store = c.iter().next().unwrap().1.read().unwrap();
        assert_eq!(&store[..8], MAGIC);
        assert_eq!(store[12], 0);
        let index = index(&store);
        assert_eq!(
            index,
            [
                "x\t\trecord.json\t0\t2",
                "m\t\thelper.pyc\t2\t6",
                &format!("m\t{SITE}\tpkg/__init__.pyc\t8\t3"),
                &format!("m\t{SITE}\tpkg/mod.pyc\t11\t3"),
                &format!("r\t{SITE}\ttz/Europe/Paris\t14\t2"),
                &format!("m\t{SITE}\ttz/Europe/__init__.pyc\t16\t2"),
            ]
        );
        let data = &store[HEADER_LEN + index.iter().map(|l| l.len() + 1).sum::<usize>()..];
        assert_eq!(data, b"{}HELPERPKGMODTZEU");
        assert_eq!(read_record(&store).unwrap(), b"{}");
    }

    #[test]
    fn compressed_modules_inflate_to_their_code() {
        let (c, _) = packed(Compression::Zlib);
        let store = c.iter().next().unwrap().1.read().unwrap();
        assert_eq!(store[12], 1);
        let index = index(&store);
        let start = HEADER_LEN + index.iter().map(|l| l.len() + 1).sum::<usize>();
        assert_eq!(read_record(&store).unwrap(), b"{}");
        let fields: Vec<&str> = index[3].split('\t').collect();
        let (offset, len): (usize, usize) =
            (fields[3].parse().unwrap(), fields[4].parse().unwrap());
        let mut out = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::ZlibDecoder::new(&store[start + offset..start + offset + len]),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, b"MOD");
    }

    #[test]
    fn nothing_to_store_adds_no_store() {
        let mut c = Contents::default();
        let none = |_: &str| None;
        let plan = Plan {
            entries: &["", SITE],
            read_by_path: &[],
            compression: Compression::Stored,
            on_disk: &none,
            resources: &none,
            record: None,
        };
        assert_eq!(pack(&mut c, "_store", &plan).unwrap().modules, 0);
        assert!(c.is_empty());
    }
}
