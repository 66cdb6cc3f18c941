//! The compressed-chunk cache in `--workpath` (`frames/`): a rebuild whose chunks did not
//! change reuses their zstd frames instead of compressing again (compression is most of a
//! rebuild's time). The writer checks every frame it gets back, so a damaged cache costs a
//! recompression, never a broken executable. Frames no build has used lately go when the
//! cache outgrows [`LIMIT`]; `--clean` empties it.

use std::collections::HashSet;
use std::fs;
use std::path::PathBuf;
use std::sync::Mutex;

use pybundle_archive::writer::FrameStore;

/// Size above which frames this build did not use are removed.
const LIMIT: u64 = 1 << 30;

pub struct FrameDir {
    dir: PathBuf,
    used: Mutex<HashSet<String>>,
}

impl FrameDir {
    pub fn new(dir: PathBuf) -> Self {
        FrameDir {
            dir,
            used: Mutex::new(HashSet::new()),
        }
    }

    fn mark(&self, key: &str) {
        if let Ok(mut used) = self.used.lock() {
            used.insert(key.to_string());
        }
    }

    /// Remove frames this build did not use, if the cache has grown past [`LIMIT`].
    pub fn trim(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let entries: Vec<_> = entries.flatten().collect();
        let total: u64 = entries
            .iter()
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum();
        if total <= LIMIT {
            return;
        }
        let Ok(used) = self.used.lock() else {
            return;
        };
        for entry in entries {
            if !used.contains(entry.file_name().to_string_lossy().as_ref()) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

impl FrameStore for FrameDir {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        let frame = fs::read(self.dir.join(key)).ok()?;
        self.mark(key);
        Some(frame)
    }

    fn put(&self, key: &str, frame: &[u8]) {
        // Best effort: a frame that cannot be kept is compressed again next time.
        let stored = fs::create_dir_all(&self.dir)
            .and_then(|()| crate::bundle::workpath::write_whole(&self.dir.join(key), frame));
        if stored.is_ok() {
            self.mark(key);
        }
    }
}
