//! One pass over a Markdown text: its headings, block ids, links, tags and a plain-text
//! summary. The render stage reads the same text through the same [`syntax::events`], so byte
//! offsets agree.

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Tag, TagEnd};

use crate::slug;
use crate::syntax::{self, Dialect};

#[derive(Debug, Clone, Default)]
pub struct Scan {
    pub headings: Vec<Heading>,
    pub blocks: Vec<Block>,
    pub links: Vec<RawLink>,
    /// The first paragraph, as the phrases that make its text: a summary for a note without
    /// one, once its links are resolved (a link shows its label, not its syntax).
    pub first_paragraph: Vec<Phrase>,
    pub words: usize,
    /// Fenced ```` ```query ```` blocks: a living list of the quotes a search finds.
    pub queries: Vec<QueryBlock>,
    /// The concepts its inline `#tags` name, as written (without `#`), in order, each once.
    pub tags: Vec<String>,
    /// Its math, to check before it is rendered.
    pub math: Vec<MathSpan>,
    /// What Obsidian shows through a plugin or its own search, which a published site
    /// cannot: shown as code, with a warning.
    pub unsupported: Vec<Unsupported>,
    /// How many ```` ```mermaid ```` diagrams it draws.
    pub diagrams: usize,
}

/// A piece of TeX and the byte offset where it starts in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MathSpan {
    pub offset: usize,
    pub tex: String,
    pub display: bool,
}

/// Something written for Obsidian that a published site cannot show as Obsidian does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    pub offset: usize,
    /// What it is and what the site shows instead.
    pub message: String,
}

fn plugin_message(written: &str, plugin: &str) -> String {
    format!(
        "{written} needs Obsidian's {plugin} plugin, which a published site does not run; it is shown as code"
    )
}

/// A piece of a paragraph's visible text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phrase {
    Text(String),
    /// A wikilink without `|label`, which shows what its target is called.
    Link {
        offset: usize,
        written: String,
    },
}

/// A ```` ```query ```` block: its byte offset (its key in later stages) and its query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryBlock {
    pub offset: usize,
    pub query: String,
}

/// Whether a fenced code block's info string makes it a query block.
pub fn is_query_block(info: &str) -> bool {
    info.split_whitespace().next() == Some("query")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    /// Unique within the text: `load-parameters`, then `load-parameters-1`.
    pub id: String,
    /// Byte range of the section: from the heading to the next heading of the same or a
    /// higher level. The section's text without its heading starts at `body_start`.
    pub start: usize,
    pub body_start: usize,
    pub section_end: usize,
}

/// A paragraph ending in ` ^block-id`, which `[[note#^block-id]]` links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub id: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLink {
    /// Byte offset of the link's start (`[[`, `![[`, `[` or `![`): its key in later stages.
    pub offset: usize,
    pub dest: String,
    pub kind: RawLinkKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawLinkKind {
    Wiki {
        embed: bool,
    },
    /// An ordinary Markdown link or image to a relative path.
    Path {
        image: bool,
    },
}

/// Splits a trailing ` ^block-id` off a paragraph's last text.
pub fn block_marker(text: &str) -> Option<(&str, &str)> {
    let (before, id) = text.rsplit_once('^')?;
    let valid = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let spaced = before.is_empty() || before.ends_with([' ', '\t']);
    (valid && spaced).then(|| (before.trim_end(), id))
}

/// Whether a Markdown link destination points into the site's own files: no scheme, not
/// absolute, not a bare fragment.
pub fn is_relative_path(dest: &str) -> bool {
    if dest.is_empty() || dest.starts_with('#') || dest.starts_with('/') {
        return false;
    }
    let scheme_end = dest.find(':');
    let path_end = dest.find(['/', '?', '#']).unwrap_or(dest.len());
    !matches!(scheme_end, Some(i) if i < path_end)
}

pub fn scan(text: &str, dialect: Dialect) -> Scan {
    let mut scanner = Scanner::new(text);
    for (event, range) in syntax::events(text, dialect) {
        scanner.event(event, range);
    }
    scanner.finish()
}

/// One pass over a text's events: the [`Scan`] so far, and what the events still open say
/// about the ones to come.
struct Scanner<'t> {
    text: &'t str,
    scan: Scan,
    /// The heading being read: its level, where it starts, its text so far.
    heading: Option<(u8, usize, String)>,
    /// Where the open paragraph starts.
    paragraph: Option<usize>,
    /// The paragraph's whole text, to tell a line that is only `^block-id`.
    paragraph_text: String,
    /// The last piece of text, whose end may be a ` ^block-id`.
    last_text: String,
    /// Blocks at the top of the text: how deep the current event is, where the current top
    /// block began, and the last one that ended (which a `^block-id` line after it names).
    depth: usize,
    top_start: usize,
    last_top: Option<(usize, usize)>,
    /// Where each open block quote (or callout) began; and a block id that ended a paragraph
    /// in one, which names the whole quote if the quote ends right after it, as in Obsidian.
    quotes: Vec<usize>,
    quote_block: Option<usize>,
    /// How many headings so far made each id, so that every id is unique.
    seen_ids: std::collections::HashMap<String, usize>,
    /// The first paragraph's phrases, until it is done; `None` once it is.
    first: Option<Vec<Phrase>>,
    /// Inside an embed or a bare wikilink, whose text is not what the page shows.
    hidden_depth: usize,
    /// A ```` ```query ```` block being read.
    query: Option<QueryBlock>,
    /// A ```` ```math ```` block being read: where its TeX starts, and the TeX.
    math_block: Option<MathSpan>,
    /// Open list items: where each starts, and its own last text so far, until a nested block
    /// (a paragraph or a list) ends its own text.
    items: Vec<OpenItem>,
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str) -> Self {
        Scanner {
            text,
            scan: Scan::default(),
            heading: None,
            paragraph: None,
            paragraph_text: String::new(),
            last_text: String::new(),
            depth: 0,
            top_start: 0,
            last_top: None,
            quotes: Vec::new(),
            quote_block: None,
            seen_ids: std::collections::HashMap::new(),
            first: Some(Vec::new()),
            hidden_depth: 0,
            query: None,
            math_block: None,
            items: Vec::new(),
        }
    }

    fn event(&mut self, event: Event, range: std::ops::Range<usize>) {
        self.quote_nesting(&event, range.start, range.end);
        let ended_top = self.block_nesting(&event, range.start, range.end);
        let mut standalone_marker = false;
        // Whether this event's text is a summary's: a paragraph's, or a tight list item's own
        // (a note that opens with a list is summed up by it, not by a paragraph further down).
        let collecting = self.paragraph.is_some()
            || self
                .items
                .last()
                .is_some_and(|item| item.own.is_some() && !item.done);
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                self.heading = Some((level as u8, range.start, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => self.end_heading(range.end),
            Event::Start(Tag::Paragraph) => {
                self.paragraph = Some(range.start);
                self.paragraph_text.clear();
                self.last_text.clear();
                if let Some(item) = self.items.last_mut() {
                    // A loose item: its paragraph carries the block id.
                    item.own = None;
                }
            }
            Event::End(TagEnd::Paragraph) => standalone_marker = self.end_paragraph(range.end),
            Event::Start(Tag::Item) => self.items.push(OpenItem {
                start: range.start,
                own: Some(String::new()),
                done: false,
            }),
            Event::Start(Tag::List(_)) => {
                if let Some(item) = self.items.last_mut() {
                    // The item's own text ends where its nested list begins.
                    item.done = true;
                    finish_first(&mut self.first, &mut self.scan);
                }
            }
            Event::End(TagEnd::Item) => self.end_item(range.end),
            Event::Start(Tag::Link {
                ref dest_url,
                ref title,
                ..
            }) if syntax::is_tag(title) => {
                let name = dest_url.strip_prefix("concept:").unwrap_or(dest_url);
                if !self.scan.tags.iter().any(|t| t == name) {
                    self.scan.tags.push(name.to_string());
                }
                self.scan.links.push(RawLink {
                    offset: range.start,
                    dest: dest_url.to_string(),
                    kind: RawLinkKind::Wiki { embed: false },
                });
            }
            Event::Start(Tag::Link {
                link_type,
                ref dest_url,
                ..
            }) => self.link(link_type, dest_url, false, collecting, range.start),
            Event::Start(Tag::Image {
                link_type,
                ref dest_url,
                ..
            }) => self.link(link_type, dest_url, true, collecting, range.start),
            Event::End(TagEnd::Image) => self.hidden_depth = self.hidden_depth.saturating_sub(1),
            Event::End(TagEnd::Link) if self.hidden_depth > 0 => self.hidden_depth -= 1,
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(ref info))) => {
                self.start_code_block(info, range.start)
            }
            Event::End(TagEnd::CodeBlock) => self.end_code_block(),
            Event::Text(t) if self.query.is_some() => {
                if let Some(block) = self.query.as_mut() {
                    block.query.push_str(&t);
                }
            }
            Event::Text(t) if self.math_block.is_some() => {
                if let Some(block) = self.math_block.as_mut() {
                    if block.tex.is_empty() {
                        block.offset = range.start;
                    }
                    block.tex.push_str(&t);
                }
            }
            Event::Code(ref t) if syntax::is_inline_query(t) => {
                let written = format!("`{}…`", t.chars().take(2).collect::<String>().trim());
                self.scan.unsupported.push(Unsupported {
                    offset: range.start,
                    message: plugin_message(&written, "Dataview"),
                });
            }
            Event::InlineMath(ref t) => self.math(t, false, range.start, collecting),
            Event::DisplayMath(ref t) => self.math(t, true, range.start, collecting),
            Event::Text(t) | Event::Code(t) => self.text(&t, collecting),
            Event::SoftBreak | Event::HardBreak if collecting => {
                if let Some(phrases) = self.first.as_mut() {
                    push_text(phrases, " ");
                }
            }
            _ => {}
        }
        if let (Some(block), false) = (ended_top, standalone_marker) {
            self.last_top = Some(block);
        }
    }

    /// Follows block quotes (and callouts) opening and closing: a block id at the end of a
    /// quote's last paragraph names the quote.
    fn quote_nesting(&mut self, event: &Event, start: usize, end: usize) {
        let change = syntax::quote_nesting(event);
        if let (Some(block), -1, Some(&quote_start)) =
            (self.quote_block, change, self.quotes.last())
        {
            self.scan.blocks[block].start = quote_start;
            self.scan.blocks[block].end = end;
        }
        self.quote_block = None;
        match change {
            1 => self.quotes.push(start),
            -1 => {
                self.quotes.pop();
            }
            _ => {}
        }
    }

    /// Follows blocks opening and closing; returns the range of a top-level block this event
    /// ends.
    fn block_nesting(&mut self, event: &Event, start: usize, end: usize) -> Option<(usize, usize)> {
        match syntax::block_nesting(event) {
            1 => {
                if self.depth == 0 {
                    self.top_start = start;
                }
                self.depth += 1;
                None
            }
            -1 => {
                self.depth = self.depth.saturating_sub(1);
                (self.depth == 0).then_some((self.top_start, end))
            }
            _ => None,
        }
    }

    fn end_heading(&mut self, body_start: usize) {
        let Some((level, start, text)) = self.heading.take() else {
            return;
        };
        let base = slug::slugify(&text);
        let base = if base.is_empty() {
            "section".to_string()
        } else {
            base
        };
        let n = self.seen_ids.entry(base.clone()).or_insert(0);
        let id = if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        *n += 1;
        self.scan.headings.push(Heading {
            level,
            text: text.trim().to_string(),
            id,
            start,
            body_start,
            section_end: 0,
        });
    }

    /// A paragraph ends: its block id, if it has one. Returns whether it was only a
    /// `^block-id` naming the block above it.
    fn end_paragraph(&mut self, end: usize) -> bool {
        let Some(start) = self.paragraph.take() else {
            return false;
        };
        let mut standalone_marker = false;
        let alone = block_marker(self.paragraph_text.trim())
            .filter(|(before, _)| before.is_empty())
            .map(|(_, id)| id.to_string());
        match (alone, self.last_top) {
            // `^id` on a line of its own names the block above it (a table, a list, a
            // quote), as in Obsidian.
            (Some(id), Some((top, top_end))) if self.depth == 0 => {
                self.scan.blocks.push(Block {
                    id,
                    start: top,
                    end: top_end,
                });
                standalone_marker = true;
            }
            _ => {
                if let Some((_, id)) = block_marker(&self.last_text) {
                    self.scan.blocks.push(Block {
                        id: id.to_string(),
                        start,
                        end,
                    });
                    if !self.quotes.is_empty() {
                        self.quote_block = Some(self.scan.blocks.len() - 1);
                    }
                }
            }
        }
        finish_first(&mut self.first, &mut self.scan);
        standalone_marker
    }

    /// A list item ends: a tight item's own text may end with its block id.
    fn end_item(&mut self, end: usize) {
        finish_first(&mut self.first, &mut self.scan);
        if let Some(OpenItem {
            start,
            own: Some(own),
            ..
        }) = self.items.pop()
        {
            if let Some((_, id)) = block_marker(&own) {
                self.scan.blocks.push(Block {
                    id: id.to_string(),
                    start,
                    end,
                });
            }
        }
    }

    /// A link or an image starts: one this tool checks is kept; what an embed or a bare
    /// wikilink holds is not text the page shows (a bare wikilink shows its target's name).
    fn link(
        &mut self,
        link_type: LinkType,
        dest_url: &str,
        image: bool,
        collecting: bool,
        offset: usize,
    ) {
        let scriptable = !matches!(link_type, LinkType::WikiLink { .. } | LinkType::Email)
            && crate::text::is_unsafe_link(dest_url, image);
        if scriptable {
            self.scan.unsupported.push(Unsupported {
                offset,
                message: format!(
                    "`{}` would run code or open a file of the reader's, so it shows as its \
                     text, not as a link",
                    crate::text::excerpt(dest_url, 80)
                ),
            });
        }
        let kind = match link_type {
            LinkType::WikiLink { .. } => Some(RawLinkKind::Wiki { embed: image }),
            // `<someone@example.org>` is a mail link, not a file.
            LinkType::Email => None,
            _ if is_relative_path(dest_url) => Some(RawLinkKind::Path { image }),
            _ => None,
        };
        if let Some(kind) = kind {
            self.scan.links.push(RawLink {
                offset,
                dest: dest_url.to_string(),
                kind,
            });
        }
        let bare = matches!(link_type, LinkType::WikiLink { has_pothole: false });
        if image || self.hidden_depth > 0 || bare {
            if bare && !image && self.hidden_depth == 0 && collecting {
                if let Some(phrases) = self.first.as_mut() {
                    phrases.push(Phrase::Link {
                        offset,
                        written: dest_url.to_string(),
                    });
                }
            }
            self.hidden_depth += 1;
        }
    }

    fn start_code_block(&mut self, info: &str, offset: usize) {
        if is_query_block(info) {
            self.query = Some(QueryBlock {
                offset,
                query: String::new(),
            });
            return;
        }
        let lang = info.split_whitespace().next().unwrap_or("");
        if lang == "mermaid" {
            self.scan.diagrams += 1;
        } else if lang == "math" {
            self.math_block = Some(MathSpan {
                offset,
                tex: String::new(),
                display: true,
            });
        } else if let Some(plugin) = syntax::plugin_block(lang) {
            self.scan.unsupported.push(Unsupported {
                offset,
                message: plugin_message(&format!("```{lang}"), plugin),
            });
        }
    }

    fn end_code_block(&mut self) {
        if let Some(mut block) = self.query.take() {
            block.query = block.query.split_whitespace().collect::<Vec<_>>().join(" ");
            match syntax::obsidian_search_operator(&block.query) {
                // Obsidian's own embedded search, in its own syntax.
                Some(operator) => self.scan.unsupported.push(Unsupported {
                    offset: block.offset,
                    message: format!(
                        "this ```query block is an Obsidian search (`{operator}`), which a published site cannot run; it is shown as code"
                    ),
                }),
                None => self.scan.queries.push(block),
            }
        }
        self.scan.math.extend(self.math_block.take());
    }

    fn math(&mut self, tex: &str, display: bool, offset: usize, collecting: bool) {
        let delimiter = if self.text[offset..].starts_with("$$") {
            2
        } else {
            1
        };
        self.scan.math.push(MathSpan {
            offset: offset + delimiter,
            tex: tex.to_string(),
            display,
        });
        self.scan.words += tex.split_whitespace().count();
        if let Some((_, _, text)) = self.heading.as_mut() {
            text.push_str(tex);
        }
        if collecting && self.hidden_depth == 0 {
            if let Some(phrases) = self.first.as_mut() {
                push_text(phrases, tex);
            }
        }
    }

    fn text(&mut self, t: &str, collecting: bool) {
        self.scan.words += t.split_whitespace().count();
        if self.paragraph.is_some() {
            self.paragraph_text.push_str(t);
        }
        if let Some((_, _, text)) = self.heading.as_mut() {
            text.push_str(t);
        }
        if collecting && self.hidden_depth == 0 {
            if let Some(phrases) = self.first.as_mut() {
                push_text(phrases, t);
            }
        }
        if let Some(item) = self.items.last_mut() {
            if let (Some(own), false, None) = (&mut item.own, item.done, self.paragraph) {
                *own = t.to_string();
            }
        }
        self.last_text = t.to_string();
    }

    /// The scan, with each heading's section: it runs to the next heading of the same or a
    /// higher level.
    fn finish(mut self) -> Scan {
        let starts: Vec<(u8, usize)> = self
            .scan
            .headings
            .iter()
            .map(|h| (h.level, h.start))
            .collect();
        for (i, h) in self.scan.headings.iter_mut().enumerate() {
            h.section_end = starts[i + 1..]
                .iter()
                .find(|(level, _)| *level <= h.level)
                .map_or(self.text.len(), |(_, start)| *start);
        }
        self.scan.blocks.sort_by_key(|b| b.start);
        self.scan
    }
}

/// A list item being scanned.
struct OpenItem {
    start: usize,
    /// Its own last text (the text of a tight item); `None` for a loose item.
    own: Option<String>,
    /// Whether a nested list has begun, after which text is not the item's own.
    done: bool,
}

/// Ends the text gathered for the first paragraph: kept if it says anything, else dropped so
/// that the next paragraph (or list item) may be the first.
fn finish_first(first: &mut Option<Vec<Phrase>>, scan: &mut Scan) {
    if let Some(phrases) = first.as_mut() {
        trim_block_marker(phrases);
        let has_text = phrases.iter().any(|p| match p {
            Phrase::Text(t) => !t.trim().is_empty(),
            Phrase::Link { .. } => true,
        });
        if has_text {
            scan.first_paragraph = first.take().unwrap_or_default();
        } else {
            phrases.clear();
        }
    }
}

fn push_text(phrases: &mut Vec<Phrase>, text: &str) {
    match phrases.last_mut() {
        Some(Phrase::Text(last)) => last.push_str(text),
        _ => phrases.push(Phrase::Text(text.to_string())),
    }
}

/// Drops a trailing ` ^block-id` from a paragraph's phrases.
fn trim_block_marker(phrases: &mut [Phrase]) {
    if let Some(Phrase::Text(last)) = phrases.last_mut() {
        if let Some((before, _)) = block_marker(last) {
            *last = before.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_headings_blocks_and_links() {
        let text = "# A\n\nSee [[b|B]] and ![[q/x]]. ^para\n\n## A\n\n[c](c.md) [web](https://x.org)\n\n# Z\n";
        let scan = scan(text, Dialect::default());
        let ids: Vec<&str> = scan.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["a", "a-1", "z"]);
        assert_eq!(scan.headings[0].section_end, text.find("# Z").unwrap());
        assert_eq!(scan.blocks[0].id, "para");
        let dests: Vec<&str> = scan.links.iter().map(|l| l.dest.as_str()).collect();
        assert_eq!(dests, ["b", "q/x", "c.md"]);
        assert_eq!(scan.links[1].kind, RawLinkKind::Wiki { embed: true });
        assert_eq!(
            scan.first_paragraph,
            [Phrase::Text("See B and .".to_string())]
        );
        let scan = super::scan(
            "Read [[concept:x]] now. ^id\n\n- item ^li\n  - sub\n",
            Dialect::default(),
        );
        assert_eq!(
            scan.first_paragraph,
            [
                Phrase::Text("Read ".to_string()),
                Phrase::Link {
                    offset: 5,
                    written: "concept:x".to_string()
                },
                Phrase::Text(" now.".to_string())
            ]
        );
        let ids: Vec<&str> = scan.blocks.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["id", "li"]);
    }

    #[test]
    fn relative_paths() {
        assert!(is_relative_path("a.md"));
        assert!(is_relative_path("../img/x.png"));
        assert!(!is_relative_path("https://x"));
        assert!(!is_relative_path("mailto:x@y"));
        assert!(!is_relative_path("#top"));
        assert!(!is_relative_path("/abs"));
    }
}
