//! One module per command; each takes parsed options and returns an [`Exit`].

pub mod build;
pub mod check;
pub mod emit;
pub mod export;
pub mod help;
pub mod init;
pub mod new;
pub mod serve;

use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command, Format, Verbosity};
use crate::diagnostics::{self, Diagnostic, SourceTexts};

/// How a command ended, as the spec's exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success, warnings allowed.
    Success,
    /// 1: the content has errors.
    ContentErrors,
    /// 2: bad usage or an I/O failure.
    Failure,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        match exit {
            Exit::Success => 0.into(),
            Exit::ContentErrors => 1.into(),
            Exit::Failure => 2.into(),
        }
    }
}

/// Runs a parsed command line. A bug that panics is reported as an internal error with exit
/// code 2; the output folder is only ever replaced whole, so it stays as it was.
pub fn run(cli: Cli) -> Exit {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error in casefile: {info}");
        eprintln!("help: this is a bug in casefile, not in your content; the previous output is as it was");
    }));
    std::panic::catch_unwind(move || run_command(cli)).unwrap_or(Exit::Failure)
}

fn run_command(cli: Cli) -> Exit {
    let verbosity = cli.global.verbosity();
    if let Some(message) = unused_folders(&cli) {
        return fail(&message);
    }
    let root = cli
        .global
        .root
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    let out = |internal: bool, export: bool| {
        cli.global.out.clone().unwrap_or_else(|| {
            let out = default_out(&root, internal);
            if export {
                out.join(crate::export::EXPORT_DIR)
            } else {
                out
            }
        })
    };
    match &cli.command {
        Command::Check(args) => check::run(&root, &out(false, false), args, verbosity),
        Command::Build(args) => {
            build::run(&root, &out(args.profile.internal, false), args, verbosity)
        }
        Command::Serve(args) => {
            serve::run(&root, &out(args.profile.internal, false), args, verbosity)
        }
        Command::Export(args) => {
            export::run(&root, &out(args.profile.internal, true), args, verbosity)
        }
        Command::New(args) => new::run(&root, &args.id, verbosity),
        Command::Init { dir } => init::run(dir),
        Command::Completions { shell } => help::completions(*shell),
        Command::Man => help::man(),
    }
}

/// `--root` and `--out` are accepted anywhere on the line (`casefile --root DIR build`), but
/// a command they mean nothing to refuses them rather than ignore them.
fn unused_folders(cli: &Cli) -> Option<String> {
    let (name, takes_root, takes_out) = match &cli.command {
        Command::Check(_) | Command::Build(_) | Command::Serve(_) | Command::Export(_) => {
            return None
        }
        Command::New(_) => ("new", true, false),
        Command::Init { .. } => ("init", false, false),
        Command::Completions { .. } => ("completions", false, false),
        Command::Man => ("man", false, false),
    };
    let unused = [
        ("--root", cli.global.root.is_some() && !takes_root),
        ("--out", cli.global.out.is_some() && !takes_out),
    ];
    let (option, _) = unused.into_iter().find(|(_, unused)| *unused)?;
    Some(format!(
        "`{option}` means nothing to `casefile {name}`{}",
        if name == "init" {
            "; give the new project's folder as its argument: `casefile init DIR`"
        } else {
            ""
        }
    ))
}

impl From<crate::cli::ProfileArgs> for crate::model::Profile {
    fn from(args: crate::cli::ProfileArgs) -> Self {
        crate::model::Profile {
            internal: args.internal,
            drafts: args.drafts,
        }
    }
}

/// Prints diagnostics: human ones on standard error (errors only with `--quiet`), JSON lines
/// on standard output (all of them: a program asked for them).
pub fn report(
    diagnostics: &[Diagnostic],
    texts: &SourceTexts,
    format: Format,
    verbosity: Verbosity,
) {
    let errors: Vec<Diagnostic>;
    let diagnostics = if verbosity == Verbosity::Quiet && format == Format::Human {
        errors = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        &errors[..]
    } else {
        diagnostics
    };
    match format {
        Format::Json => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            // A closed pipe is not worth a panic.
            let _ = diagnostics::write_json(&mut lock, diagnostics, texts);
        }
        Format::Human => {
            if !diagnostics.is_empty() {
                let color = color_on_stderr();
                eprint!(
                    "{}",
                    diagnostics::render_human_styled(diagnostics, texts, color)
                );
                eprintln!("{}", diagnostics::summary(diagnostics));
            }
        }
    }
}

/// `--verbose`: what a command read of the project.
pub fn say_read(root: &Path, project: &crate::load::Project) {
    let mut read = Vec::new();
    if project.config.is_some() {
        read.push(crate::parse::config::FILE_NAME.to_string());
    }
    read.push(plural(project.dossiers.len(), "dossier"));
    read.extend(project.entities.as_ref().map(|f| f.label.clone()));
    read.extend(project.sources.as_ref().map(|f| f.label.clone()));
    read.push(plural(project.images.len(), "image"));
    if !project.templates.is_empty() {
        read.push(plural(project.templates.len(), "template"));
    }
    eprintln!("read {}: {}", root.display(), read.join(", "));
}

/// `--verbose`: how checking went.
pub fn say_checked(diagnostics: &[Diagnostic]) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    eprintln!(
        "checked: {}, {}",
        plural(errors, "error"),
        plural(diagnostics.len() - errors, "warning")
    );
}

/// `1 dossier`, `3 dossiers`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Whether to colour what goes to standard error: only on a terminal, and never with
/// `NO_COLOR` set (whatever its value).
pub fn color_on_stderr() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// With `--deny-warnings`: an error line when there are warnings, which then fail the
/// command (exit 1).
pub fn denied_warnings(diagnostics: &[Diagnostic]) -> Option<String> {
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == diagnostics::Severity::Warning)
        .count();
    (warnings > 0).then(|| {
        let noun = if warnings == 1 { "warning" } else { "warnings" };
        format!("{warnings} {noun}, which --deny-warnings counts as errors")
    })
}

/// Prints a usage or I/O problem that is not about a content file.
pub fn fail(message: &str) -> Exit {
    eprintln!("error: {message}");
    Exit::Failure
}

/// The default output folder of a public build, under the root.
pub const PUBLIC_OUTPUT: &str = "output";
/// The default output folder of an internal build, under the root.
pub const INTERNAL_OUTPUT: &str = "output-internal";

/// The output folder when `--out` is not given: `ROOT/output`, where public builds go and
/// what a deploy publishes, or `ROOT/output-internal` for an internal build, so that a
/// preview never lands where public builds are published.
pub fn default_out(root: &Path, internal: bool) -> PathBuf {
    root.join(if internal {
        INTERNAL_OUTPUT
    } else {
        PUBLIC_OUTPUT
    })
}

/// The checks on the output folder of a build ([`check_out_dir`]), and for an internal one
/// [`check_internal_out`] too.
pub fn check_build_out_dir(root: &Path, out: &Path, internal: bool) -> Result<(), String> {
    check_out_dir(root, out)?;
    if internal {
        check_internal_out(root, out)?;
    }
    Ok(())
}

/// Refuses to write an internal build into or under `ROOT/output/`, the folder public builds
/// publish, even when `--out` names it (kind: internal-into-public-output).
pub fn check_internal_out(root: &Path, out: &Path) -> Result<(), String> {
    let public = absolute(&default_out(root, false));
    if absolute(out).starts_with(&public) {
        return Err(format!(
            "--internal with --out {}: an internal build holds restricted material and may not \
             be written into {}/, where public builds are published; leave out --out (internal \
             builds go to {}/) or choose another folder",
            out.display(),
            PUBLIC_OUTPUT,
            INTERNAL_OUTPUT
        ));
    }
    Ok(())
}

/// Refuses an output folder that is the root, lies inside `content/` or `templates/`, or
/// contains them (or the root): a build there could destroy input.
pub fn check_out_dir(root: &Path, out: &Path) -> Result<(), String> {
    let root = absolute(root);
    let out = absolute(out);
    let protected = [root.clone(), root.join("content"), root.join("templates")];
    for p in &protected {
        if out == *p {
            return Err(format!(
                "--out {} is {}; choose a folder of its own, such as ROOT/output",
                out.display(),
                describe(&root, p)
            ));
        }
        if out.starts_with(p) && *p != root {
            return Err(format!(
                "--out {} lies inside {}; output must not be written among the input",
                out.display(),
                describe(&root, p)
            ));
        }
        if p.starts_with(&out) {
            return Err(format!(
                "--out {} contains {}; a build replaces its output folder whole",
                out.display(),
                describe(&root, p)
            ));
        }
    }
    Ok(())
}

fn describe(root: &Path, p: &Path) -> String {
    match p.strip_prefix(root) {
        Ok(rel) if rel.as_os_str().is_empty() => "the project root".to_string(),
        Ok(rel) => format!("{}/", rel.display()),
        Err(_) => p.display().to_string(),
    }
}

/// An absolute, normalised path: `.` and `..` folded, then symlinks of the part that exists
/// resolved.
fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut lexical = PathBuf::new();
    for component in joined.components() {
        match component {
            std::path::Component::ParentDir => {
                lexical.pop();
            }
            std::path::Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    out.extend(rest.into_iter().rev());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_guard() {
        let dir = std::env::temp_dir().join(format!("casefile-guard-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("content")).unwrap();
        assert!(check_out_dir(&dir, &dir.join("output")).is_ok());
        assert!(check_out_dir(&dir, &dir).is_err());
        assert!(check_out_dir(&dir, &dir.join("content/out")).is_err());
        assert!(check_out_dir(&dir, &dir.join("templates")).is_err());
        assert!(check_out_dir(&dir, dir.parent().unwrap()).is_err());
        assert!(check_out_dir(&dir, &dir.join("output/../content")).is_err());
        assert!(check_internal_out(&dir, &dir.join("output-internal")).is_ok());
        assert!(check_internal_out(&dir, &dir.join("elsewhere")).is_ok());
        assert!(check_internal_out(&dir, &dir.join("output")).is_err());
        assert!(check_internal_out(&dir, &dir.join("./output/")).is_err());
        assert!(check_internal_out(&dir, &dir.join("x/../output/preview")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
