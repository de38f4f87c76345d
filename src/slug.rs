//! Names as they appear in URLs and link targets: slugs, and the natural order of locators.

use std::cmp::Ordering;
use unicode_normalization::UnicodeNormalization;

/// Lower-cases `s` and turns each run of spaces and punctuation into one `-`.
///
/// ```
/// use commonplace::slug::slugify;
/// assert_eq!(slugify("Security and privacy"), "security-and-privacy");
/// assert_eq!(slugify("Fault_Tolerance!"), "fault-tolerance");
/// ```
///
/// Text is NFC-normalized first, because macOS writes file names decomposed (`é` as `e` plus an
/// accent) while people type links composed, and both must meet on the same slug.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_dash = false;
    for c in s.nfc() {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.extend(c.to_lowercase());
        } else {
            pending_dash = true;
        }
    }
    out
}

/// Slugifies each `/`-separated part of a path, dropping empty parts.
pub fn slugify_path(path: &str) -> String {
    path.split(['/', '\\'])
        .map(slugify)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

/// Orders strings as people read them: runs of digits compare as numbers, so "ch. 2" comes
/// before "ch. 10" and "p. 9" before "p. 80". Letters compare case-insensitively.
///
/// ```
/// use std::cmp::Ordering;
/// use commonplace::slug::natural_cmp;
/// assert_eq!(natural_cmp("ch. 2", "ch. 10"), Ordering::Less);
/// assert_eq!(natural_cmp("p. 80", "p. 9"), Ordering::Greater);
/// ```
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let mut a_chunks = Chunks(a);
    let mut b_chunks = Chunks(b);
    loop {
        match (a_chunks.next(), b_chunks.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u128>(), y.parse::<u128>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.to_lowercase().cmp(&y.to_lowercase()),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// Splits a string into alternating runs of ASCII digits and of everything else.
struct Chunks<'a>(&'a str);

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let first = self.0.chars().next()?;
        let digits = first.is_ascii_digit();
        let end = self
            .0
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() != digits)
            .map_or(self.0.len(), |(i, _)| i);
        let (chunk, rest) = self.0.split_at(end);
        self.0 = rest;
        Some(chunk)
    }
}

/// A title for a name that has no title of its own: `fault-tolerance` reads "Fault tolerance".
pub fn title_from_name(name: &str) -> String {
    let words = name.replace(['-', '_'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_content_format() {
        assert_eq!(
            slugify_path("Obsidian Publish/Security and privacy"),
            "obsidian-publish/security-and-privacy"
        );
        assert_eq!(slugify("  Load -- Parameters! "), "load-parameters");
        assert_eq!(slugify("fault_tolerance"), "fault-tolerance");
        assert_eq!(slugify("Naïve"), slugify("Nai\u{308}ve"));
    }

    #[test]
    fn locators_sort_naturally() {
        let mut locators = vec!["ch. 10", "ch. 2", "p. 80", "p. 9", "ch. 1"];
        locators.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(locators, ["ch. 1", "ch. 2", "ch. 10", "p. 9", "p. 80"]);
    }

    #[test]
    fn titles_from_names() {
        assert_eq!(title_from_name("fault-tolerance"), "Fault tolerance");
    }
}
