//! The evidence panel: what a dossier rests on, in a few numbers. Its sources by kind and by
//! grade, the share of its claims that cite a source, and the span of its sources' dates.
//! The site, the briefings and the internal desk page show the same figures; everything is
//! computed from the published model, so a confidential source in a public build counts as
//! one confidential source and says nothing more.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{is_low_grade, Coverage, Date, Dossier, Site, SourceKind};

/// A value and how many sources have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The kind (its spelling in the format) or the grade.
    pub name: String,
    /// How many sources.
    pub count: usize,
}

/// The figures of one dossier's evidence panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Sources the dossier cites or defines.
    pub sources: usize,
    /// By kind, in the format's order of kinds; sources without a kind are left out.
    pub kinds: Vec<Tally>,
    /// By grade, best first (`A1` before `B2`); sources without a grade are left out.
    pub grades: Vec<Tally>,
    /// Shown sources with no grade.
    pub ungraded: usize,
    /// Graded low (reliability D–F or credibility 4–6).
    pub low: usize,
    /// Confidential sources this build does not describe.
    pub confidential: usize,
    /// Claims and cited claims of the body.
    pub coverage: Coverage,
    /// The share of claims cited, in whole percent; `None` when the body makes no claim.
    pub percent: Option<usize>,
    /// The oldest dated source.
    pub oldest: Option<Date>,
    /// The newest dated source.
    pub newest: Option<Date>,
}

impl Evidence {
    /// The panel of dossier `d` of `site`.
    pub fn of(site: &Site, d: &Dossier) -> Evidence {
        let sources: Vec<&crate::model::Source> = d
            .sources
            .iter()
            .filter_map(|&i| site.sources.get(i))
            .collect();
        let shown = || sources.iter().filter(|s| !s.anonymous);
        let mut kinds: BTreeMap<SourceKind, usize> = BTreeMap::new();
        let mut grades: BTreeMap<String, usize> = BTreeMap::new();
        for s in shown() {
            if let Some(kind) = s.kind {
                *kinds.entry(kind).or_default() += 1;
            }
            if let Some(grade) = &s.grade {
                *grades.entry(grade.to_ascii_uppercase()).or_default() += 1;
            }
        }
        let dates = || shown().filter_map(|s| s.date);
        Evidence {
            sources: sources.len(),
            kinds: kinds
                .into_iter()
                .map(|(kind, count)| Tally {
                    name: kind.as_str().to_string(),
                    count,
                })
                .collect(),
            grades: grades
                .into_iter()
                .map(|(name, count)| Tally { name, count })
                .collect(),
            ungraded: shown().filter(|s| s.grade.is_none()).count(),
            low: shown()
                .filter(|s| s.grade.as_deref().is_some_and(is_low_grade))
                .count(),
            confidential: sources.iter().filter(|s| s.anonymous).count(),
            coverage: d.coverage,
            percent: d.coverage.percent(),
            oldest: dates().min(),
            newest: dates().max(),
        }
    }

    /// Sources graded fairly (graded, and not low), in whole percent of the sources; 0 for
    /// a dossier without sources.
    pub fn fair_percent(&self) -> usize {
        let fair = self
            .grades
            .iter()
            .map(|g| g.count)
            .sum::<usize>()
            .saturating_sub(self.low);
        match self.sources {
            0 => 0,
            n => fair * 100 / n,
        }
    }
}

/// The dossiers of `site`, weakest first, for the internal desk page: the lowest share of
/// cited claims first (a body with no claim before any), then the lowest share of fairly
/// graded sources, then the site's order.
pub fn weakest_first(site: &Site) -> Vec<(&Dossier, Evidence)> {
    let mut list: Vec<(usize, &Dossier, Evidence)> = site
        .dossiers
        .iter()
        .enumerate()
        .map(|(i, d)| (i, d, Evidence::of(site, d)))
        .collect();
    list.sort_by_key(|(i, _, e)| (e.percent.map_or(0, |p| p + 1), e.fair_percent(), *i));
    list.into_iter().map(|(_, d, e)| (d, e)).collect()
}
