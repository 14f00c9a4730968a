//! The resolved, profile-filtered model that renderers receive. Everything here may be
//! published in the build's profile: a renderer cannot leak what it never receives.

use std::fmt;
use std::ops::Range;

use pulldown_cmark::Event;
use serde::Serialize;

/// Paper sizes a briefing can be laid out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Paper {
    /// ISO A4 (the default).
    A4,
    /// US Letter.
    UsLetter,
}

impl Paper {
    /// The name Typst knows the paper by.
    pub fn typst_name(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::UsLetter => "us-letter",
        }
    }
}

/// Archival standards a PDF can conform to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfStandard {
    /// No particular standard (the default).
    None,
    /// PDF/A-2b.
    PdfA2b,
}

/// The `[pdf]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfConfig {
    /// Paper size.
    pub paper: Paper,
    /// Archival standard.
    pub standard: PdfStandard,
    /// Page margins.
    pub margins: Margins,
    /// The body text's size.
    pub font_size: Length,
    /// An image under `content/` shown on the compendium's cover and in the header of
    /// briefings, with the span of the key's value: as written until `check` has found it,
    /// then its path relative to `content/`.
    pub logo: Option<Spanned<String>>,
    /// Text printed on the compendium's cover under its description.
    pub cover_text: Option<String>,
    /// The dossiers of the compendium in their order, with the span of each id; `None` for
    /// every published dossier, newest first.
    pub compendium: Option<Vec<Spanned<String>>>,
    /// Whether PDFs carry a structure tree for assistive technology (tagged PDF). Tags are
    /// over half of a large compendium's bytes and of the memory its export takes.
    pub tagged: bool,
}

impl Default for PdfConfig {
    fn default() -> Self {
        PdfConfig {
            paper: Paper::A4,
            standard: PdfStandard::None,
            margins: Margins::default(),
            font_size: Length::points(10.5),
            logo: None,
            cover_text: None,
            compendium: None,
            tagged: true,
        }
    }
}

/// A length as `casefile.toml` gives it (`2cm`, `10.5pt`): a number and a unit Typst knows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Length {
    /// The number.
    pub value: f64,
    /// `pt`, `mm`, `cm` or `in`.
    pub unit: &'static str,
}

impl Length {
    /// The units a length may be given in, with their size in points.
    pub const UNITS: &'static [(&'static str, f64)] = &[
        ("pt", 1.0),
        ("mm", 72.0 / 25.4),
        ("cm", 72.0 / 2.54),
        ("in", 72.0),
    ];

    /// A length in points.
    pub const fn points(value: f64) -> Length {
        Length { value, unit: "pt" }
    }

    /// A length in centimetres.
    pub const fn cm(value: f64) -> Length {
        Length { value, unit: "cm" }
    }

    /// Reads `2cm`, `10.5pt`, `0.75in`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Length> {
        let text = text.trim();
        let (unit, _) = Length::UNITS
            .iter()
            .find(|(unit, _)| text.ends_with(unit))?;
        let number = text[..text.len() - unit.len()].trim();
        let digits = number.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        let value: f64 = number.parse().ok().filter(|_| digits)?;
        Some(Length { value, unit })
    }

    /// The length in points.
    pub fn to_points(self) -> f64 {
        let per_point = Length::UNITS
            .iter()
            .find(|(unit, _)| *unit == self.unit)
            .map_or(1.0, |(_, p)| *p);
        self.value * per_point
    }

    /// As Typst writes it.
    pub fn typst(self) -> String {
        format!("{}{}", self.value, self.unit)
    }
}

/// The page margins of the PDFs. `inside` and `outside` are the binding side and the other
/// (left and right on a right-hand page).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margins {
    /// Above the text (the header sits in it).
    pub top: Length,
    /// Below the text (the footer sits in it).
    pub bottom: Length,
    /// On the binding side.
    pub inside: Length,
    /// Away from the binding.
    pub outside: Length,
}

impl Default for Margins {
    fn default() -> Self {
        Margins {
            top: Length::cm(2.7),
            bottom: Length::cm(2.5),
            inside: Length::cm(2.3),
            outside: Length::cm(2.3),
        }
    }
}

/// What an audit rule of `casefile check --audit` does with what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuditLevel {
    /// The rule is not run.
    Off,
    /// Findings are warnings (the default).
    #[default]
    Warn,
    /// Findings are errors: `check --audit` exits 1.
    Error,
}

impl AuditLevel {
    /// Every level with its spelling in `casefile.toml`.
    pub const ALL: &'static [(&'static str, AuditLevel)] = &[
        ("off", AuditLevel::Off),
        ("warn", AuditLevel::Warn),
        ("error", AuditLevel::Error),
    ];
}

/// The `[audit]` section: the level of each rule of `casefile check --audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditConfig {
    /// A paragraph or list item of a body with no citation.
    pub uncited: AuditLevel,
    /// A cited source with a `url` but no `archive_url`.
    pub unarchived: AuditLevel,
    /// A cited source with no `grade`.
    pub ungraded: AuditLevel,
    /// A dossier whose every citation is to a low-graded source.
    pub weak: AuditLevel,
}

/// All site settings, defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Site title.
    pub title: String,
    /// One-line description of the site.
    pub description: Option<String>,
    /// Default interface language (BCP 47).
    pub lang: String,
    /// Site authors.
    pub authors: Vec<String>,
    /// Absolute base URL, used only for `sitemap.xml` and the Atom feed.
    pub base_url: Option<String>,
    /// PDF settings.
    pub pdf: PdfConfig,
    /// Levels of the audit rules.
    pub audit: AuditConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "Dossiers".to_string(),
            description: None,
            lang: "en".to_string(),
            authors: Vec::new(),
            base_url: None,
            pdf: PdfConfig::default(),
            audit: AuditConfig::default(),
        }
    }
}

/// A value with the byte span it was read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Byte range in its file.
    pub span: Range<usize>,
}

impl<T> Spanned<T> {
    /// Pairs a value with its span.
    pub fn new(value: T, span: Range<usize>) -> Self {
        Spanned { value, span }
    }
}

/// A calendar date that may be partial. Ordering puts a partial date before full dates of
/// the same period (`2019` < `2019-01` < `2019-01-01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: u16,
    /// Month 1–12, if given.
    pub month: Option<u8>,
    /// Day of the month, if given.
    pub day: Option<u8>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Date {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, checking that the day exists.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let year = parts
            .next()
            .filter(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))?;
        let year: u16 = year.parse().ok()?;
        let number = |p: Option<&str>| -> Option<Option<u8>> {
            match p {
                None => Some(None),
                Some(p) if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                    p.parse().ok().map(Some)
                }
                Some(_) => None,
            }
        };
        let month = number(parts.next())?;
        let day = number(parts.next())?;
        if parts.next().is_some() || (month.is_none() && day.is_some()) {
            return None;
        }
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return None;
            }
            if let Some(d) = day {
                if d < 1 || d > days_in_month(year, m) {
                    return None;
                }
            }
        }
        Some(Date { year, month, day })
    }

    /// The date as written: `2019`, `2019-06` or `2019-06-10`.
    pub fn iso(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}-{m:02}-{d:02}", self.year),
            (Some(m), None) => format!("{:04}-{m:02}", self.year),
            _ => format!("{:04}", self.year),
        }
    }

    /// The date for readers: `10 June 2019`, `June 2019`, `2019`.
    pub fn display(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{d} {} {}", MONTHS[usize::from(m) - 1], self.year),
            (Some(m), None) => format!("{} {}", MONTHS[usize::from(m) - 1], self.year),
            _ => self.year.to_string(),
        }
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Date", 2)?;
        st.serialize_field("iso", &self.iso())?;
        st.serialize_field("display", &self.display())?;
        st.end()
    }
}

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value with its spelling in the format.
            pub const ALL: &'static [(&'static str, $name)] = &[$(($text, $name::$variant)),+];

            /// The spelling in the format.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// How established a dossier's allegation is.
    Status {
        /// Reported, not yet corroborated.
        Alleged = "alleged",
        /// Supported by independent sources.
        Corroborated = "corroborated",
        /// Confirmed by an authority or court.
        Confirmed = "confirmed",
        /// Contested.
        Disputed = "disputed",
        /// Withdrawn by its source.
        Retracted = "retracted",
    }
);

vocabulary!(
    /// The analyst's confidence.
    Confidence {
        /// Low.
        Low = "low",
        /// Medium.
        Medium = "medium",
        /// High.
        High = "high",
    }
);

vocabulary!(
    /// Who may see a dossier or entity.
    Classification {
        /// Anyone.
        Public = "public",
        /// Internal builds only.
        Restricted = "restricted",
    }
);

vocabulary!(
    /// What kind of document a source is.
    SourceKind {
        /// A leaked document.
        LeakedDocument = "leaked-document",
        /// A news article.
        News = "news",
        /// An official statement.
        OfficialStatement = "official-statement",
        /// A court record.
        CourtRecord = "court-record",
        /// An interview.
        Interview = "interview",
        /// A report.
        Report = "report",
        /// A data set.
        Dataset = "dataset",
        /// Anything else.
        Other = "other",
    }
);

vocabulary!(
    /// What an entity is.
    EntityKind {
        /// A person.
        Person = "person",
        /// An organisation.
        Organization = "organization",
        /// A military unit.
        MilitaryUnit = "military-unit",
        /// A criminal group.
        CriminalGroup = "criminal-group",
        /// A government agency.
        GovernmentAgency = "government-agency",
        /// A place.
        Place = "place",
        /// Anything else.
        Other = "other",
    }
);

impl SourceKind {
    /// A label for readers: "leaked document".
    pub fn label(self) -> String {
        self.as_str().replace('-', " ")
    }
}

/// Which build this is: what may be published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// Include restricted dossiers and entities and identify confidential sources.
    pub internal: bool,
    /// Include drafts.
    pub drafts: bool,
}

/// A reference to a published dossier, for lists of links.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DossierRef {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Date.
    pub date: Date,
    /// Status.
    pub status: Status,
}

/// An entity named by a dossier, with the dossier's role for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityRole {
    /// Entity id.
    pub id: String,
    /// Entity name.
    pub name: String,
    /// Entity kind.
    pub kind: EntityKind,
    /// Role in this dossier, if given.
    pub role: Option<String>,
}

/// A tag with its URL slug.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Tag {
    /// As the author wrote it.
    pub name: String,
    /// Slug for the URL.
    pub slug: String,
}

/// A published source. Confidential sources in a public build carry nothing that identifies
/// them: `confidential` is true and every other descriptive field is empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Source {
    /// Anchor on the sources page, unique in the build (`src-…`); empty for anonymised ones.
    pub anchor: String,
    /// Id as written (empty for anonymised ones).
    pub id: String,
    /// Title, or "Confidential source".
    pub title: String,
    /// Kind.
    pub kind: Option<SourceKind>,
    /// Publisher.
    pub publisher: Option<String>,
    /// Authors.
    pub authors: Vec<String>,
    /// Date.
    pub date: Option<Date>,
    /// URL.
    pub url: Option<String>,
    /// Archive URL.
    pub archive_url: Option<String>,
    /// Date accessed.
    pub accessed: Option<Date>,
    /// Admiralty grade.
    pub grade: Option<String>,
    /// Marked confidential.
    pub confidential: bool,
    /// Shown anonymised (confidential in a public build).
    pub anonymous: bool,
    /// Notes.
    pub notes: Option<String>,
    /// Dossiers citing it, in site order. Not serialised with the source: only the register
    /// of sources lists them (a page per dossier listing them would grow with the square of
    /// the archive).
    #[serde(skip)]
    pub cited_by: Vec<DossierRef>,
}

/// True for an Admiralty grade whose reliability is D–F or whose credibility is 4–6: the
/// `weak` rule of the audit and the evidence panel read grades alike.
pub fn is_low_grade(grade: &str) -> bool {
    let b = grade.as_bytes();
    let reliability = b.first().map(u8::to_ascii_uppercase);
    matches!(reliability, Some(b'D'..=b'F')) || matches!(b.get(1), Some(b'4'..=b'6'))
}

/// Text shown in place of a link to something this build leaves out.
pub const WITHHELD: &str = "[withheld]";

/// The whole wording of a citation point: its entries joined by `; `, then `ending` (`.`
/// for a note, nothing inside parentheses). Both renderers write exactly these parts.
pub fn wording(entries: &[CiteEntry], ending: &str) -> Vec<NotePart> {
    let mut parts = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            parts.push(NotePart::Text("; ".to_string()));
        }
        parts.extend(entry.parts.iter().cloned());
    }
    if !ending.is_empty() {
        parts.push(NotePart::Text(ending.to_string()));
    }
    parts
}

/// One piece of a citation note's wording, shared by the site and the PDFs so that both say
/// exactly the same.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "lowercase")]
pub enum NotePart {
    /// The source's title (set in italics).
    Title(String),
    /// Plain text.
    Text(String),
    /// A URL, shown and linked.
    Url(String),
}

/// One source cited at a citation point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CiteEntry {
    /// Index into [`Site::sources`]; `None` for an anonymised source.
    pub source: Option<usize>,
    /// The full wording of this entry, locator included.
    pub parts: Vec<NotePart>,
}

/// What a resolved body is made of: Markdown events plus casefile's own references.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// An ordinary Markdown event. Images carry their path relative to `content/`.
    Markdown(Event<'static>),
    /// A reference to note `number`; `anchor` is this reference's own anchor id.
    NoteRef {
        /// The note number.
        number: u32,
        /// Anchor of this reference (the note links back to it).
        anchor: String,
    },
    /// A citation rendered inline (inside a footnote's text: no note inside a note).
    InlineCitation(Vec<CiteEntry>),
    /// Start of a link to a published dossier or entity (`[[…]]`); the link text follows.
    LinkStart(LinkTarget),
    /// End of such a link.
    LinkEnd,
    /// A link to something this build leaves out.
    Withheld,
}

/// Where a `[[…]]` link goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum LinkTarget {
    /// A dossier, optionally a heading in it.
    Dossier {
        /// Dossier id.
        id: String,
        /// Heading anchor.
        heading: Option<String>,
    },
    /// An entity.
    Entity {
        /// Entity id.
        id: String,
    },
}

/// A numbered note: a citation or an ordinary footnote.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// Number within the dossier, from 1.
    pub number: u32,
    /// Anchors of every reference to it, in order.
    pub refs: Vec<String>,
    /// What it says.
    pub content: NoteContent,
}

/// The content of a note.
#[derive(Debug, Clone, PartialEq)]
pub enum NoteContent {
    /// The sources cited at one point, in order.
    Citation(Vec<CiteEntry>),
    /// An ordinary footnote's text.
    Footnote(Vec<Piece>),
}

/// A heading of a dossier body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heading {
    /// Level 1–6.
    pub level: u8,
    /// Plain text.
    pub text: String,
    /// Anchor slug.
    pub anchor: String,
}

/// A timeline event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEvent {
    /// When.
    pub date: Date,
    /// What happened (inline Markdown, resolved).
    #[serde(skip)]
    pub event: Vec<Piece>,
    /// The dossier it belongs to.
    pub dossier: DossierRef,
    /// Sources (indices into [`Site::sources`]), in order; anonymised ones included.
    pub sources: Vec<usize>,
    /// Entities involved.
    pub entities: Vec<EntityRole>,
}

/// The text of resolved pieces, for search, metadata and tables of contents: only what the
/// build publishes (a withheld link reads `withheld`, `[withheld]` in English), words
/// separated at block ends.
pub fn plain_text(pieces: &[Piece], withheld: &str) -> String {
    use pulldown_cmark::TagEnd;
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Markdown(Event::Text(t) | Event::Code(t)) => out.push_str(t),
            Piece::Markdown(Event::SoftBreak | Event::HardBreak) => out.push(' '),
            Piece::Markdown(Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            )) => out.push('\n'),
            Piece::Withheld => out.push_str(withheld),
            _ => {}
        }
    }
    out
}

/// A published dossier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dossier {
    /// Id.
    pub id: String,
    /// The file it came from, relative to the root.
    pub file: String,
    /// Title.
    pub title: String,
    /// Date reported or opened.
    pub date: Date,
    /// Last update.
    pub updated: Option<Date>,
    /// Summary (inline Markdown, resolved).
    #[serde(skip)]
    pub summary: Option<Vec<Piece>>,
    /// Plain-text summary, for metadata and search.
    pub summary_text: Option<String>,
    /// Status.
    pub status: Status,
    /// Confidence.
    pub confidence: Option<Confidence>,
    /// Restricted (only in internal builds).
    pub restricted: bool,
    /// A draft (only with `--drafts`).
    pub draft: bool,
    /// Authors.
    pub authors: Vec<String>,
    /// Language.
    pub lang: String,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Entities named in the front matter, with roles; published ones only.
    pub entities: Vec<EntityRole>,
    /// Related dossiers; published ones only.
    pub related: Vec<DossierRef>,
    /// The body.
    #[serde(skip)]
    pub body: Vec<Piece>,
    /// Notes in number order.
    #[serde(skip)]
    pub notes: Vec<Note>,
    /// Headings of the body.
    pub headings: Vec<Heading>,
    /// Sources this dossier cites or defines (indices into [`Site::sources`]), in order of
    /// first citation, then uncited local ones.
    pub sources: Vec<usize>,
    /// Timeline events, in date order.
    pub timeline: Vec<TimelineEvent>,
    /// How many of the body's claims cite a source.
    pub coverage: Coverage,
    /// Published dossiers that link here (body or `related`).
    pub backlinks: Vec<DossierRef>,
    /// Published translations: the dossier this one translates and the dossiers that
    /// translate this one, in site order.
    pub translations: Vec<Translation>,
    /// Plain text of the body, for search.
    #[serde(skip)]
    pub plain_text: String,
    /// Free-form data for templates.
    pub extra: serde_json::Value,
}

impl Dossier {
    /// A reference to this dossier.
    pub fn reference(&self) -> DossierRef {
        DossierRef {
            id: self.id.clone(),
            title: self.title.clone(),
            date: self.date,
            status: self.status,
        }
    }
}

/// How much of a body is cited: its blocks that make claims (paragraphs, list items and
/// quotes, as `casefile check --audit`'s `uncited` rule counts them) and how many of those
/// cite a source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Blocks that make claims.
    pub citable: usize,
    /// Of those, the blocks that cite a source.
    pub cited: usize,
}

impl Coverage {
    /// The share cited, in whole percent (rounded down, so 100 means every claim); `None`
    /// for a body that makes no claim.
    pub fn percent(self) -> Option<usize> {
        (self.citable > 0).then(|| self.cited * 100 / self.citable)
    }
}

/// A published dossier that translates another or is translated by it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Translation {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its language (BCP 47).
    pub lang: String,
}

/// A published entity that at least one published dossier references.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: EntityKind,
    /// Aliases.
    pub aliases: Vec<String>,
    /// Description (Markdown, resolved).
    #[serde(skip)]
    pub description: Option<Vec<Piece>>,
    /// Restricted (only in internal builds).
    pub restricted: bool,
    /// Dossiers that name it, with the role each gives.
    pub mentions: Vec<Mention>,
    /// Entities it appears with most often: (id, name, number of shared dossiers).
    pub companions: Vec<Companion>,
    /// Free-form data for templates.
    pub extra: serde_json::Value,
}

/// A dossier naming an entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mention {
    /// The dossier.
    pub dossier: DossierRef,
    /// The role given in the front matter, if any.
    pub role: Option<String>,
}

/// An entity that shares dossiers with another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Companion {
    /// Entity id.
    pub id: String,
    /// Entity name.
    pub name: String,
    /// Number of dossiers both appear in.
    pub shared: usize,
}

/// Everything a build publishes, resolved and filtered by profile. Read-only once built.
#[derive(Debug, Clone)]
pub struct Site {
    /// Settings.
    pub config: Config,
    /// The profile this model was filtered for.
    pub profile: Profile,
    /// Dossiers, newest first (ties by id).
    pub dossiers: Vec<Dossier>,
    /// Entities referenced by published dossiers, by name.
    pub entities: Vec<Entity>,
    /// Sources: every published source, global ones first by title, then local ones.
    pub sources: Vec<Source>,
    /// Tags with the dossiers carrying them, by name.
    pub tags: Vec<(Tag, Vec<DossierRef>)>,
    /// Every timeline event of every published dossier, in date order.
    pub timeline: Vec<TimelineEvent>,
    /// Position of each dossier in `dossiers`, by id.
    pub dossier_positions: std::collections::BTreeMap<String, usize>,
    /// The interface strings of every language the project has them for.
    pub interface: crate::i18n::Interface,
}

impl Site {
    /// The dossier with this id.
    pub fn dossier(&self, id: &str) -> Option<&Dossier> {
        self.dossier_positions.get(id).map(|&i| &self.dossiers[i])
    }

    /// The interface words of the site's language (shared pages, the compendium).
    pub fn words(&self) -> &crate::i18n::Words {
        self.interface.words(&self.config.lang)
    }

    /// The newest date in the content (`updated` or `date`): what "as of" means for the whole
    /// site, taken from the content and never from the clock.
    pub fn last_updated(&self) -> Option<Date> {
        self.dossiers
            .iter()
            .map(|d| d.updated.unwrap_or(d.date))
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_sort_first_and_print_as_given() {
        let y = Date::parse("2019").unwrap();
        let m = Date::parse("2019-06").unwrap();
        let d = Date::parse("2019-06-10").unwrap();
        assert!(y < m && m < d);
        assert!(Date::parse("2019-01-31").unwrap() < m);
        assert_eq!(m.display(), "June 2019");
        assert_eq!(y.display(), "2019");
        assert_eq!(d.display(), "10 June 2019");
    }

    #[test]
    fn impossible_dates_are_refused() {
        for bad in [
            "2019-02-30",
            "2019-13",
            "19-01-01",
            "2019-1-1",
            "2019-06-10T00",
            "2019--01",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert!(Date::parse("2020-02-29").is_some());
    }
}
