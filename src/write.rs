//! Atomic output: everything is written into a fresh folder beside the output folder and
//! swapped in only when all of it succeeded, so a failed or interrupted build leaves the
//! previous output as it was. The only module that writes the output disk.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A file to write: its path relative to the output folder, and its bytes.
pub type OutputFile = (String, Vec<u8>);

/// The file in the output folder that records which profile wrote it and what each file
/// was made from (see [`Manifest`]).
pub const PROFILE_MARKER: &str = ".casefile-build";

/// What the previous build recorded in [`PROFILE_MARKER`], if anything.
pub fn previous_profile(out: &Path) -> Option<String> {
    fs::read_to_string(out.join(PROFILE_MARKER)).ok()
}

/// True when every file named exists in `out`.
pub fn all_present<'a>(out: &Path, files: impl IntoIterator<Item = &'a String>) -> bool {
    files
        .into_iter()
        .all(|rel| safe_relative(rel).is_ok_and(|rel| out.join(rel).is_file()))
}

/// Writes `files` as the new content of `out` in one step (see [`Staging`]).
pub fn replace_output(out: &Path, files: &[OutputFile], carry_over: &[&str]) -> io::Result<()> {
    let staging = Staging::begin(out)?;
    for (rel, bytes) in files {
        staging.write(rel, bytes)?;
    }
    staging.commit(carry_over)
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
        let lock = Lock::acquire(&parent.join(format!(".{name}.lock")))?;
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

#[derive(Debug)]
/// A lock file holding the writer's process id, removed when dropped. A lock left by a
/// process that no longer runs (a killed build) is taken over.
struct Lock(PathBuf);

impl Lock {
    const PATIENCE: std::time::Duration = std::time::Duration::from_secs(120);

    fn acquire(path: &Path) -> io::Result<Lock> {
        let started = std::time::Instant::now();
        loop {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(mut file) => {
                    use std::io::Write;
                    write!(file, "{}", std::process::id())?;
                    return Ok(Lock(path.to_path_buf()));
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    if Self::holder_is_gone(path) {
                        let _ = fs::remove_file(path);
                        continue;
                    }
                    if started.elapsed() > Self::PATIENCE {
                        return Err(io::Error::new(
                            io::ErrorKind::WouldBlock,
                            format!("another casefile build holds {}", path.display()),
                        ));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// True when the lock names a process that is not running (known only where `/proc`
    /// exists; elsewhere a lock is waited for until the patience runs out).
    fn holder_is_gone(path: &Path) -> bool {
        let Ok(pid) = fs::read_to_string(path) else {
            return false;
        };
        let pid = pid.trim();
        !pid.is_empty()
            && Path::new("/proc/self").exists()
            && !Path::new("/proc").join(pid).exists()
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
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

/// Moves the staged folder into place. Between the two renames the old output exists under
/// a temporary name, never deleted before the new one is in place.
fn swap(staging: &Path, out: &Path, parent: &Path, name: &str) -> io::Result<()> {
    if out.exists() {
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
    } else {
        fs::rename(staging, out)?;
    }
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
        replace_output(
            &out,
            &[
                ("site/a.html".into(), b"a".to_vec()),
                ("pdf/x.pdf".into(), b"x".to_vec()),
            ],
            &[],
        )
        .unwrap();
        fs::write(out.join(".gitignore"), "*").unwrap();
        replace_output(&out, &[("site/b.html".into(), b"b".to_vec())], &["pdf"]).unwrap();
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
}
