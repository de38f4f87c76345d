//! Comments: Obsidian's `%%…%%` and HTML's `<!--…-->`, inline or over many lines. Both are the
//! author's alone, so they are blanked out before anything reads the text: nothing inside them
//! is a link, a heading, a page's text or a search word. Blanking (each byte a space, line
//! breaks kept) leaves every other byte where it was, so positions in diagnostics stay true.
//! Code is not searched for comments: `%%` in a code block or a code span is code.

/// A text with its comments blanked out.
pub struct Masked {
    pub text: String,
    /// The byte offset of a comment that is never closed (it hides the rest of the text, as in
    /// Obsidian), for a warning.
    pub unclosed: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Comment {
    Percent,
    Html,
}

impl Comment {
    fn close(self) -> &'static str {
        match self {
            Comment::Percent => "%%",
            Comment::Html => "-->",
        }
    }
}

/// Blanks out the comments of `text`, or returns `None` when it has none.
pub fn mask_comments(text: &str) -> Option<Masked> {
    if !text.contains("%%") && !text.contains("<!--") {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    // An open comment: its kind, where blanking resumes, and where it opened.
    let mut comment: Option<(Comment, usize, usize)> = None;
    let mut fence: Option<(u8, usize)> = None;
    let mut found = false;
    let mut line_start = 0;
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i + 1);
        let line = &text[line_start..line_end];
        if comment.is_none() {
            if let Some((ch, len)) = fence {
                if closes_fence(line, ch, len) {
                    fence = None;
                }
                line_start = line_end;
                continue;
            }
            if let Some(opened) = opens_fence(line) {
                fence = Some(opened);
                line_start = line_end;
                continue;
            }
        }
        let mut i = line_start;
        while i < line_end {
            if let Some((kind, start, _)) = comment {
                match text[i..line_end].find(kind.close()) {
                    Some(at) => {
                        let end = i + at + kind.close().len();
                        blank(&mut bytes, start, end);
                        comment = None;
                        i = end;
                    }
                    None => {
                        i = line_end;
                    }
                }
                continue;
            }
            match text.as_bytes()[i] {
                b'`' => {
                    let run = text[i..line_end].bytes().take_while(|&b| b == b'`').count();
                    i += run;
                    // A code span runs to the next run of as many backticks on the line.
                    let mut j = i;
                    while j < line_end {
                        if text.as_bytes()[j] == b'`' {
                            let closing =
                                text[j..line_end].bytes().take_while(|&b| b == b'`').count();
                            if closing == run {
                                i = j + closing;
                                break;
                            }
                            j += closing;
                        } else {
                            j += 1;
                        }
                    }
                }
                b'\\' => i += 2,
                b'%' if text[i..].starts_with("%%") => {
                    comment = Some((Comment::Percent, i, i));
                    found = true;
                    i += 2;
                }
                b'<' if text[i..].starts_with("<!--") => {
                    comment = Some((Comment::Html, i, i));
                    found = true;
                    i += 4;
                }
                _ => i += 1,
            }
        }
        if let Some((kind, start, opened)) = comment {
            // Blank what the comment holds so far; it goes on over the next line.
            blank(&mut bytes, start, line_end);
            comment = Some((kind, line_end, opened));
        }
        line_start = line_end;
    }
    if !found {
        return None;
    }
    Some(Masked {
        text: String::from_utf8(bytes).expect("only whole characters become spaces"),
        unclosed: comment.map(|(_, _, opened)| opened),
    })
}

/// Replaces `bytes[start..end]` with spaces, keeping line breaks. Every byte of a multi-byte
/// character becomes a space, so the text stays valid UTF-8 and keeps its length.
fn blank(bytes: &mut [u8], start: usize, end: usize) {
    for b in &mut bytes[start..end] {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
}

/// A fenced code block's opening line: up to three spaces, then three or more backticks or
/// tildes.
fn opens_fence(line: &str) -> Option<(u8, usize)> {
    let indent = line.bytes().take_while(|&b| b == b' ').count();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let ch = *rest.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = rest.bytes().take_while(|&b| b == ch).count();
    if len < 3 || (ch == b'`' && rest[len..].contains('`')) {
        return None;
    }
    Some((ch, len))
}

fn closes_fence(line: &str, ch: u8, len: usize) -> bool {
    let indent = line.bytes().take_while(|&b| b == b' ').count();
    if indent > 3 {
        return false;
    }
    let rest = &line[indent..];
    let run = rest.bytes().take_while(|&b| b == ch).count();
    run >= len && rest[run..].trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        mask_comments(text).map_or_else(|| text.to_string(), |m| m.text)
    }

    #[test]
    fn comments_become_blank_and_keep_every_offset() {
        assert_eq!(masked("a %%b%% c\n"), "a       c\n");
        assert_eq!(masked("a <!-- b --> c\n"), "a            c\n");
        assert_eq!(
            masked("x\n%%\n[[secret]]\n# Not a heading\n%%\ny\n"),
            "x\n  \n          \n               \n  \ny\n"
        );
        assert_eq!(masked("é %%ü%% ö"), "é        ö");
        assert_eq!(masked("a\n<!--\n# h\n-->\nb"), "a\n    \n   \n   \nb");
    }

    #[test]
    fn code_is_not_searched_for_comments() {
        let text = "`%%` and ``a %% b``\n```\n%% code\n```\n~~~\n<!--\n~~~\n";
        assert!(mask_comments(text).is_none());
        assert_eq!(masked("`%%` %%x%%\n"), "`%%`      \n");
        assert_eq!(masked("\\%% not %%x%%\n"), "\\%% not      \n");
    }

    #[test]
    fn an_unclosed_comment_hides_the_rest_and_says_where_it_began() {
        let m = mask_comments("a\nb %%c\nd\n").unwrap();
        assert_eq!(m.text, "a\nb    \n \n");
        assert_eq!(m.unclosed, Some(4));
        assert!(mask_comments("100%% sure").is_some());
    }
}
