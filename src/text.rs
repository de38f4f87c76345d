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

/// A URL's scheme as a browser reads it, lower-cased: tabs and line breaks anywhere, and
/// spaces and controls before it, are dropped (`java\tscript:` is `javascript:`), and a colon
/// before any `/`, `?` or `#` ends a scheme. `None` for a path (`notes/a/`, `//host/x`).
pub fn url_scheme(url: &str) -> Option<String> {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let end = url.find(['/', '?', '#']).unwrap_or(url.len());
    let (scheme, _) = url[..end].split_once(':')?;
    Some(scheme.to_ascii_lowercase())
}

/// Whether a link written in the content would run code or reach the reader's own disk when
/// followed: `javascript:`, `vbscript:`, `file:`, and `data:` but for an image's
/// `data:image/…` (which an `<img>` shows and never runs). A page shows such a link as text.
pub fn is_unsafe_link(url: &str, image: bool) -> bool {
    match url_scheme(url).as_deref() {
        Some("javascript" | "vbscript" | "file") => true,
        Some("data") => {
            let rest = url.trim_start().get(5..).unwrap_or("");
            !(image && rest.to_ascii_lowercase().starts_with("image/"))
        }
        _ => false,
    }
}

/// Control characters other than tab, line feed and carriage return, and the two
/// noncharacters U+FFFE and U+FFFF: they show as nothing
/// (or a box) in a page, XML 1.0 forbids them (a feed with one is rejected), and a terminal
/// takes them as commands.
pub fn is_forbidden_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// `text` without [forbidden control characters](is_forbidden_control), and each one removed
/// with its byte offset in `text`. Borrows when there are none, as in almost every file.
pub fn remove_controls(text: &str) -> (std::borrow::Cow<'_, str>, Vec<(usize, char)>) {
    // C0 controls are single bytes; C1 controls (U+0080 to U+009F) start with 0xC2, and
    // U+FFFE and U+FFFF with 0xEF.
    let maybe = |b: u8| {
        (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || matches!(b, 0x7f | 0xc2 | 0xef)
    };
    if !text.bytes().any(maybe) {
        return (std::borrow::Cow::Borrowed(text), Vec::new());
    }
    let removed: Vec<(usize, char)> = text
        .char_indices()
        .filter(|(_, c)| is_forbidden_control(*c))
        .collect();
    if removed.is_empty() {
        return (std::borrow::Cow::Borrowed(text), removed);
    }
    let kept = text.chars().filter(|c| !is_forbidden_control(*c)).collect();
    (std::borrow::Cow::Owned(kept), removed)
}

/// At most `max` characters of `text`, on one line, with `…` when cut: how a message quotes
/// the input it is about, so a 20 MB line is not printed whole.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
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
    fn links_that_would_run_code_are_told_apart() {
        for unsafe_ in [
            "javascript:alert(1)",
            " JavaScript:x",
            "java\tscript:x",
            "vbscript:x",
            "file:///etc/passwd",
            "data:text/html,x",
        ] {
            assert!(is_unsafe_link(unsafe_, false), "{unsafe_:?}");
        }
        for safe in [
            "https://x.org",
            "mailto:a@b.org",
            "zotero://select/items/1",
            "notes/a:b",
            "../a.md",
            "#top",
        ] {
            assert!(!is_unsafe_link(safe, false), "{safe:?}");
        }
        assert!(!is_unsafe_link("data:image/png;base64,AAAA", true));
        assert!(is_unsafe_link("data:image/png;base64,AAAA", false));
        assert_eq!(url_scheme("HTTPS://x").as_deref(), Some("https"));
        assert_eq!(url_scheme("//cdn/x"), None);
    }

    #[test]
    fn control_characters_are_removed_and_located() {
        let (kept, removed) = remove_controls("a\u{0}b\tc\r\nd\u{1b}[2Jé\u{9b}\u{ffff}");
        assert_eq!(kept, "ab\tc\r\nd[2Jé");
        assert_eq!(
            removed,
            vec![
                (1, '\u{0}'),
                (8, '\u{1b}'),
                (14, '\u{9b}'),
                (16, '\u{ffff}')
            ]
        );
        // No copy when there is nothing to remove, non-breaking spaces included.
        let (kept, removed) = remove_controls("caf\u{e9}\u{a0}ok\n");
        assert!(matches!(kept, std::borrow::Cow::Borrowed(_)) && removed.is_empty());
    }

    #[test]
    fn excerpts_are_short_and_on_one_line() {
        assert_eq!(excerpt("short", 80), "short");
        assert_eq!(
            excerpt(&"x".repeat(100), 80),
            format!("{}…", "x".repeat(80))
        );
        assert_eq!(excerpt("a\nb", 80), "a b");
    }

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
