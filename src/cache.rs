//! The render cache. Every PDF is a pure function of its inputs (the generated Typst source,
//! the templates and images it may read, the PDF settings, and the versions of casefile and
//! typst), so each is stored under a hash of exactly those inputs: a later build, a build of
//! another profile or another CI shard that needs the same document finds it instead of
//! laying it out again. A hit is byte-identical to a rebuild (tests delete the cache and
//! compare).
//!
//! The cache lives in `ROOT/.casefile-cache/` by default, never inside an output folder, and
//! is safe to delete at any time. Keys are content hashes, so caches of several machines can
//! be merged by copying their files together. A cache that cannot be read or written only
//! costs time: every failure falls back to rendering.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The default cache folder, relative to the project root.
pub const DEFAULT_DIR: &str = ".casefile-cache";

/// Everything that changes what casefile renders without being part of a document's input:
/// a new casefile or typst version, or a casefile built from other code (the build script's
/// hash of its sources, templates and lock file), invalidates every entry.
fn salt() -> String {
    format!(
        "casefile {} ({}) / typst {}",
        env!("CARGO_PKG_VERSION"),
        env!("CASEFILE_SOURCE_ID"),
        typst::utils::version().raw()
    )
}

/// A content hash naming one rendered output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key([u8; 32]);

impl Key {
    /// The hash as lowercase hexadecimal.
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Builds a [`Key`] from the parts of a render's input, each length-prefixed so that no two
/// different lists of parts hash alike.
#[derive(Debug, Clone)]
pub struct KeyBuilder(blake3::Hasher);

impl KeyBuilder {
    /// A key for one kind of output (`"pdf"`, `"page"`, …), salted with the tool versions.
    pub fn new(kind: &str) -> Self {
        let mut builder = KeyBuilder(blake3::Hasher::new());
        builder.add(salt().as_bytes()).add(kind.as_bytes());
        builder
    }

    /// Adds one part.
    pub fn add(&mut self, part: &[u8]) -> &mut Self {
        self.0.update(&(part.len() as u64).to_le_bytes());
        self.0.update(part);
        self
    }

    /// Adds a value as JSON, streamed into the hash without being held; the last part a key
    /// takes, since its length follows it (the parts before it are prefixed with theirs, so
    /// no two lists of parts still hash alike).
    pub fn add_json_last(&mut self, value: &impl serde::Serialize) -> &mut Self {
        struct Counted<'a>(&'a mut blake3::Hasher, u64);
        impl io::Write for Counted<'_> {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                self.0.update(bytes);
                self.1 += bytes.len() as u64;
                Ok(bytes.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut out = io::BufWriter::with_capacity(16 * 1024, Counted(&mut self.0, 0));
        // Writing into a hasher cannot fail, and these values are plain JSON.
        let _ = serde_json::to_writer(&mut out, value);
        let length = match out.into_inner() {
            Ok(counted) => counted.1,
            Err(_) => 0,
        };
        self.0.update(&length.to_le_bytes());
        self
    }

    /// The key of everything added.
    pub fn finish(&self) -> Key {
        Key(*self.0.finalize().as_bytes())
    }
}

/// What a build took from the cache and what it had to render, per kind of output.
#[derive(Debug, Default)]
pub struct Counts {
    /// Found in the cache.
    pub hits: AtomicUsize,
    /// Rendered (and stored).
    pub misses: AtomicUsize,
}

impl Counts {
    /// `(hits, misses)` now.
    pub fn get(&self) -> (usize, usize) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

/// A folder of rendered outputs by key; or no folder at all, when caching is off.
#[derive(Debug, Default)]
pub struct Cache {
    dir: Option<PathBuf>,
    /// Hits and misses of this build.
    pub counts: Counts,
}

impl Cache {
    /// The cache in `dir`, created on first write.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Cache {
            dir: Some(dir.into()),
            counts: Counts::default(),
        }
    }

    /// No cache: everything is rendered.
    pub fn off() -> Self {
        Cache::default()
    }

    /// The folder, when there is one.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn path(&self, key: &Key) -> Option<PathBuf> {
        let hex = key.hex();
        Some(self.dir.as_ref()?.join(&hex[..2]).join(&hex[2..]))
    }

    /// The stored bytes for `key`, if any.
    pub fn get(&self, key: &Key) -> Option<Vec<u8>> {
        fs::read(self.path(key)?).ok()
    }

    /// True when `key` is stored (without reading it).
    pub fn contains(&self, key: &Key) -> bool {
        self.path(key).is_some_and(|p| p.is_file())
    }

    /// Stores `bytes` under `key`: written to a temporary file and renamed, so a reader never
    /// sees half an entry and concurrent writers of one key are harmless.
    pub fn put(&self, key: &Key, bytes: &[u8]) -> io::Result<()> {
        let Some(path) = self.path(key) else {
            return Ok(());
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let temporary = dir.join(format!(
            ".{}.{}.tmp",
            key.hex(),
            std::process::id() as u64 * 1_000_003 + thread_number()
        ));
        fs::write(&temporary, bytes)?;
        fs::rename(&temporary, &path).inspect_err(|_| {
            let _ = fs::remove_file(&temporary);
        })
    }

    /// The bytes for `key` from the cache, or from `render` (then stored). A failure to store
    /// is not an error: the next build renders again.
    pub fn get_or_render<E>(
        &self,
        key: &Key,
        render: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Vec<u8>, E> {
        if let Some(bytes) = self.get(key) {
            self.counts.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(bytes);
        }
        let bytes = render()?;
        self.counts.misses.fetch_add(1, Ordering::Relaxed);
        let _ = self.put(key, &bytes);
        Ok(bytes)
    }
}

/// A number that tells this thread's temporary files from another's.
fn thread_number() -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::thread::current().id().hash(&mut hasher);
    hasher.finish() % 1_000_003
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_part_keys_by_its_value() {
        let key = |template: &str, value: serde_json::Value| {
            KeyBuilder::new("page")
                .add(template.as_bytes())
                .add_json_last(&value)
                .finish()
        };
        let value = serde_json::json!({"title": "A", "list": [1, 2]});
        assert_eq!(key("t", value.clone()), key("t", value.clone()));
        assert_ne!(key("t", value.clone()), key("u", value));
        assert_ne!(
            key("t", serde_json::json!({"title": "A"})),
            key("t", serde_json::json!({"title": "B"}))
        );
    }

    #[test]
    fn parts_are_length_prefixed() {
        let ab_c = KeyBuilder::new("pdf").add(b"ab").add(b"c").finish();
        let a_bc = KeyBuilder::new("pdf").add(b"a").add(b"bc").finish();
        assert_ne!(ab_c, a_bc);
        assert_ne!(
            KeyBuilder::new("pdf").add(b"x").finish(),
            KeyBuilder::new("page").add(b"x").finish()
        );
    }

    #[test]
    fn stores_and_finds_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("cache"));
        let key = KeyBuilder::new("pdf").add(b"source").finish();
        let first = cache.get_or_render(&key, || Ok::<_, ()>(b"pdf bytes".to_vec()));
        assert_eq!(first.unwrap(), b"pdf bytes");
        let second = cache.get_or_render(&key, || Err("must not render again"));
        assert_eq!(second.unwrap(), b"pdf bytes");
        assert_eq!(cache.counts.get(), (1, 1));
        let off = Cache::off();
        assert!(!off.contains(&key));
        off.put(&key, b"x").unwrap();
        assert!(off.get(&key).is_none());
    }
}
