//! The command line, as clap derive structs only.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

/// Turns YAML-annotated Markdown dossiers into cross-referenced HTML and PDF briefings.
#[derive(Debug, Parser)]
#[command(name = "casefile", version, about)]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command, accepted before or after the command's name.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The project folder [default: .] (for build, check, serve, export and new).
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Where output goes (default: ROOT/output, or ROOT/output-internal with --internal; for
    /// export, export/ inside them) (for build, check, serve and export).
    #[arg(long, global = true, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print only errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print what is read and written, stage by stage.
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

impl GlobalArgs {
    /// How much to print.
    pub fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (_, true) => Verbosity::Verbose,
            _ => Verbosity::Normal,
        }
    }
}

/// How much a command prints on standard error besides errors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// `--quiet`: errors only.
    Quiet,
    /// Warnings and a summary line.
    #[default]
    Normal,
    /// `--verbose`: also what is read and written, stage by stage.
    Verbose,
}

/// What a build, a served site or an export includes.
#[derive(Debug, Clone, Copy, Args)]
pub struct ProfileArgs {
    /// Include restricted material, marked RESTRICTED, and identify confidential sources;
    /// writes to ROOT/output-internal (its export/ for export) unless --out says otherwise.
    #[arg(long)]
    pub internal: bool,
    /// Include drafts.
    #[arg(long)]
    pub drafts: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate, then write the site and the PDFs under the output folder.
    Build(BuildArgs),
    /// Validate only.
    Check(CheckArgs),
    /// Write a draft dossier, content/dossiers/ID.md (or FOLDER/ID.md for FOLDER/ID).
    New(NewArgs),
    /// Build the site, serve it to this machine only and rebuild when the project changes.
    Serve(ServeArgs),
    /// Write data for other tools (FollowTheMoney, CSL-JSON, timeline CSV and JSON, the
    /// resolved model) under ROOT/output/export, with the same profile rules as a build.
    Export(ExportArgs),
    /// Create a new project with a sample dossier.
    Init {
        /// The folder to create.
        dir: PathBuf,
    },
    /// Print a completion script for a shell.
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// Options of `new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The new dossier's id, optionally under folders of content/dossiers/
    /// (`mexico/case-1`).
    pub id: String,
}

/// Options of `build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Build only the site.
    #[arg(long, conflicts_with = "pdf")]
    pub site: bool,
    /// Build only the PDFs.
    #[arg(long)]
    pub pdf: bool,
    /// What the output includes.
    #[command(flatten)]
    pub profile: ProfileArgs,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Count warnings as errors (exit 1, nothing written), for CI.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Lay out only share K of N of the PDFs into the render cache, for a CI matrix (see
    /// README); writes no output.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Print each stage's time and what was rendered, taken from the cache or kept.
    #[arg(long)]
    pub timings: bool,
    /// The render cache (default: ROOT/.casefile-cache).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// The site's address for sitemap.xml and atom.xml, instead of `base_url` in
    /// casefile.toml (for a staging deploy).
    #[arg(long, value_name = "URL", value_parser = crate::parse::config::base_url)]
    pub base_url: Option<String>,
    /// Also write the Typst source of every PDF, with its templates and images, into DIR.
    #[arg(long, value_name = "DIR", conflicts_with = "site")]
    pub emit_typst: Option<PathBuf>,
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Open the site in the default browser once it is built.
    #[arg(long)]
    pub open: bool,
    /// The port (0 picks a free one).
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Listen on this address instead of 127.0.0.1; anyone who can reach it can read the site.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<IpAddr>,
    /// What the output includes.
    #[command(flatten)]
    pub profile: ProfileArgs,
    /// The site's address for sitemap.xml and atom.xml, instead of `base_url` in
    /// casefile.toml.
    #[arg(long, value_name = "URL", value_parser = crate::parse::config::base_url)]
    pub base_url: Option<String>,
}

/// Options of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What the output includes.
    #[command(flatten)]
    pub profile: ProfileArgs,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Also run the audit rules of `[audit]` in casefile.toml: uncited paragraphs and list
    /// items, unarchived and ungraded sources, dossiers resting on weak sources.
    #[arg(long)]
    pub audit: bool,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Count warnings as errors (exit 1), for CI.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Like a compiler, for people.
    Human,
    /// One JSON object per diagnostic and line, on standard output.
    Json,
}
