//! `casefile completions SHELL` and `casefile man`: what shells and `man` read, made from
//! the same command-line definition that parses the arguments.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{fail, Exit};
use crate::cli::Cli;

/// What `man` adds after clap's sections: exit codes and the environment.
const MAN_EXTRA: &str = r#".SH "EXIT STATUS"
.TP
0
Success; warnings allowed (unless \fB\-\-deny\-warnings\fR).
.TP
1
The content has errors; nothing was written and the previous output is as it was.
.TP
2
Bad usage, or a file or folder could not be read or written.
.SH ENVIRONMENT
.TP
NO_COLOR
When set, diagnostics are never coloured. They are coloured only on a terminal anyway.
.SH FILES
.TP
casefile.toml
The project's settings, in the project folder (\fB\-\-root\fR).
.TP
content/dossiers/*.md
The dossiers: YAML front matter and a Markdown body.
.TP
output/, output\-internal/
Where public and internal builds go.
.TP
\&.casefile\-cache/
The render cache; safe to delete, never published.
.SH "SEE ALSO"
\fBcasefile help\fR \fICOMMAND\fR for the options of each command.
"#;

/// Prints the completion script of `shell` on standard output.
pub fn completions(shell: Shell) -> Exit {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "casefile", &mut script);
    print(&script)
}

/// Prints the man page, in roff, on standard output.
pub fn man() -> Exit {
    let mut page = Vec::new();
    if let Err(err) = clap_mangen::Man::new(Cli::command()).render(&mut page) {
        return fail(&format!("cannot write the man page: {err}"));
    }
    page.extend_from_slice(MAN_EXTRA.as_bytes());
    print(&page)
}

fn print(bytes: &[u8]) -> Exit {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Exit::Success,
        // A closed pipe (`casefile man | head`) is not a failure worth a message.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Exit::Success,
        Err(err) => fail(&format!("cannot write to standard output: {err}")),
    }
}
