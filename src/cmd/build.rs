//! build
use super::Exit;
use std::path::Path;
/// run
pub fn run(_r: &Path, _o: &Path, _a: &crate::cli::BuildArgs) -> Exit {
    Exit::Failure
}
