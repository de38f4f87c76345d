//! Small text helpers every stage and the binary share: counts in words, text cut at a word,
//! HTML escaping, dates as pages and files write them, and an error with its causes on one line.
//! Pure functions of their arguments; nothing here knows about a site.

use chrono::NaiveDate;

/// `1 note`, `2 notes`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Cuts text to at most `max` characters at a word boundary, adding `…`; runs of white space
/// become one space.
pub fn shorten(text: &str, max: usize) -> String {
    // Only as many words as can show are joined: a long note's body is not copied whole.
    let mut joined = String::new();
    let mut count = 0;
    for word in text.split_whitespace() {
        if count > max {
            break;
        }
        if !joined.is_empty() {
            joined.push(' ');
            count += 1;
        }
        joined.push_str(word);
        count += word.chars().count();
    }
    let text = joined;
    if count <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

/// Escapes text for HTML content and attribute values. Copies runs of ordinary bytes whole:
/// this runs over every piece of text on every page.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut start = 0;
    for (i, byte) in s.bytes().enumerate() {
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(replacement);
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out
}

/// Escapes text for an element's content, where only `&`, `<` and `>` need it (as
/// pulldown-cmark writes text).
pub fn escape_text(s: &str) -> String {
    if !s.contains(['&', '<', '>']) {
        return s.to_string();
    }
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A day as files, URLs and `<time>` write it: `2024-03-01`.
pub fn iso_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A day as a reader reads it: `1 March 2024`.
pub fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// An error and its causes on one line, as the terminal shows them (`{:#}` does the same for
/// an `anyhow` error; this is for the library's own, which are not).
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortens_at_a_word_with_an_ellipsis_and_keeps_short_text() {
        assert_eq!(shorten("  a   short\n text ", 20), "a short text");
        assert_eq!(shorten("exactly ten", 11), "exactly ten");
        assert_eq!(shorten("one two three four", 12), "one two…");
        assert_eq!(shorten("one two, three four", 9), "one two…");
        let long = "word ".repeat(10_000);
        assert_eq!(shorten(&long, 12), "word word…");
    }

    #[test]
    fn escapes_markup_characters_only() {
        assert_eq!(
            escape(r#"<a href="x">Tom & Jerry's</a> é"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt; é"
        );
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape_text(r#"<b> & "q""#), r#"&lt;b&gt; &amp; "q""#);
    }

    #[test]
    fn counts_and_dates() {
        assert_eq!(plural(1, "note"), "1 note");
        assert_eq!(plural(0, "note"), "0 notes");
        let day = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        assert_eq!(iso_date(day), "2024-03-01");
        assert_eq!(long_date(day), "1 March 2024");
    }
}
