//! Text shown to people: values quoted in error messages, and times written as in the JSON
//! forms.
//!
//! Error messages quote the offending value, and many values come from the other side of the
//! trust boundary (a `User-Agent`, a claim, a watchlist entry). A message lands in the caller's
//! logs, so a quoted value must not be able to forge log lines nor drive a terminal: control
//! characters (CR, LF, ESC and the rest of Unicode's `Cc`) and the invisible characters that
//! reorder text (bidirectional overrides and marks) are written as `\u{…}` escapes, and the value
//! is cut after a bounded number of characters.

use std::fmt::Write as _;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How many characters of a value an error message quotes by default before `…`.
pub(crate) const QUOTED_CHARS: usize = 64;

/// `text` as an error message may quote it: at most `max_chars` characters (then `…`), with
/// control and text-reordering characters escaped.
///
/// The cut is counted in characters of the input, so an escaped character counts as one.
pub(crate) fn shown(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4) + 3);
    for (i, c) in text.chars().enumerate() {
        if i == max_chars {
            out.push('…');
            break;
        }
        if must_escape(c) {
            // `write!` to a `String` cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// [`shown`] with the default length, [`QUOTED_CHARS`].
pub(crate) fn quoted(text: &str) -> String {
    shown(text, QUOTED_CHARS)
}

/// `text` cut to at most `max_bytes` bytes, on a character boundary: a bounded field kept in a
/// summary (an attacker-model name), where [`shown`]'s escapes and `…` would change the value.
pub(crate) fn prefix(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// Characters that could forge a log line, drive a terminal or reorder what a reader sees.
fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// A time as the JSON forms write it (RFC 3339), so a message can be matched with its record.
pub(crate) fn rfc3339(t: &OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_reordering_characters_are_escaped() {
        assert_eq!(
            quoted("a\r\nb\u{1b}[31mc\u{7f}"),
            "a\\u{d}\\u{a}b\\u{1b}[31mc\\u{7f}"
        );
        assert_eq!(quoted("x\u{202e}y\u{2066}z"), "x\\u{202e}y\\u{2066}z");
        assert_eq!(quoted("x\u{2028}y"), "x\\u{2028}y");
        // Ordinary text, accents and tabs-free punctuation are kept as they are.
        assert_eq!(quoted("Dr Léa Martin `x` /é"), "Dr Léa Martin `x` /é");
        assert_eq!(quoted("tab\there"), "tab\\u{9}here");
    }

    #[test]
    fn long_values_are_cut_by_characters() {
        assert_eq!(shown("abcdef", 3), "abc…");
        assert_eq!(shown("abc", 3), "abc");
        assert_eq!(shown("ééééé", 2), "éé…");
        assert_eq!(shown("\n\n\n\n", 2), "\\u{a}\\u{a}…");
        assert_eq!(shown("", 3), "");
        let long = "x".repeat(10_000);
        assert_eq!(quoted(&long).chars().count(), QUOTED_CHARS + 1);
    }

    #[test]
    fn prefixes_end_on_a_character_boundary() {
        assert_eq!(prefix("abcdef", 3), "abc");
        assert_eq!(prefix("abc", 3), "abc");
        assert_eq!(prefix("éé", 3), "é");
        assert_eq!(prefix("", 0), "");
    }

    #[test]
    fn times() {
        assert_eq!(
            rfc3339(&time::macros::datetime!(2025-10-08 09:30 UTC)),
            "2025-10-08T09:30:00Z"
        );
    }
}
