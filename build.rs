//! Gives the binary an identity of the code it was built from: a hash of `src/`,
//! `templates/`, `i18n/`, `Cargo.toml` and `Cargo.lock`, as `CASEFILE_SOURCE_ID`. The render
//! cache and the no-op check are salted with it, so that a casefile built from other code
//! never takes another's output for its own, even under the same version number.

use std::fs;
use std::path::{Path, PathBuf};

/// The inputs that decide what casefile renders.
const INPUTS: &[&str] = &["src", "templates", "i18n", "Cargo.toml", "Cargo.lock"];

fn main() {
    let mut files = Vec::new();
    for input in INPUTS {
        println!("cargo:rerun-if-changed={input}");
        collect(Path::new(input), &mut files);
    }
    files.sort();
    // FNV-1a, 64 bits: an identity, not a defence against anyone.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for file in &files {
        feed(file.to_string_lossy().as_bytes());
        feed(&fs::read(file).unwrap_or_default());
    }
    println!("cargo:rustc-env=CASEFILE_SOURCE_ID={hash:016x}");
}

/// Every file under `path` (or `path` itself), skipping what cannot be read.
fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    let Ok(entries) = fs::read_dir(path) else {
        return;
    };
    for entry in entries.flatten() {
        collect(&entry.path(), out);
    }
}
