//! casefile's Typst world: the generated main source, the Typst templates (built in or the
//! project's overrides), fonts embedded in the binary and images from `content/`. Any other
//! file request is refused, so neither a template nor content can read the host's disk.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// Fonts embedded in the binary, loaded once per process and shared by every document.
pub struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// The shared fonts.
pub static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    let book = FontBook::from_fonts(&fonts);
    Fonts {
        book: LazyHash::new(book),
        fonts,
    }
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

/// The path of the generated main source. One path, so one interned id for every document.
pub const MAIN_PATH: &str = "/main.typ";
/// Where templates live in the world.
pub const TEMPLATE_DIR: &str = "/templates/";
/// Where images from `content/` live in the world.
pub const MEDIA_DIR: &str = "/media/";

/// What a world may read besides its main source: templates and images, shared by every
/// document of a build.
#[derive(Debug, Default)]
pub struct Files {
    /// Typst templates by file name.
    pub templates: BTreeMap<String, String>,
    /// Images by path relative to `content/` (shared bytes: no copy per request).
    pub images: BTreeMap<String, Bytes>,
}

/// The world of one document.
pub struct CasefileWorld {
    main: Source,
    files: Arc<Files>,
}

fn file_id(path: &str) -> Option<FileId> {
    VirtualPath::new(path)
        .ok()
        .map(|vpath| RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// The id of the main source (always the same one).
pub fn main_id() -> FileId {
    // The path is a constant, valid virtual path, so this cannot fail.
    static ID: LazyLock<Option<FileId>> = LazyLock::new(|| file_id(MAIN_PATH));
    ID.expect("the main path is a valid virtual path")
}

impl CasefileWorld {
    /// A world whose main source is `text`.
    pub fn new(text: String, files: Arc<Files>) -> Self {
        CasefileWorld {
            main: Source::new(main_id(), text),
            files,
        }
    }

    /// A world whose main source is `text` at `path` (a valid virtual path such as
    /// `/compendium/ID.typ`, not under the template or media folders). Documents laid out
    /// to be merged need distinct main paths, so that the locations of their elements
    /// differ.
    pub fn at(path: &str, text: String, files: Arc<Files>) -> Option<Self> {
        Some(CasefileWorld {
            main: Source::new(file_id(path)?, text),
            files,
        })
    }

    fn path(id: FileId) -> String {
        id.get().vpath().get_with_slash().to_string()
    }
}

impl World for CasefileWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            return Ok(self.main.clone());
        }
        if !matches!(id.get().root(), VirtualRoot::Project) {
            return Err(FileError::Other(Some(
                "packages are not available in casefile templates".into(),
            )));
        }
        let path = Self::path(id);
        match path
            .strip_prefix(TEMPLATE_DIR)
            .and_then(|name| self.files.templates.get(name))
        {
            Some(text) => Ok(Source::new(id, text.clone())),
            None => Err(refused(&path)),
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let path = Self::path(id);
        if let Some(image) = path
            .strip_prefix(MEDIA_DIR)
            .and_then(|p| self.files.images.get(p))
        {
            return Ok(image.clone());
        }
        if let Some(text) = path
            .strip_prefix(TEMPLATE_DIR)
            .and_then(|name| self.files.templates.get(name))
        {
            return Ok(Bytes::new(text.clone().into_bytes()));
        }
        Err(refused(&path))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        // No clock: the same input must give the same bytes.
        None
    }
}

/// The error for a file outside what casefile serves. It names the path as the template
/// wrote it, never a host path.
fn refused(path: &str) -> FileError {
    FileError::Other(Some(
        format!("`{path}` is not available: templates can read only other templates and images under content/").into(),
    ))
}
