//! The drawings: the network of entities and dossiers and the chart of events over time,
//! as static SVG that the site inlines and the compendium places as figures.
//!
//! A drawing is a pure function of the published model: everything is taken in the
//! model's order (never a hash map's), coordinates are computed with plain arithmetic (no
//! randomness, no trigonometry from the platform's maths library) and written with one
//! decimal, so the same content gives the same bytes. Text is escaped by [`text`], and
//! shapes are styled with presentation attributes, which both browsers and Typst read.

pub mod network;
pub mod timeline;

/// A coordinate or length as written: one decimal, no `-0.0`.
pub(crate) fn num(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == 0.0 || !rounded.is_finite() {
        "0".to_string()
    } else if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// A label cut to `max` characters, with an ellipsis when cut.
pub(crate) fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        return label.to_string();
    }
    let cut: String = label.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// The font every drawing's text is set in: a generic family, which a browser and Typst
/// each resolve to a sans-serif face they have.
pub(crate) const FONT: &str = "sans-serif";

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_have_one_decimal_and_no_negative_zero() {
        assert_eq!(super::num(1.25), "1.3");
        assert_eq!(super::num(-0.04), "0");
        assert_eq!(super::num(12.0), "12");
        assert_eq!(super::num(-3.46), "-3.5");
    }

    #[test]
    fn text_is_escaped_and_labels_are_cut() {
        assert_eq!(
            crate::render::markup::escape_html("a<b & \"c\""),
            "a&lt;b &amp; &quot;c&quot;"
        );
        assert_eq!(super::short("abcdef", 4), "abc…");
        assert_eq!(super::short("abc", 4), "abc");
    }
}
