//! Atomic output: everything is written into a fresh folder beside the output folder and
//! swapped in only when all of it succeeded, so a failed or interrupted build leaves the
//! previous output as it was (on Linux the swap is one step, so the output never goes
//! missing). An OS lock beside the output folder lets one build write at a time. The only
//! module that writes the output disk.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A file to write: its path relative to the output folder, and its bytes.
pub type OutputFile = (String, Vec<u8>);

/// The file in the output folder that records which profile wrote it and what each file was
/// made from.
pub const PROFILE_MARKER: &str = ".casefile-build";

/// The lock file beside an output folder `NAME`: `.NAME.lock`. It stays on disk between
/// builds (removing it would let a build that is waiting for it lock a file nobody else sees).
fn lock_file_name(out_name: &str) -> String {
    format!(".{out_name}.lock")
}

/// True when every file named exists in `out`.
pub fn all_present<'a>(out: &Path, files: impl IntoIterator<Item = &'a String>) -> bool {
    files
        .into_iter()
        .all(|rel| safe_relative(rel).is_ok_and(|rel| out.join(rel).is_file()))
}

/// Writes `files` as the new content of `out` in one step (see [`Staging`]). Top-level
/// entries of the previous output named in `carry_over` are kept, but only when the previous
/// output's [`PROFILE_MARKER`] is the one in `files`: a part made by another profile (an
/// internal build's PDFs in a public output) is never kept.
pub fn replace_output(out: &Path, files: &[OutputFile], carry_over: &[&str]) -> io::Result<()> {
    let staging = Staging::begin(out)?;
    let marker = files.iter().find(|(path, _)| path == PROFILE_MARKER);
    let same_profile = marker
        .zip(staging.previous_marker())
        .is_some_and(|((_, new), previous)| previous.as_bytes() == new.as_slice());
    for (rel, bytes) in files {
        staging.write(rel, bytes)?;
    }
    staging.commit(if same_profile { carry_over } else { &[] })
}

/// A new output under construction. Files go into a fresh folder beside the output as they
/// are produced (or are hard-linked from the previous output when unchanged), and
/// [`Staging::commit`] swaps the folder in. Dropped without a commit, the folder is removed
/// and the previous output is untouched. One build writes at a time: a lock beside the output
/// folder makes a second one wait.
#[derive(Debug)]
pub struct Staging {
    out: PathBuf,
    parent: PathBuf,
    name: String,
    dir: PathBuf,
    written: std::sync::atomic::AtomicUsize,
    committed: bool,
    _lock: Lock,
}

impl Staging {
    /// Takes the lock, cleans up after a killed build and creates the staging folder.
    pub fn begin(out: &Path) -> io::Result<Staging> {
        if out.exists() && !out.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists and is not a folder; move it away or choose another --out",
                    out.display()
                ),
            ));
        }
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        fs::create_dir_all(&parent)?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".to_string());
        let lock = Lock::acquire(&parent.join(lock_file_name(&name)))?;
        recover(&parent, &name, out)?;
        let dir = parent.join(format!(".{name}.new-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir_all(&dir)?;
        Ok(Staging {
            out: out.to_path_buf(),
            parent,
            name,
            dir,
            written: std::sync::atomic::AtomicUsize::new(0),
            committed: false,
            _lock: lock,
        })
    }

    /// What the previous output recorded in [`PROFILE_MARKER`], read under the lock, so no
    /// other build can swap another output in between.
    pub fn previous_marker(&self) -> Option<String> {
        fs::read_to_string(self.out.join(PROFILE_MARKER)).ok()
    }

    /// Writes one file of the new output (`rel` relative to the output folder).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.staged_path(rel)?;
        fs::write(&path, bytes)
    }

    /// Takes `rel` unchanged from the previous output: a hard link where the file system
    /// allows it, a copy otherwise. False when the previous output has no such file.
    pub fn reuse(&self, rel: &str) -> io::Result<bool> {
        let from = self.out.join(safe_relative(rel)?);
        if !from.is_file() {
            return Ok(false);
        }
        let to = self.staged_path(rel)?;
        if fs::hard_link(&from, &to).is_err() {
            fs::copy(&from, &to)?;
        }
        Ok(true)
    }

    /// Stages `to` as the same file as the already staged `from` (a hard link where the file
    /// system allows it, a copy otherwise).
    pub fn link(&self, from: &str, to: &str) -> io::Result<()> {
        let from = self.dir.join(safe_relative(from)?);
        let to = self.staged_path(to)?;
        if fs::hard_link(&from, &to).is_err() {
            fs::copy(&from, &to)?;
        }
        Ok(())
    }

    /// The path in the staging folder for `rel`, its folders created.
    fn staged_path(&self, rel: &str) -> io::Result<PathBuf> {
        let written = self
            .written
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        failpoint_panic_while_staging(written);
        let path = self.dir.join(safe_relative(rel)?);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        Ok(path)
    }

    /// Keeps the top-level entries of the previous output named in `carry_over` (a part
    /// this build did not make, such as `pdf` on a `--site` build) and its dotfiles, then
    /// swaps the staged folder in.
    pub fn commit(mut self, carry_over: &[&str]) -> io::Result<()> {
        if self.out.is_dir() {
            for entry in fs::read_dir(&self.out)? {
                let entry = entry?;
                let file_name = entry.file_name().to_string_lossy().into_owned();
                let keep = carry_over.contains(&file_name.as_str()) || file_name.starts_with('.');
                if keep && !self.dir.join(&file_name).exists() {
                    link_tree(&entry.path(), &self.dir.join(&file_name))?;
                }
            }
        }
        swap(&self.dir, &self.out, &self.parent, &self.name)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// An exclusive OS lock on a file beside the output folder, released when dropped and by
/// the OS when the process ends however it ends, so a killed build never blocks the next.
#[derive(Debug)]
struct Lock {
    _file: fs::File,
}

impl Lock {
    /// Waits as long as another build holds the lock.
    fn acquire(path: &Path) -> io::Result<Lock> {
        let locked = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .and_then(|file| file.lock().map(|()| file));
        match locked {
            Ok(file) => Ok(Lock { _file: file }),
            Err(err) => Err(io::Error::new(
                err.kind(),
                format!("cannot lock {}: {err}", path.display()),
            )),
        }
    }
}

/// Cleans up after a build that was killed (run under the lock, so no other build is
/// writing): staging folders are removed, and an output that was moved aside but not
/// replaced is put back.
fn recover(parent: &Path, name: &str, out: &Path) -> io::Result<()> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    let mut moved_aside = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.starts_with(&format!(".{name}.new-")) {
            remove_any(&entry.path())?;
        } else if file_name.starts_with(&format!(".{name}.old-")) {
            moved_aside.push(entry.path());
        }
    }
    moved_aside.sort();
    for old in moved_aside {
        if out.exists() || !old.is_dir() {
            remove_any(&old)?;
        } else {
            fs::rename(old, out)?;
        }
    }
    Ok(())
}

fn remove_any(path: &Path) -> io::Result<()> {
    if fs::symlink_metadata(path)?.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
}

/// After how many staged files the failpoint below fires.
const FAILPOINT_AFTER: usize = 8;

/// Tests prove that a build that panics half-way through writing leaves the previous output
/// as it was: debug builds panic here when `CASEFILE_FAILPOINT=panic-while-staging`. Release
/// builds have no such switch.
fn failpoint_panic_while_staging(written: usize) {
    if cfg!(debug_assertions)
        && written == FAILPOINT_AFTER
        && std::env::var("CASEFILE_FAILPOINT").as_deref() == Ok("panic-while-staging")
    {
        panic!("failpoint: panic while staging the output");
    }
}

/// Moves the staged folder into place. Where the OS can exchange two folders in one step
/// (Linux), the output path names the old output or the new one at every moment; elsewhere,
/// or on a filesystem that cannot, two renames leave a moment with no output at all.
fn swap(staging: &Path, out: &Path, parent: &Path, name: &str) -> io::Result<()> {
    if !out.exists() {
        return fs::rename(staging, out);
    }
    if exchange(staging, out)? {
        // The staging path now names the old output; a leftover is removed by the next build.
        let _ = fs::remove_dir_all(staging);
        return Ok(());
    }
    swap_by_renames(staging, out, parent, name)
}

/// Exchanges two paths atomically (`renameat2` with `RENAME_EXCHANGE`). `Ok(false)` when the
/// kernel or the filesystem cannot, and nothing moved.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// No atomic exchange outside Linux: the caller falls back to two renames.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<bool> {
    Ok(false)
}

/// Between the two renames the old output exists under a temporary name, never deleted
/// before the new one is in place; [`recover`] puts it back after a kill in between.
fn swap_by_renames(staging: &Path, out: &Path, parent: &Path, name: &str) -> io::Result<()> {
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    if old.exists() {
        fs::remove_dir_all(&old)?;
    }
    fs::rename(out, &old)?;
    if let Err(err) = fs::rename(staging, out) {
        // Put the previous output back.
        let _ = fs::rename(&old, out);
        return Err(err);
    }
    // The new output is in place; a leftover old copy is removed by the next build.
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

fn safe_relative(rel: &str) -> io::Result<PathBuf> {
    let path = Path::new(rel);
    let ok = path
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if ok {
        Ok(path.to_path_buf())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to write outside the output folder: {rel}"),
        ))
    }
}

/// Carries a folder of the previous output over: files are hard-linked (a copy where links
/// are not possible), never rewritten.
fn link_tree(from: &Path, to: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(from)?;
    if meta.is_dir() {
        fs::create_dir_all(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            link_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else if meta.is_file() && fs::hard_link(from, to).is_err() {
        fs::copy(from, to)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_and_carries_over_parts() {
        let dir = std::env::temp_dir().join(format!("casefile-write-{}", std::process::id()));
        let out = dir.join("output");
        let _ = fs::remove_dir_all(&dir);
        let first = marked("public", &[("site/a.html", "a"), ("pdf/x.pdf", "x")]);
        replace_output(&out, &first, &[]).unwrap();
        fs::write(out.join(".gitignore"), "*").unwrap();
        replace_output(&out, &marked("public", &[("site/b.html", "b")]), &["pdf"]).unwrap();
        assert!(
            !out.join("site/a.html").exists(),
            "stale files do not survive"
        );
        assert!(out.join("site/b.html").exists());
        assert!(out.join("pdf/x.pdf").exists(), "the part not built is kept");
        assert!(out.join(".gitignore").exists(), "dotfiles are kept");
        assert!(replace_output(&out, &[("../escape".into(), vec![])], &[]).is_err());
        assert!(
            out.join("site/b.html").exists(),
            "a failed write leaves the output as it was"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A fresh folder for one test.
    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("casefile-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn marked(profile: &str, files: &[(&str, &str)]) -> Vec<OutputFile> {
        let mut all: Vec<OutputFile> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
            .collect();
        all.push((PROFILE_MARKER.to_string(), profile.as_bytes().to_vec()));
        all
    }

    #[test]
    fn a_part_made_by_another_profile_is_never_carried_over() {
        let dir = scratch("carry-profile");
        let out = dir.join("output");
        let internal = marked(
            "internal",
            &[("site/a.html", "i"), ("pdf/r.pdf", "restricted")],
        );
        replace_output(&out, &internal, &[]).unwrap();
        replace_output(&out, &marked("public", &[("site/a.html", "p")]), &["pdf"]).unwrap();
        assert!(
            !out.join("pdf").exists(),
            "a public --site build kept the internal PDFs"
        );
        replace_output(&out, &marked("public", &[("pdf/p.pdf", "p")]), &[]).unwrap();
        replace_output(&out, &marked("public", &[("site/b.html", "p")]), &["pdf"]).unwrap();
        assert!(
            out.join("pdf/p.pdf").exists(),
            "the same profile keeps its part"
        );
        fs::remove_file(out.join(PROFILE_MARKER)).unwrap();
        replace_output(&out, &marked("public", &[("site/c.html", "p")]), &["pdf"]).unwrap();
        assert!(
            !out.join("pdf").exists(),
            "an output without a marker is not trusted"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_second_writer_waits_for_the_lock() {
        let dir = scratch("lock-wait");
        let path = dir.join(".output.lock");
        let held = Lock::acquire(&path).unwrap();
        let (done, finished) = std::sync::mpsc::channel();
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || {
                let _lock = Lock::acquire(&path).unwrap();
                done.send(()).unwrap();
            })
        };
        let timeout = std::time::Duration::from_millis(300);
        assert!(
            finished.recv_timeout(timeout).is_err(),
            "the second writer did not wait"
        );
        drop(held);
        assert!(
            finished
                .recv_timeout(std::time::Duration::from_secs(10))
                .is_ok(),
            "the second writer never got the lock"
        );
        waiter.join().unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_lock_file_left_on_disk_does_not_block_a_build() {
        let dir = scratch("lock-stale");
        let out = dir.join("output");
        // What an older casefile's lock held: the pid of a process that is running (this one).
        fs::write(dir.join(".output.lock"), std::process::id().to_string()).unwrap();
        let started = std::time::Instant::now();
        replace_output(&out, &[("site/a.html".into(), b"a".to_vec())], &[]).unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(out.join("site/a.html").exists());
        assert!(
            dir.join(".output.lock").exists(),
            "the lock file stays beside the output"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_fallback_swap_by_two_renames_replaces_the_output() {
        let dir = scratch("swap-renames");
        let (out, staging) = (dir.join("output"), dir.join(".output.new-1"));
        fs::create_dir_all(out.join("site")).unwrap();
        fs::write(out.join("site/old.html"), "old").unwrap();
        fs::create_dir_all(staging.join("site")).unwrap();
        fs::write(staging.join("site/new.html"), "new").unwrap();
        swap_by_renames(&staging, &out, &dir, "output").unwrap();
        assert!(out.join("site/new.html").exists() && !out.join("site/old.html").exists());
        let left: Vec<_> = fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "nothing but the output is left");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn recover_puts_back_an_output_moved_aside_and_drops_staging() {
        let dir = scratch("recover");
        let out = dir.join("output");
        fs::create_dir_all(dir.join(".output.old-7/site")).unwrap();
        fs::write(dir.join(".output.old-7/site/kept.html"), "kept").unwrap();
        fs::create_dir_all(dir.join(".output.new-7/site")).unwrap();
        recover(&dir, "output", &out).unwrap();
        assert!(out.join("site/kept.html").exists());
        assert!(!dir.join(".output.new-7").exists() && !dir.join(".output.old-7").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    /// With two renames a reader sees no output between them; the exchange leaves none.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_reader_never_sees_the_output_missing_while_builds_swap() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::sync::Arc;
        let dir = scratch("swap-reader");
        let out = dir.join("output");
        let page = |n: usize| vec![("site/index.html".to_string(), format!("{n}").into_bytes())];
        replace_output(&out, &page(0), &[]).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (reads, misses) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let reader = {
            let (index, stop) = (out.join("site/index.html"), Arc::clone(&stop));
            let (reads, misses) = (Arc::clone(&reads), Arc::clone(&misses));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    reads.fetch_add(1, Ordering::Relaxed);
                    if fs::File::open(&index).is_err() {
                        misses.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        };
        for n in 1..=300 {
            replace_output(&out, &page(n), &[]).unwrap();
        }
        stop.store(true, Ordering::Relaxed);
        reader.join().unwrap();
        let (reads, misses) = (
            reads.load(Ordering::Relaxed),
            misses.load(Ordering::Relaxed),
        );
        assert!(reads > 300, "the reader hardly ran: {reads} reads");
        assert_eq!(misses, 0, "{misses} of {reads} reads found no output");
        assert_eq!(
            fs::read_to_string(out.join("site/index.html")).unwrap(),
            "300"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
