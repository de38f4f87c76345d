//! Obsidian's Markdown: the dialect notes are written in, as one list of pulldown-cmark events
//! that the link stage scans and the render stage renders, so both see the same structure at
//! the same byte offsets.
//!
//! pulldown-cmark reads CommonMark with GitHub's tables, footnotes, strikethrough and task
//! lists, Obsidian's `[[wikilinks]]` and `$math$`. On top of its events this module adds what
//! Obsidian adds, each as ordinary events so that every consumer handles them by the rules it
//! already has:
//!
//! - `#tag` becomes a link to the concept `tag` (a wikilink with the title [`TAG_TITLE`]);
//! - `==text==` becomes `<mark>text</mark>` (inline HTML around the text);
//! - a bare `https://…` or `www.…` becomes an autolink, as in GitHub and Obsidian;
//! - `> [!type] Title` makes the block quote a callout ([`callout`]).
//!
//! `%%comments%%` and `<!-- comments -->` are removed before any of this, when a file is
//! loaded ([`mask_comments`]), so nothing inside them is a link, a heading or searchable text.

pub mod callout;
mod comments;
pub mod math;

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, TextMergeWithOffset};

pub use comments::mask_comments;

/// One event and the byte range of the text it came from.
pub type Spanned<'a> = (Event<'a>, Range<usize>);

/// The title of the link event an inline `#tag` becomes; wikilinks never have titles.
pub const TAG_TITLE: &str = "commonplace:tag";

/// What a site's settings change in how its Markdown reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// Whether `#tag` in text names a concept.
    pub inline_tags: bool,
    /// Whether a single line break in a paragraph is a line break (Obsidian's default) rather
    /// than a space (CommonMark's).
    pub line_breaks: bool,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            inline_tags: true,
            line_breaks: false,
        }
    }
}

impl Dialect {
    pub fn of(config: &crate::config::Config) -> Self {
        Dialect {
            inline_tags: config.inline_tags,
            line_breaks: !config.strict_line_breaks.unwrap_or(true),
        }
    }
}

/// pulldown-cmark's part of the dialect. GitHub's alerts (`> [!NOTE]`) are left off: they are
/// callouts without a title, which [`callout`] reads along with the rest.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_WIKILINKS
        | Options::ENABLE_MATH
}

/// A text's events, and whether its author wrote HTML in it (which a site may sanitize).
pub struct Parsed<'a> {
    pub events: Vec<Spanned<'a>>,
    pub raw_html: bool,
}

/// The events of `text`, with Obsidian's additions. Ranges are byte offsets into `text`.
pub fn events(text: &str, dialect: Dialect) -> Vec<Spanned<'_>> {
    parse(text, dialect).events
}

/// [`events`], and whether the author wrote HTML.
pub fn parse(text: &str, dialect: Dialect) -> Parsed<'_> {
    let parsed = TextMergeWithOffset::new(Parser::new_ext(text, options()).into_offset_iter());
    let mut out: Vec<Spanned> = Vec::new();
    let mut raw_html = false;
    let mut code_block = false;
    let mut in_link = 0usize;
    for (event, range) in parsed {
        match &event {
            Event::Start(Tag::CodeBlock(_)) => code_block = true,
            Event::End(TagEnd::CodeBlock) => code_block = false,
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => in_link += 1,
            Event::End(TagEnd::Link | TagEnd::Image) => in_link = in_link.saturating_sub(1),
            _ => {}
        }
        let mut event = event;
        match event {
            Event::Text(t) if !code_block && in_link == 0 => {
                inline_text(text, t, range, dialect, &mut out);
            }
            Event::SoftBreak if dialect.line_breaks => out.push((Event::HardBreak, range)),
            // `$5 and $6`, `"$1".png`: a closing `$` right before a digit is a price or a shell
            // variable, not math (Pandoc's rule, which Obsidian follows).
            Event::InlineMath(tex)
                if text[range.end..].starts_with(|c: char| c.is_ascii_digit()) =>
            {
                let written = format!("${tex}$");
                inline_text(text, written.into(), range, dialect, &mut out);
            }
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { .. },
                ref mut dest_url,
                ..
            })
            | Event::Start(Tag::Image {
                link_type: LinkType::WikiLink { .. },
                ref mut dest_url,
                ..
            }) if dest_url.ends_with('\\') => {
                // In a table, Obsidian writes a wikilink's `|` as `\|` (the table's own `|`
                // ends the column); the backslash is not part of the target.
                *dest_url = dest_url.trim_end_matches('\\').to_string().into();
                out.push((event, range));
            }
            other => {
                raw_html |= matches!(other, Event::Html(_) | Event::InlineHtml(_));
                out.push((other, range));
            }
        }
    }
    let out = highlights(out);
    Parsed {
        events: callout::callouts(out),
        raw_html,
    }
}

/// Splits a text event into plain text, bare URLs and tags.
fn inline_text<'a>(
    source: &'a str,
    text: CowStr<'a>,
    range: Range<usize>,
    dialect: Dialect,
    out: &mut Vec<Spanned<'a>>,
) {
    let has_url = text.contains("://") || text.contains("www.");
    let has_tag = dialect.inline_tags && text.contains('#');
    if !has_url && !has_tag {
        out.push((Event::Text(text), range));
        return;
    }
    // Where the event's text sits in the source, when it is the source as written (no
    // escapes or entities): then a tag's offset is exact.
    let verbatim = source.get(range.clone()) == Some(&*text);
    let mut searched_to = range.start;
    let mut plain_start = 0;
    let push_plain = |out: &mut Vec<Spanned<'a>>, from: usize, to: usize| {
        if from < to {
            out.push((
                Event::Text(CowStr::from(text[from..to].to_string())),
                range.clone(),
            ));
        }
    };
    let mut pieces: Vec<(usize, usize, Piece)> = Vec::new();
    if has_url {
        pieces.extend(urls(&text).map(|(s, e, href)| (s, e, Piece::Url(href))));
    }
    if has_tag {
        let mut tags = Vec::new();
        let mut from = 0;
        for &(s, e, _) in
            pieces
                .iter()
                .chain(std::iter::once(&(text.len(), text.len(), Piece::None)))
        {
            for (ts, te) in tags_in(&text, from, s) {
                tags.push((ts, te));
            }
            from = e;
        }
        for (ts, te) in tags {
            let before = if ts == 0 {
                source[..range.start].chars().next_back()
            } else {
                text[..ts].chars().next_back()
            };
            if !before.is_none_or(char::is_whitespace) {
                continue;
            }
            let offset = if verbatim {
                Some(range.start + ts)
            } else {
                // Escapes or entities make the text differ from the source: find the tag as
                // written, not escaped (`\#no` is no tag).
                find_tag_in_source(source, &range, searched_to, &text[ts..te])
            };
            if let Some(offset) = offset {
                searched_to = offset + (te - ts);
                pieces.push((ts, te, Piece::Tag(offset)));
            }
        }
    }
    pieces.sort_by_key(|p| p.0);
    for (start, end, piece) in pieces {
        push_plain(out, plain_start, start);
        let written = &text[start..end];
        match piece {
            Piece::Url(href) => {
                out.push((
                    Event::Start(Tag::Link {
                        link_type: LinkType::Autolink,
                        dest_url: CowStr::from(href),
                        title: CowStr::from(""),
                        id: CowStr::from(""),
                    }),
                    range.clone(),
                ));
                out.push((
                    Event::Text(CowStr::from(written.to_string())),
                    range.clone(),
                ));
                out.push((Event::End(TagEnd::Link), range.clone()));
            }
            Piece::Tag(offset) => {
                let tag_range = offset..offset + written.len();
                out.push((
                    Event::Start(Tag::Link {
                        link_type: LinkType::WikiLink { has_pothole: true },
                        dest_url: CowStr::from(format!("concept:{}", &written[1..])),
                        title: CowStr::from(TAG_TITLE),
                        id: CowStr::from(""),
                    }),
                    tag_range.clone(),
                ));
                out.push((
                    Event::Text(CowStr::from(written.to_string())),
                    tag_range.clone(),
                ));
                out.push((Event::End(TagEnd::Link), tag_range));
            }
            Piece::None => {}
        }
        plain_start = end;
    }
    push_plain(out, plain_start, text.len());
}

enum Piece {
    Url(String),
    /// A tag, at this byte offset of the source.
    Tag(usize),
    None,
}

/// Bare web addresses in `text`: `(start, end, href)`.
fn urls(text: &str) -> impl Iterator<Item = (usize, usize, String)> + '_ {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    finder.url_must_have_scheme(false);
    finder.links(text).filter_map(|link| {
        let written = link.as_str();
        let lower = written.to_ascii_lowercase();
        let href = if lower.starts_with("https://") || lower.starts_with("http://") {
            written.to_string()
        } else if lower.starts_with("www.") {
            format!("https://{written}")
        } else {
            return None;
        };
        Some((link.start(), link.end(), href))
    })
}

/// Obsidian's tags in `text[from..to]`: `#` and then letters, digits, `_`, `-` and `/` (for
/// nesting), with at least one character that is not a digit. Returns byte ranges, `#` included.
fn tags_in(text: &str, from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = from;
    while i < to {
        if bytes[i] != b'#' {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        for (j, c) in text[i + 1..to].char_indices() {
            if is_tag_char(c) {
                end = i + 1 + j + c.len_utf8();
            } else {
                break;
            }
        }
        let name = text[i + 1..end].trim_end_matches('/');
        let end = i + 1 + name.len();
        let meaningful = name
            .chars()
            .any(|c| !c.is_ascii_digit() && c != '/' && c != '-' && c != '_');
        if meaningful && !name.starts_with('/') && !name.contains("//") {
            out.push((i, end));
        }
        i = end.max(i + 1);
    }
    out
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '/') || is_emoji(c)
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0xFE0F | 0x200D)
}

/// Finds `tag` in the source of a text event whose text differs from its source, where it is
/// written as a tag: after white space or at the start of a line, not after a backslash.
fn find_tag_in_source(source: &str, range: &Range<usize>, from: usize, tag: &str) -> Option<usize> {
    let within = source.get(from.max(range.start)..range.end)?;
    let base = from.max(range.start);
    within
        .match_indices(tag)
        .map(|(i, _)| base + i)
        .find(|&at| {
            source[..at]
                .chars()
                .next_back()
                .is_none_or(char::is_whitespace)
        })
}

/// `==text==` as `<mark>text</mark>`, within one block: an opening `==` before something
/// other than white space, a closing one after something other than white space. What is next
/// to a marker may be another event (`==**bold**==`), which counts as not white space.
fn highlights(events: Vec<Spanned>) -> Vec<Spanned> {
    if !events
        .iter()
        .any(|(e, _)| matches!(e, Event::Text(t) if t.contains("==")))
    {
        return events;
    }
    // Whether an event next to a marker is the highlighted text's own (not white space).
    let is_content = |event: Option<&Event>| match event {
        Some(Event::Start(_)) | Some(Event::End(_)) => event.is_some_and(is_inline),
        Some(Event::Code(_) | Event::InlineMath(_) | Event::InlineHtml(_)) => true,
        _ => false,
    };
    let mut out: Vec<Spanned> = Vec::with_capacity(events.len() + 4);
    // The index in `out` of the `==` that opened a highlight not yet closed.
    let mut open: Option<usize> = None;
    let mut code_block = false;
    let mut events = events.into_iter().peekable();
    while let Some((event, range)) = events.next() {
        match &event {
            Event::Start(Tag::CodeBlock(_)) => code_block = true,
            Event::End(TagEnd::CodeBlock) => code_block = false,
            _ => {}
        }
        let text = match event {
            Event::Text(t) if !code_block && t.contains("==") => t,
            other => {
                if !is_inline(&other) {
                    // A highlight never crosses a block; an unclosed `==` stays as written.
                    open = None;
                }
                out.push((other, range));
                continue;
            }
        };
        let previous_is_content = is_content(out.last().map(|(e, _)| e));
        let next_is_content = is_content(events.peek().map(|(e, _)| e));
        let mut rest_start = 0;
        let mut search = 0;
        while let Some(found) = text[search..].find("==") {
            let at = search + found;
            // A run of more than two `=` is not a marker (`a === b`).
            let run_end = at + text[at..].bytes().take_while(|&b| b == b'=').count();
            if run_end - at != 2 {
                search = run_end;
                continue;
            }
            let before = match text[..at].chars().next_back() {
                Some(c) => !c.is_whitespace(),
                None => previous_is_content,
            };
            let after = match text[run_end..].chars().next() {
                Some(c) => !c.is_whitespace(),
                None => next_is_content,
            };
            if open.is_some() && before {
                if at > rest_start {
                    out.push((
                        Event::Text(text[rest_start..at].to_string().into()),
                        range.clone(),
                    ));
                }
                let opener = open.take().expect("checked above");
                out[opener].0 = Event::InlineHtml("<mark>".into());
                out.push((Event::InlineHtml("</mark>".into()), range.clone()));
                rest_start = run_end;
            } else if open.is_none() && after {
                if at > rest_start {
                    out.push((
                        Event::Text(text[rest_start..at].to_string().into()),
                        range.clone(),
                    ));
                }
                out.push((Event::Text("==".into()), range.clone()));
                open = Some(out.len() - 1);
                rest_start = run_end;
            }
            search = run_end;
        }
        if rest_start < text.len() {
            out.push((
                Event::Text(text[rest_start..].to_string().into()),
                range.clone(),
            ));
        }
    }
    out
}

/// How an event changes the nesting of blocks: `1` where a block opens, `-1` where one closes,
/// `0` inside a line of text. A callout's own HTML counts as the block quote it replaced.
pub fn block_nesting(event: &Event) -> isize {
    match event {
        Event::Start(_) if !is_inline(event) => 1,
        Event::End(_) if !is_inline(event) => -1,
        Event::Html(html) => callout::nesting(html),
        _ => 0,
    }
}

/// How an event changes the nesting of block quotes, callouts included.
pub fn quote_nesting(event: &Event) -> isize {
    match event {
        Event::Start(Tag::BlockQuote(_)) => 1,
        Event::End(TagEnd::BlockQuote(_)) => -1,
        Event::Html(html) => callout::nesting(html),
        _ => 0,
    }
}

/// Whether an event lives inside a line of text, rather than starting or ending a block.
pub fn is_inline(event: &Event) -> bool {
    match event {
        Event::Start(tag) => matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. }
        ),
        Event::End(tag) => matches!(
            tag,
            TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Link
                | TagEnd::Image
        ),
        Event::Text(_)
        | Event::Code(_)
        | Event::InlineMath(_)
        | Event::DisplayMath(_)
        | Event::InlineHtml(_)
        | Event::FootnoteReference(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::TaskListMarker(_) => true,
        Event::Html(_) | Event::Rule => false,
    }
}

/// The visible text of a wikilink without a `|`: what was written, without a kind prefix
/// (`concept:`), a heading path shown as `note › Heading`.
pub fn display_text(written: &str) -> String {
    let written = written.trim();
    let name = crate::kind::Kind::ALL
        .iter()
        .find_map(|kind| written.strip_prefix(kind.name())?.strip_prefix(':'))
        .unwrap_or(written);
    // `[[#Heading]]`, a heading of the same note, reads as the heading alone.
    let name = name.trim().trim_start_matches('#');
    name.replace('#', " › ").trim().to_string()
}

/// The text a line of Markdown shows, without its markup: a heading's, for a title.
pub fn line_text(line: &str) -> String {
    let mut out = String::new();
    let mut bare_wikilink = false;
    let plain = Dialect {
        inline_tags: false,
        line_breaks: false,
    };
    for (event, _) in events(line, plain) {
        match event {
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { has_pothole: false },
                dest_url,
                ..
            }) => {
                out.push_str(&display_text(&dest_url));
                bare_wikilink = true;
            }
            Event::End(TagEnd::Link) => bare_wikilink = false,
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) if !bare_wikilink => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// The Obsidian plugin a fenced code block is written for, by its language: a published site
/// does not run plugins, so such a block shows as code (with a warning).
pub fn plugin_block(lang: &str) -> Option<&'static str> {
    let lang = lang.to_ascii_lowercase();
    Some(match lang.as_str() {
        "dataview" | "dataviewjs" => "Dataview",
        "tasks" => "Tasks",
        "base" => "Bases",
        "button" => "Buttons",
        "tracker" => "Tracker",
        "chart" => "Charts",
        "kanban" => "Kanban",
        "excalidraw" => "Excalidraw",
        "meta-bind" | "meta-bind-button" | "meta-bind-embed" => "Meta Bind",
        "contributionGraph" | "contributiongraph" => "Contribution Graph",
        "leaflet" => "Leaflet",
        "timeline" | "timeline-labeled" => "Timelines",
        "mehrmaid" => "Mehrmaid",
        _ if lang.starts_with("ad-") => "Admonition",
        _ => return None,
    })
}

/// The first of Obsidian's search operators in a query, which tells Obsidian's embedded search
/// (a ```` ```query ```` block, as Obsidian writes it) from commonplace's.
pub fn obsidian_search_operator(query: &str) -> Option<&'static str> {
    const OPERATORS: &[&str] = &[
        "file:",
        "path:",
        "content:",
        "match-case:",
        "ignore-case:",
        "tag:",
        "line:",
        "block:",
        "section:",
        "task:",
        "task-todo:",
        "task-done:",
    ];
    query.split_whitespace().find_map(|word| {
        let word = word.trim_start_matches(['-', '(', '"']);
        OPERATORS
            .iter()
            .find(|op| word.to_ascii_lowercase().starts_with(**op))
            .copied()
    })
}

/// Whether inline code is a Dataview inline query (`` `= this.file.name` ``, `` `$= dv…` ``).
pub fn is_inline_query(code: &str) -> bool {
    code.starts_with("= ") || code.starts_with("$=")
}

/// Whether a link event is an inline `#tag`.
pub fn is_tag(title: &str) -> bool {
    title == TAG_TITLE
}

/// The HTML pulldown-cmark writes for these events, without the renderer's rewriting: what
/// this module's tests compare.
#[cfg(test)]
pub(crate) fn html_of(text: &str) -> String {
    let mut out = String::new();
    pulldown_cmark::html::push_html(
        &mut out,
        events(text, Dialect::default()).into_iter().map(|(e, _)| e),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(text: &str) -> String {
        html_of(text)
    }

    fn tags(text: &str) -> Vec<(String, usize)> {
        events(text, Dialect::default())
            .into_iter()
            .filter_map(|(e, r)| match e {
                Event::Start(Tag::Link {
                    dest_url, title, ..
                }) if is_tag(&title) => Some((dest_url.to_string(), r.start)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn tags_as_obsidian_reads_them() {
        assert_eq!(
            tags("A #tag, #nested/sub-tag_2 and #日本語.\n"),
            [
                ("concept:tag".to_string(), 2),
                ("concept:nested/sub-tag_2".to_string(), 8),
                ("concept:日本語".to_string(), 30),
            ]
        );
        // Not tags: numbers, words run into a `#`, headings, escapes, code, links, URLs.
        assert!(tags("#123 issue#4 a#b\n").is_empty());
        assert!(tags("# Heading\n").is_empty());
        assert!(tags("\\#no `#code` [#x](y) https://x.org/#frag\n").is_empty());
        assert!(tags("```\n#code\n```\n").is_empty());
        // After an escape the offsets still point at the tag as written.
        assert_eq!(tags("\\* #yes\n"), [("concept:yes".to_string(), 3)]);
        assert!(events(
            "a #tag",
            Dialect {
                inline_tags: false,
                ..Dialect::default()
            }
        )
        .iter()
        .all(|(e, _)| !matches!(e, Event::Start(Tag::Link { .. }))));
    }

    #[test]
    fn highlights_become_marks() {
        assert_eq!(html("a ==b c== d\n"), "<p>a <mark>b c</mark> d</p>\n");
        assert_eq!(
            html("==a **b** c==\n"),
            "<p><mark>a <strong>b</strong> c</mark></p>\n"
        );
        assert_eq!(html("x == y and a === b\n"), "<p>x == y and a === b</p>\n");
        assert_eq!(
            html("==open\n\nclose==\n"),
            "<p>==open</p>\n<p>close==</p>\n"
        );
        assert_eq!(html("`==code==`\n"), "<p><code>==code==</code></p>\n");
        assert_eq!(
            html("==**bold**== and ==~~gone~~== and ==`code`==\n"),
            "<p><mark><strong>bold</strong></mark> and <mark><del>gone</del></mark> and <mark><code>code</code></mark></p>\n"
        );
    }

    #[test]
    fn a_dollar_before_a_digit_closes_no_math() {
        assert_eq!(
            html("[ -e \"$1\".png ] && [ ! -e \"$1\" ] but $x$ is.\n"),
            "<p>[ -e \"$1\".png ] &amp;&amp; [ ! -e \"$1\" ] but <span class=\"math math-inline\">x</span> is.</p>\n"
        );
    }

    #[test]
    fn bare_urls_become_links() {
        assert_eq!(
            html("See https://example.org/a_(b). and www.example.com, not x.org.\n"),
            "<p>See <a href=\"https://example.org/a_(b)\">https://example.org/a_(b)</a>. and <a href=\"https://www.example.com\">www.example.com</a>, not x.org.</p>\n"
        );
        assert_eq!(
            html("[label](https://a.org) <https://b.org>\n"),
            "<p><a href=\"https://a.org\">label</a> <a href=\"https://b.org\">https://b.org</a></p>\n"
        );
    }
}
