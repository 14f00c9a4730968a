//! The viewer preference that makes a PDF viewer's title bar show the document's title
//! (`/DisplayDocTitle true`) instead of its file name.
//!
//! typst 0.15 writes it only for PDF/UA-1, whose other rules a briefing cannot promise, so it
//! is added to the exported bytes: the entry goes into the document catalog, and every byte
//! offset after it (cross-reference entries, `startxref`) moves by its length. The
//! cross-reference table keeps its fixed-width entries, so the file stays well formed.

/// What goes into the catalog's `/ViewerPreferences` dictionary.
const ENTRY: &[u8] = b"/DisplayDocTitle true";

/// The PDF with `/DisplayDocTitle true` in its catalog's viewer preferences. A file laid out
/// in a way this does not know (a cross-reference stream, say) is returned as it was.
pub fn display_doc_title(pdf: Vec<u8>) -> Vec<u8> {
    match insertion(&pdf) {
        Some(plan) => plan.apply(&pdf),
        None => pdf,
    }
}

/// Where the entry goes and what the table of offsets looks like.
struct Plan {
    /// The byte at which the inserted text starts.
    at: usize,
    /// The text inserted.
    text: Vec<u8>,
    /// The offset of the `xref` keyword.
    xref: usize,
    /// The byte ranges of the ten-digit offsets of in-use objects.
    offsets: Vec<std::ops::Range<usize>>,
    /// The byte range of the number after `startxref`.
    startxref: std::ops::Range<usize>,
}

impl Plan {
    fn apply(&self, pdf: &[u8]) -> Vec<u8> {
        let shift = self.text.len();
        let mut out = Vec::with_capacity(pdf.len() + shift);
        let mut copied = 0;
        // Every edit, in file order: the insertion, then the offsets, then startxref.
        let mut edits: Vec<(std::ops::Range<usize>, Vec<u8>)> =
            vec![(self.at..self.at, self.text.clone())];
        for range in &self.offsets {
            let Some(old) = number(&pdf[range.clone()]) else {
                continue;
            };
            if old >= self.at {
                edits.push((range.clone(), format!("{:010}", old + shift).into_bytes()));
            }
        }
        edits.push((
            self.startxref.clone(),
            (self.xref + shift).to_string().into_bytes(),
        ));
        edits.sort_by_key(|(range, _)| range.start);
        for (range, text) in edits {
            out.extend_from_slice(&pdf[copied..range.start]);
            out.extend_from_slice(&text);
            copied = range.end;
        }
        out.extend_from_slice(&pdf[copied..]);
        out
    }
}

fn number(bytes: &[u8]) -> Option<usize> {
    std::str::from_utf8(bytes).ok()?.trim().parse().ok()
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Reads the last cross-reference table and trailer, finds the catalog and plans the edit.
fn insertion(pdf: &[u8]) -> Option<Plan> {
    let keyword = rfind(pdf, b"startxref")?;
    let digits_start = keyword + b"startxref".len();
    let rest = &pdf[digits_start..];
    let skip = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let len = rest[skip..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let startxref = digits_start + skip..digits_start + skip + len;
    let xref = number(&pdf[startxref.clone()])?;
    if !pdf.get(xref..)?.starts_with(b"xref") {
        return None;
    }
    let (offsets, objects, trailer) = table(pdf, xref)?;
    let root = root_object(&pdf[trailer..keyword])?;
    let catalog_at = objects.iter().find(|(n, _)| *n == root)?.1.clone();
    let catalog_at = number(&pdf[catalog_at])?;
    let end = find(pdf, b"endobj", catalog_at)?;
    let catalog = &pdf[catalog_at..end];
    if find(catalog, ENTRY, 0).is_some() {
        return None;
    }
    let (at, text) = match find(catalog, b"/ViewerPreferences<<", 0) {
        Some(i) => (
            catalog_at + i + b"/ViewerPreferences<<".len(),
            ENTRY.to_vec(),
        ),
        None => {
            let i = find(catalog, b"/Type/Catalog", 0)?;
            let mut text = b"/ViewerPreferences<<".to_vec();
            text.extend_from_slice(ENTRY);
            text.extend_from_slice(b">>");
            (catalog_at + i + b"/Type/Catalog".len(), text)
        }
    };
    Some(Plan {
        at,
        text,
        xref,
        offsets,
        startxref,
    })
}

/// The cross-reference table at `xref`: the ranges of in-use offsets, each object's number
/// with its offset's range, and where the trailer starts.
#[allow(clippy::type_complexity)]
fn table(
    pdf: &[u8],
    xref: usize,
) -> Option<(
    Vec<std::ops::Range<usize>>,
    Vec<(usize, std::ops::Range<usize>)>,
    usize,
)> {
    let mut at = xref + b"xref".len();
    let mut offsets = Vec::new();
    let mut objects = Vec::new();
    loop {
        while pdf.get(at)?.is_ascii_whitespace() {
            at += 1;
        }
        if pdf[at..].starts_with(b"trailer") {
            return Some((offsets, objects, at));
        }
        let line_end = at + pdf[at..].iter().position(|&b| b == b'\n')?;
        let header = std::str::from_utf8(&pdf[at..line_end]).ok()?;
        let mut words = header.split_whitespace();
        let first: usize = words.next()?.parse().ok()?;
        let count: usize = words.next()?.parse().ok()?;
        at = line_end + 1;
        for i in 0..count {
            // Each entry is exactly 20 bytes: `nnnnnnnnnn ggggg n` and a two-byte end of line.
            let entry = pdf.get(at..at + 20)?;
            if entry[17] == b'n' {
                offsets.push(at..at + 10);
                objects.push((first + i, at..at + 10));
            }
            at += 20;
        }
    }
}

/// The object number of `/Root N 0 R` in a trailer.
fn root_object(trailer: &[u8]) -> Option<usize> {
    let i = find(trailer, b"/Root", 0)? + b"/Root".len();
    let rest = std::str::from_utf8(&trailer[i..]).ok()?;
    rest.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal PDF as typst writes it: objects, a catalog with viewer preferences, a
    /// classic cross-reference table.
    fn sample(catalog: &str) -> Vec<u8> {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        let one = pdf.len();
        pdf.extend_from_slice(b"1 0 obj\n<</Type/Pages/Kids[]/Count 0>>\nendobj\n");
        let two = pdf.len();
        pdf.extend_from_slice(format!("2 0 obj\n{catalog}\nendobj\n").as_bytes());
        let xref = pdf.len();
        pdf.extend_from_slice(
            format!(
                "xref\n0 3\n0000000000 65535 f\r\n{one:010} 00000 n\r\n{two:010} 00000 n\r\ntrailer\n<</Size 3/Root 2 0 R>>\nstartxref\n{xref}\n%%EOF"
            )
            .as_bytes(),
        );
        pdf
    }

    fn offsets_point_at_objects(pdf: &[u8]) {
        let text = String::from_utf8_lossy(pdf);
        let xref: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(text[xref..].starts_with("xref"), "startxref points at xref");
        for (n, line) in text[xref..].lines().skip(3).take(2).enumerate() {
            let at: usize = line[..10].parse().unwrap();
            assert!(
                text[at..].starts_with(&format!("{} 0 obj", n + 1)),
                "{line}"
            );
        }
    }

    #[test]
    fn adds_the_entry_to_existing_viewer_preferences_and_moves_the_offsets() {
        let pdf = sample("<</Type/Catalog/Pages 1 0 R/ViewerPreferences<</Direction/L2R>>>>");
        let out = display_doc_title(pdf);
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("/ViewerPreferences<</DisplayDocTitle true/Direction/L2R>>"));
        offsets_point_at_objects(&out);
    }

    #[test]
    fn adds_viewer_preferences_to_a_catalog_without_them() {
        let pdf = sample("<</Type/Catalog/Pages 1 0 R>>");
        let out = display_doc_title(pdf);
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("/Type/Catalog/ViewerPreferences<</DisplayDocTitle true>>/Pages"));
        offsets_point_at_objects(&out);
    }

    #[test]
    fn leaves_a_file_it_does_not_understand_as_it_was() {
        let pdf = b"%PDF-1.7\nnot a table\nstartxref\n3\n%%EOF".to_vec();
        assert_eq!(display_doc_title(pdf.clone()), pdf);
    }
}
