//! Reading the project from disk: `casefile.toml`, `content/` and `templates/`. The only
//! module that reads input files; everything after it works on the texts it returns.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diagnostics::{Code, Diagnostic};

/// Largest Markdown or YAML file accepted (bytes).
pub const MAX_TEXT_FILE: u64 = 8 * 1024 * 1024;
/// Largest image accepted (bytes).
pub const MAX_IMAGE_FILE: u64 = 64 * 1024 * 1024;

/// Image file endings that can be used in a dossier.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "svg", "gif", "webp"];

/// A text file of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextFile {
    /// Path relative to the project root, with `/` separators.
    pub label: String,
    /// Its text, as on disk.
    pub text: String,
}

/// Everything a build reads.
#[derive(Debug, Default)]
pub struct Project {
    /// `casefile.toml`, if present.
    pub config: Option<TextFile>,
    /// Dossier files, sorted by path.
    pub dossiers: Vec<TextFile>,
    /// `content/entities.yaml`.
    pub entities: Option<TextFile>,
    /// `content/sources.yaml`.
    pub sources: Option<TextFile>,
    /// Images under `content/`, keyed by their path relative to `content/`.
    pub images: BTreeMap<String, Vec<u8>>,
    /// The project's own templates, keyed by file name.
    pub templates: BTreeMap<String, String>,
}

/// The result of loading: the project, problems with files, and whether any of them was an
/// I/O failure (exit code 2) rather than bad content.
#[derive(Debug, Default)]
pub struct Loaded {
    /// What could be read.
    pub project: Project,
    /// Problems with files.
    pub diagnostics: Vec<Diagnostic>,
    /// True when something could not be read at all.
    pub io_failure: bool,
    /// Files that are not valid UTF-8, as (label, text with U+FFFD for bad bytes): the
    /// diagnostic about each points into this text, at the first bad byte.
    pub undecodable: Vec<(String, String)>,
}

/// Loads the project at `root`.
pub fn load(root: &Path) -> Loaded {
    let mut loaded = Loaded::default();
    let content = root.join("content");
    if !content.is_dir() {
        loaded.diagnostics.push(Diagnostic::file_error(Code::NoContent, "content", format!("no `content/` folder in {}", root.display())).with_help(
            "run casefile in a project folder, pass --root, or create one with `casefile init DIR`",
        ));
        loaded.io_failure = true;
        return loaded;
    }
    loaded.project.config = read_optional(
        root,
        Path::new(crate::parse::config::FILE_NAME),
        &mut loaded,
    );
    loaded.project.entities = read_optional(root, Path::new("content/entities.yaml"), &mut loaded);
    loaded.project.sources = read_optional(root, Path::new("content/sources.yaml"), &mut loaded);
    walk_content(root, &content, &mut loaded);
    read_templates(root, &mut loaded);
    loaded
}

fn label(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn read_optional(root: &Path, rel: &Path, loaded: &mut Loaded) -> Option<TextFile> {
    let path = root.join(rel);
    let label = label(root, &path);
    match fs::symlink_metadata(&path) {
        Err(_) => None,
        Ok(meta) if meta.is_dir() => {
            loaded.diagnostics.push(Diagnostic::file_error(
                Code::NotAFile,
                &label,
                format!("`{label}` is a folder, expected a file"),
            ));
            None
        }
        Ok(_) => read_text(&path, label, loaded),
    }
}

/// Reads a UTF-8 text file, reporting unreadable (I/O), too large and non-UTF-8 files.
fn read_text(path: &Path, label: String, loaded: &mut Loaded) -> Option<TextFile> {
    let bytes = match fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_TEXT_FILE => {
            let message = format!(
                "`{label}` is {} bytes; files over {MAX_TEXT_FILE} bytes are refused",
                meta.len()
            );
            loaded
                .diagnostics
                .push(Diagnostic::file_error(Code::TooLarge, &label, message));
            return None;
        }
        Ok(_) => fs::read(path),
        Err(err) => Err(err),
    };
    match bytes {
        Err(err) => {
            loaded.diagnostics.push(Diagnostic::file_error(
                Code::Unreadable,
                &label,
                format!("cannot read `{label}`: {err}"),
            ));
            loaded.io_failure = true;
            None
        }
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(TextFile { label, text }),
            Err(err) => {
                let at = err.utf8_error().valid_up_to();
                let line = err.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
                let message =
                    format!("`{label}` is not valid UTF-8 (line {line}, byte offset {at})");
                // Up to the first bad byte the lossy text has the same bytes, so the span
                // gives the line and column of that byte.
                let lossy = String::from_utf8_lossy(err.as_bytes()).into_owned();
                loaded.diagnostics.push(
                    Diagnostic::error(Code::NotUtf8, &label, at..at + 1, message)
                        .with_help("save the file as UTF-8"),
                );
                loaded.undecodable.push((label, lossy));
                None
            }
        },
    }
}

fn walk_content(root: &Path, content: &Path, loaded: &mut Loaded) {
    let dossiers_dir = content.join("dossiers");
    let canonical_content = fs::canonicalize(content).unwrap_or_else(|_| content.to_path_buf());
    // The walk is in file-name order; the files it finds are read in parallel (on a cold
    // file system each read waits on several system calls), and what each read finds is
    // added in the walk's order, so the project and its diagnostics do not depend on timing.
    let mut found: Vec<(Loaded, Option<Found>)> = Vec::new();
    for entry in WalkDir::new(content)
        .follow_links(false)
        .sort_by_file_name()
    {
        let mut step = Loaded::default();
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| content.to_path_buf());
                let label = label(root, &path);
                step.diagnostics.push(Diagnostic::file_error(
                    Code::Unreadable,
                    &label,
                    format!("cannot read `{label}`: {err}"),
                ));
                step.io_failure = true;
                found.push((step, None));
                continue;
            }
        };
        let path = entry.path();
        let Some(ext) = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
        else {
            continue;
        };
        let is_dossier = ext == "md" && path.starts_with(&dossiers_dir);
        let is_image = IMAGE_EXTENSIONS.contains(&ext.as_str());
        if !is_dossier && !is_image {
            continue;
        }
        let label = label(root, path);
        let read = resolve_entry(&entry, &canonical_content, &label, &mut step).map(|path| Found {
            walked: entry.path().to_path_buf(),
            path,
            label,
            is_dossier,
        });
        found.push((step, read));
    }
    let read: Vec<Loaded> = found
        .into_par_iter()
        .map(|(mut step, read)| {
            if let Some(file) = read {
                if file.is_dossier {
                    if let Some(text) = read_text(&file.path, file.label, &mut step) {
                        step.project.dossiers.push(text);
                    }
                } else {
                    read_image(content, &file.walked, &file.path, &file.label, &mut step);
                }
            }
            step
        })
        .collect();
    for step in read {
        loaded.absorb(step);
    }
}

/// A file of `content/` to read: where the walk found it, the file itself (a symlink's
/// target), its label, and whether it is a dossier (else an image).
struct Found {
    walked: PathBuf,
    path: PathBuf,
    label: String,
    is_dossier: bool,
}

impl Loaded {
    /// Adds what one file's read found: its dossier or image and its diagnostics.
    fn absorb(&mut self, other: Loaded) {
        self.project.dossiers.extend(other.project.dossiers);
        self.project.images.extend(other.project.images);
        self.diagnostics.extend(other.diagnostics);
        self.undecodable.extend(other.undecodable);
        self.io_failure |= other.io_failure;
    }
}

/// The file to read for a walked entry: itself, or the target of a symlink that stays inside
/// `content/`. Folders named like files are reported.
fn resolve_entry(
    entry: &walkdir::DirEntry,
    content: &Path,
    label: &str,
    loaded: &mut Loaded,
) -> Option<PathBuf> {
    let file_type = entry.file_type();
    if file_type.is_dir() {
        if entry.path().extension().is_some_and(|e| e == "md") {
            loaded.diagnostics.push(Diagnostic::file_error(
                Code::NotAFile,
                label,
                format!("`{label}` is a folder, expected a Markdown file"),
            ));
        }
        return None;
    }
    if !file_type.is_symlink() {
        return Some(entry.path().to_path_buf());
    }
    match fs::canonicalize(entry.path()) {
        Ok(target) if target.starts_with(content) && target.is_file() => Some(target),
        _ => {
            let diag = Diagnostic::file_error(
                Code::LinkOutsideContent,
                label,
                format!("`{label}` is a link to a file outside content/ (or to nothing)"),
            )
            .with_help("content must lie inside content/; copy the file in instead of linking it");
            loaded.diagnostics.push(diag);
            None
        }
    }
}

fn read_image(content: &Path, walked: &Path, path: &Path, label: &str, loaded: &mut Loaded) {
    let key = walked
        .strip_prefix(content)
        .map(|rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default();
    match fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_IMAGE_FILE => {
            let message = format!(
                "`{label}` is {} bytes; images over {MAX_IMAGE_FILE} bytes are refused",
                meta.len()
            );
            loaded
                .diagnostics
                .push(Diagnostic::file_error(Code::TooLarge, label, message));
        }
        _ => match fs::read(path) {
            Ok(bytes) => {
                loaded.project.images.insert(key, bytes);
            }
            Err(err) => {
                loaded.diagnostics.push(Diagnostic::file_error(
                    Code::Unreadable,
                    label,
                    format!("cannot read `{label}`: {err}"),
                ));
                loaded.io_failure = true;
            }
        },
    }
}

fn read_templates(root: &Path, loaded: &mut Loaded) {
    read_template_dir(root, &root.join("templates"), "", loaded);
    // The project's interface strings, keyed `i18n/LANG.toml`.
    let prefix = crate::i18n::OVERRIDE_DIR;
    read_template_dir(root, &root.join("templates").join(prefix), prefix, loaded);
}

/// The files directly in `dir`, keyed by `prefix` and their file name.
fn read_template_dir(root: &Path, dir: &Path, prefix: &str, loaded: &mut Loaded) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    for path in paths {
        let label = label(root, &path);
        if let Some(file) = read_text(&path, label, loaded) {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            loaded
                .project
                .templates
                .insert(format!("{prefix}{name}"), file.text);
        }
    }
}
