//! Rendering the resolved site: HTML pages through tera, PDFs through typst.

pub mod chart;
pub mod evidence;
pub mod html;
pub mod markup;
pub mod pdf;
pub mod template_error;

/// The page of dossier `id`, from the site's root (the format's output layout).
pub fn dossier_path(id: &str) -> String {
    format!("dossiers/{id}/index.html")
}

/// The page of entity `id`, from the site's root.
pub fn entity_path(id: &str) -> String {
    format!("entities/{id}/index.html")
}

#[cfg(test)]
mod layering {
    //! Renderers see only the profile-filtered model: no `use` of the parsed or unresolved
    //! project may appear in `src/render/` outside its tests, so that a renderer cannot
    //! reach unfiltered data even by mistake.

    /// What a renderer may use from the rest of the crate: the model, itself, and the leaf
    /// modules of shared vocabulary (diagnostics as data, language tags, interface strings).
    const ALLOWED: &[&str] = &["model", "render", "diagnostics", "lang", "i18n"];

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src/render") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn renderers_depend_on_the_model_alone() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/render");
        let mut files = Vec::new();
        rust_files(&root, &mut files);
        assert!(files.len() >= 5, "found {files:?}");
        let mut wrong = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read a renderer");
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (n, line) in code.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for (at, _) in line.match_indices("crate::") {
                    let module: String = line[at + 7..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !ALLOWED.contains(&module.as_str()) {
                        wrong.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                    }
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "renderers reach past the model:\n{}",
            wrong.join("\n")
        );
    }
}
