//! `casefile check --audit`: what an editor asks before signing a dossier off. Is every claim
//! cited (`uncited`)? Will every cited web page still be there (`unarchived`)? Is every cited
//! source graded (`ungraded`)? Does a dossier rest on more than poorly graded sources (`weak`)?
//!
//! The audit reads the checked project, all of it: drafts, restricted dossiers and
//! confidential sources included, like the rest of `check`. Its diagnostics are printed for
//! the author, point into files the author has, and are never published, so they name what
//! they find. Each rule's level comes from `[audit]` in `casefile.toml`.

pub mod uncited;

use std::collections::BTreeSet;
use std::ops::Range;

use crate::diagnostics::{Code, Diagnostic, Severity, SourceTexts};
use crate::model::{is_low_grade, AuditLevel, Spanned};
use crate::parse::catalog::SourceDef;
use crate::parse::ParsedDossier;
use crate::resolve::index::SourceAt;
use crate::resolve::{for_each_cited_key, Checked};

/// The file of shared sources, as diagnostics name it.
const SOURCES_FILE: &str = "content/sources.yaml";

/// Longest stretch of a block's text quoted in a message, in characters.
const QUOTED: usize = 60;

/// Every finding of the rules `[audit]` does not turn off, at the level it sets. `texts`
/// holds the files the diagnostics point into.
pub fn audit(checked: &Checked, texts: &SourceTexts) -> Vec<Diagnostic> {
    let levels = checked.config.audit;
    let mut out = Vec::new();
    for dossier in &checked.dossiers {
        let text = texts.get(&dossier.file).unwrap_or_default();
        out.extend(uncited_blocks(dossier, text, levels.uncited));
    }
    let cited = cited_sources(checked);
    let all_cited: BTreeSet<SourceAt> = cited.iter().flatten().copied().collect();
    for &at in &all_cited {
        let (def, file) = source_def(checked, at);
        out.extend(unarchived(def, file, levels.unarchived));
        out.extend(ungraded(def, file, levels.ungraded));
    }
    for (dossier, cites) in checked.dossiers.iter().zip(&cited) {
        out.extend(weak(dossier, cites, checked, levels.weak));
    }
    crate::diagnostics::sort(&mut out);
    out
}

/// A finding of `code` at `level`, or nothing when the rule is off.
fn finding(
    level: AuditLevel,
    code: Code,
    file: &str,
    span: Range<usize>,
    message: String,
) -> Option<Diagnostic> {
    let severity = match level {
        AuditLevel::Off => return None,
        AuditLevel::Warn => Severity::Warning,
        AuditLevel::Error => Severity::Error,
    };
    Some(Diagnostic {
        severity,
        ..Diagnostic::warning(code, file, span, message)
    })
}

fn uncited_blocks(dossier: &ParsedDossier, text: &str, level: AuditLevel) -> Vec<Diagnostic> {
    if level == AuditLevel::Off {
        return Vec::new();
    }
    uncited::find(&dossier.body)
        .into_iter()
        .filter_map(|u| {
            let message = format!("{} cites no source: `{}`", u.block.noun(), quote(&u.text));
            finding(
                level,
                Code::AuditUncited,
                &dossier.file,
                first_line(text, u.span),
                message,
            )
        })
        .map(|d| {
            d.with_help(
                "cite the source of this claim with `[@id]`, here or in a footnote; \
                 open questions go under a heading such as `## Open questions`",
            )
        })
        .collect()
}

/// The start of a block's text, for a message.
fn quote(text: &str) -> String {
    let mut chars = text.chars();
    let start: String = chars.by_ref().take(QUOTED).collect();
    match chars.next() {
        Some(_) => format!("{}…", start.trim_end()),
        None => start,
    }
}

/// The first line of a span: a diagnostic points at where the block starts.
fn first_line(text: &str, span: Range<usize>) -> Range<usize> {
    let end = text
        .get(span.clone())
        .and_then(|block| block.find(['\r', '\n']))
        .map_or(span.end, |i| span.start + i);
    span.start..end
}

/// Per dossier (in the order of `checked.dossiers`), the sources it cites anywhere: body,
/// footnotes, summary and timeline. Citations of unknown sources are left out (they are
/// errors of their own).
fn cited_sources(checked: &Checked) -> Vec<BTreeSet<SourceAt>> {
    checked
        .dossiers
        .iter()
        .enumerate()
        .map(|(i, dossier)| {
            let mut cites = BTreeSet::new();
            for_each_cited_key(dossier, |key| {
                cites.extend(checked.index.source(i, key));
            });
            cites
        })
        .collect()
}

/// A source's definition and the file it is defined in.
fn source_def(checked: &Checked, at: SourceAt) -> (&SourceDef, &str) {
    match at {
        SourceAt::Global(g) => (&checked.sources[g], SOURCES_FILE),
        SourceAt::Local(d, s) => {
            let dossier = &checked.dossiers[d];
            (&dossier.meta.sources[s], dossier.file.as_str())
        }
    }
}

fn unarchived(def: &SourceDef, file: &str, level: AuditLevel) -> Option<Diagnostic> {
    let url = def.url.as_deref().filter(|_| def.archive_url.is_none())?;
    let message = format!(
        "cited source `{}` has a `url` but no `archive_url`: `{url}`",
        def.id.value
    );
    finding(
        level,
        Code::AuditUnarchived,
        file,
        def.id.span.clone(),
        message,
    )
    .map(|d| {
        d.with_help(
            "save a copy of the page in a web archive and give its address as `archive_url`, \
             so that the citation outlives the page",
        )
    })
}

fn ungraded(def: &SourceDef, file: &str, level: AuditLevel) -> Option<Diagnostic> {
    if def.grade.is_some() {
        return None;
    }
    let message = format!("cited source `{}` has no `grade`", def.id.value);
    finding(
        level,
        Code::AuditUngraded,
        file,
        def.id.span.clone(),
        message,
    )
    .map(|d| {
        d.with_help(
            "give it an Admiralty grade such as `grade: B2`: reliability A–F, then credibility 1–6",
        )
    })
}

/// A dossier that cites at least one source, and only sources graded low. An ungraded
/// source is not low (the `ungraded` rule speaks of it), so it keeps a dossier off this list.
fn weak(
    dossier: &ParsedDossier,
    cites: &BTreeSet<SourceAt>,
    checked: &Checked,
    level: AuditLevel,
) -> Option<Diagnostic> {
    if cites.is_empty() {
        return None;
    }
    let mut graded = Vec::new();
    for &at in cites {
        let (def, _) = source_def(checked, at);
        match def.grade.as_deref() {
            Some(grade) if is_low_grade(grade) => {
                graded.push(format!("`{}` ({grade})", def.id.value))
            }
            _ => return None,
        }
    }
    let message = format!(
        "dossier `{}` rests only on low-graded sources: {}",
        dossier.id.value,
        graded.join(", ")
    );
    let span = title_span(dossier);
    finding(level, Code::AuditWeak, &dossier.file, span, message).map(|d| {
        d.with_help(
            "find a source graded A–C and 1–3 that supports it, or say in the text how weak \
             the evidence is",
        )
    })
}

/// Where a dossier is named: its title, or else its id.
fn title_span(dossier: &ParsedDossier) -> Range<usize> {
    let Spanned { span, .. } = dossier.meta.title.as_ref().unwrap_or(&dossier.id);
    span.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_grades_are_d_to_f_or_4_to_6() {
        for low in ["D1", "E3", "F6", "A4", "B5", "C6"] {
            assert!(is_low_grade(low), "{low}");
        }
        for fair in ["A1", "B2", "C3", "A3", "C1"] {
            assert!(!is_low_grade(fair), "{fair}");
        }
    }

    #[test]
    fn a_long_text_is_quoted_by_its_start() {
        assert_eq!(quote("short"), "short");
        let long = "word ".repeat(30);
        let quoted = quote(&long);
        assert!(quoted.ends_with('…') && quoted.chars().count() <= QUOTED + 1);
    }

    #[test]
    fn a_span_is_cut_at_its_first_line_break() {
        let text = "ab\ncd\r\nef";
        assert_eq!(first_line(text, 3..9), 3..5);
        assert_eq!(first_line(text, 0..2), 0..2);
    }
}
