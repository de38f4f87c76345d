//! Callouts: a block quote whose first line is `[!type]`, optionally folded (`+` open, `-`
//! closed) and titled: `> [!tip]- Read this later`. The type is kept as written, lower-cased,
//! in `data-callout`, as Obsidian and Obsidian Publish write it, so styles written for them
//! (aliases like `faq` for a question, and people's own types) apply; the default theme styles
//! Obsidian's types and their aliases, and shows any other type as a note. Folding is
//! `<details>`, which needs no script.

use pulldown_cmark::{Event, Tag, TagEnd};

use super::Spanned;

/// The first line of a callout: `[!type]`, a fold marker and the rest of the line (its title).
#[derive(Debug, PartialEq, Eq)]
pub struct Marker<'a> {
    pub kind: &'a str,
    pub fold: Option<Fold>,
    /// What follows the marker on its line, without the white space before it.
    pub rest: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    Open,
    Closed,
}

/// Reads `[!type]`, `[!type]+ Title` or `[!type]- Title` at the start of a text.
pub fn marker(text: &str) -> Option<Marker<'_>> {
    let inner = text.strip_prefix("[!")?;
    let close = inner.find(']')?;
    let kind = &inner[..close];
    if kind.is_empty()
        || !kind
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    let mut rest = &inner[close + 1..];
    let fold = match rest.chars().next() {
        Some('+') => Some(Fold::Open),
        Some('-') => Some(Fold::Closed),
        _ => None,
    };
    if fold.is_some() {
        rest = &rest[1..];
    }
    // The marker must stand alone as a word: `[!note]x` is text.
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    Some(Marker {
        kind,
        fold,
        rest: rest.trim_start(),
    })
}

/// How a callout's own HTML changes the nesting of blocks: `1` where a callout opens, `-1`
/// where one closes, `0` for any other HTML. Callouts replace block quotes, whose start and
/// end events said as much; those who count blocks ask this instead.
pub fn nesting(html: &str) -> isize {
    if html.starts_with("<div class=\"callout\"") || html.starts_with("<details class=\"callout\"")
    {
        1
    } else if html == CLOSE_DIV || html == CLOSE_DETAILS {
        -1
    } else {
        0
    }
}

const CLOSE_DIV: &str = "</div>\n</div>\n";
const CLOSE_DETAILS: &str = "</div>\n</details>\n";

/// A callout's default title: its type as written, capitalized (`[!faq]` is "Faq").
fn default_title(kind: &str) -> String {
    let lower = kind.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Turns every block quote that starts with a callout marker into the callout's HTML, with the
/// title's and the body's own events (links, tags, emphasis) left in place for the consumer.
pub fn callouts(events: Vec<Spanned>) -> Vec<Spanned> {
    if !events
        .iter()
        .any(|(e, _)| matches!(e, Event::Start(Tag::BlockQuote(_))))
    {
        return events;
    }
    let mut events: Vec<Option<Spanned>> = events.into_iter().map(Some).collect();
    let mut out: Vec<Spanned> = Vec::with_capacity(events.len() + 8);
    // For each block quote open around the current event: how a callout closes, if it is one.
    let mut closers: Vec<Option<&'static str>> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let (event, range) = events[i].take().expect("each event is taken once");
        match event {
            Event::Start(Tag::BlockQuote(kind)) => {
                let starts_callout = matches!(
                    (events.get(i + 1), events.get(i + 2)),
                    (Some(Some((Event::Start(Tag::Paragraph), _))), Some(Some((Event::Text(t), _))))
                        if marker(t).is_some()
                );
                if !starts_callout {
                    closers.push(None);
                    out.push((Event::Start(Tag::BlockQuote(kind)), range));
                    i += 1;
                    continue;
                }
                let (_, paragraph_range) = events[i + 1].take().expect("checked above");
                let (first, first_range) = events[i + 2].take().expect("checked above");
                let Event::Text(first) = first else {
                    unreachable!("checked above")
                };
                let marker = marker(&first).expect("checked above");
                // Letters, digits, `-` and `_` only (see `marker`): safe in an attribute.
                let kind = marker.kind.to_lowercase();
                let (open, title_open, title_close, close) = match marker.fold {
                    Some(fold) => (
                        format!(
                            "<details class=\"callout\" data-callout=\"{kind}\"{}>\n",
                            if fold == Fold::Open { " open" } else { "" }
                        ),
                        "<summary class=\"callout-title\">",
                        "</summary>\n<div class=\"callout-content\">\n",
                        CLOSE_DETAILS,
                    ),
                    None => (
                        format!("<div class=\"callout\" data-callout=\"{kind}\">\n"),
                        "<div class=\"callout-title\">",
                        "</div>\n<div class=\"callout-content\">\n",
                        CLOSE_DIV,
                    ),
                };
                closers.push(Some(close));
                out.push((
                    Event::Html(format!("{open}{title_open}").into()),
                    range.clone(),
                ));
                // The title: the rest of the marker's line, with its inline events.
                let mut title_is_empty = marker.rest.trim().is_empty();
                if !title_is_empty {
                    let at = first_range.end.saturating_sub(marker.rest.len());
                    out.push((
                        Event::Text(marker.rest.to_string().into()),
                        at..first_range.end,
                    ));
                }
                let mut j = i + 3;
                let mut depth = 0usize;
                let mut body_continues = false;
                while j < events.len() {
                    let (event, _) = events[j].as_ref().expect("not taken yet");
                    match event {
                        Event::SoftBreak | Event::HardBreak if depth == 0 => {
                            events[j] = None;
                            body_continues = true;
                            j += 1;
                            break;
                        }
                        Event::End(TagEnd::Paragraph) if depth == 0 => {
                            events[j] = None;
                            j += 1;
                            break;
                        }
                        Event::Start(_) => depth += 1,
                        Event::End(_) => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    title_is_empty = false;
                    out.push(events[j].take().expect("not taken yet"));
                    j += 1;
                }
                if title_is_empty {
                    out.push((
                        Event::Text(default_title(marker.kind).into()),
                        first_range.clone(),
                    ));
                }
                out.push((Event::Html(title_close.into()), range.clone()));
                if body_continues {
                    out.push((Event::Start(Tag::Paragraph), paragraph_range));
                }
                i = j;
                continue;
            }
            Event::End(TagEnd::BlockQuote(kind)) => match closers.pop().flatten() {
                Some(close) => out.push((Event::Html(close.into()), range)),
                None => out.push((Event::End(TagEnd::BlockQuote(kind)), range)),
            },
            other => out.push((other, range)),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::html_of as html;

    #[test]
    fn markers() {
        assert_eq!(
            marker("[!tip]- Read *later*"),
            Some(Marker {
                kind: "tip",
                fold: Some(Fold::Closed),
                rest: "Read *later*"
            })
        );
        assert_eq!(marker("[!NOTE]").map(|m| m.kind), Some("NOTE"));
        assert_eq!(marker("[!note]x"), None);
        assert_eq!(marker("[!]"), None);
        assert_eq!(marker("[note]"), None);
    }

    #[test]
    fn callouts_with_titles_folds_and_nesting() {
        assert_eq!(
            html("> [!tip] A **bold** title\n> Body line.\n"),
            "<div class=\"callout\" data-callout=\"tip\">\n<div class=\"callout-title\">A <strong>bold</strong> title</div>\n<div class=\"callout-content\">\n<p>Body line.</p>\n</div>\n</div>\n"
        );
        assert_eq!(
            html("> [!FAQ]-\n> Hidden.\n"),
            "<details class=\"callout\" data-callout=\"faq\">\n<summary class=\"callout-title\">Faq</summary>\n<div class=\"callout-content\">\n<p>Hidden.</p>\n</div>\n</details>\n"
        );
        assert_eq!(
            html("> [!note]+ Outer\n> > [!warning]\n> > Inner.\n"),
            "<details class=\"callout\" data-callout=\"note\" open>\n<summary class=\"callout-title\">Outer</summary>\n<div class=\"callout-content\">\n<div class=\"callout\" data-callout=\"warning\">\n<div class=\"callout-title\">Warning</div>\n<div class=\"callout-content\">\n<p>Inner.</p>\n</div>\n</div>\n</div>\n</details>\n"
        );
        assert_eq!(
            html("> Just a quote.\n"),
            "<blockquote>\n<p>Just a quote.</p>\n</blockquote>\n"
        );
    }
}
