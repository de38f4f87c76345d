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
    let mut scan = Scan::default();
    let mut heading: Option<(u8, usize, String)> = None;
    let mut paragraph: Option<usize> = None;
    // The paragraph's whole text, to tell a line that is only `^block-id`.
    let mut paragraph_text = String::new();
    // Blocks at the top of the text: how deep the current event is, where the current top
    // block began, and the last one that ended (which a `^block-id` line after it names).
    let mut depth = 0usize;
    let mut top_start = 0usize;
    let mut last_top: Option<(usize, usize)> = None;
    // Where each open block quote (or callout) began; and a block id that ended a paragraph
    // in one, which names the whole quote if the quote ends right after it, as in Obsidian.
    let mut quotes: Vec<usize> = Vec::new();
    let mut quote_block: Option<usize> = None;
    let mut last_text = String::new();
    let mut seen_ids = std::collections::HashMap::<String, usize>::new();
    // The first paragraph's phrases, until it is done; `None` once it is.
    let mut first: Option<Vec<Phrase>> = Some(Vec::new());
    // Inside an embed or a bare wikilink, whose text is not what the page shows.
    let mut hidden_depth = 0usize;
    let mut query: Option<QueryBlock> = None;
    // A ```math block being read: where its TeX starts, and the TeX.
    let mut math_block: Option<MathSpan> = None;
    // Open list items: where each starts, and its own last text so far, until a nested block
    // (a paragraph or a list) ends its own text.
    let mut items: Vec<OpenItem> = Vec::new();

    for (event, range) in syntax::events(text, dialect) {
        let mut ended_top = None;
        // A block id at the end of a quote's last paragraph names the quote.
        let quote_change = syntax::quote_nesting(&event);
        if let (Some(block), -1, Some(&start)) = (quote_block, quote_change, quotes.last()) {
            scan.blocks[block].start = start;
            scan.blocks[block].end = range.end;
        }
        quote_block = None;
        match quote_change {
            1 => quotes.push(range.start),
            -1 => {
                quotes.pop();
            }
            _ => {}
        }
        match syntax::block_nesting(&event) {
            1 => {
                if depth == 0 {
                    top_start = range.start;
                }
                depth += 1;
            }
            -1 => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    ended_top = Some((top_start, range.end));
                }
            }
            _ => {}
        }
        let mut standalone_marker = false;
        // Whether this event's text is a summary's: a paragraph's, or a tight list item's own
        // (a note that opens with a list is summed up by it, not by a paragraph further down).
        let collecting = paragraph.is_some()
            || items
                .last()
                .is_some_and(|item| item.own.is_some() && !item.done);
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, range.start, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, start, text)) = heading.take() {
                    let base = slug::slugify(&text);
                    let base = if base.is_empty() {
                        "section".to_string()
                    } else {
                        base
                    };
                    let n = seen_ids.entry(base.clone()).or_insert(0);
                    let id = if *n == 0 {
                        base.clone()
                    } else {
                        format!("{base}-{n}")
                    };
                    *n += 1;
                    scan.headings.push(Heading {
                        level,
                        text: text.trim().to_string(),
                        id,
                        start,
                        body_start: range.end,
                        section_end: 0,
                    });
                }
            }
            Event::Start(Tag::Paragraph) => {
                paragraph = Some(range.start);
                paragraph_text.clear();
                last_text.clear();
                if let Some(item) = items.last_mut() {
                    // A loose item: its paragraph carries the block id.
                    item.own = None;
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(start) = paragraph.take() {
                    let alone = block_marker(paragraph_text.trim())
                        .filter(|(before, _)| before.is_empty())
                        .map(|(_, id)| id.to_string());
                    match (alone, last_top) {
                        // `^id` on a line of its own names the block above it (a table, a
                        // list, a quote), as in Obsidian.
                        (Some(id), Some((top, end))) if depth == 0 => {
                            scan.blocks.push(Block {
                                id,
                                start: top,
                                end,
                            });
                            standalone_marker = true;
                        }
                        _ => {
                            if let Some((_, id)) = block_marker(&last_text) {
                                scan.blocks.push(Block {
                                    id: id.to_string(),
                                    start,
                                    end: range.end,
                                });
                                if !quotes.is_empty() {
                                    quote_block = Some(scan.blocks.len() - 1);
                                }
                            }
                        }
                    }
                    finish_first(&mut first, &mut scan);
                }
            }
            Event::Start(Tag::Item) => items.push(OpenItem {
                start: range.start,
                own: Some(String::new()),
                done: false,
            }),
            Event::Start(Tag::List(_)) => {
                if let Some(item) = items.last_mut() {
                    // The item's own text ends where its nested list begins.
                    item.done = true;
                    finish_first(&mut first, &mut scan);
                }
            }
            Event::End(TagEnd::Item) => {
                finish_first(&mut first, &mut scan);
                if let Some(OpenItem {
                    start,
                    own: Some(own),
                    ..
                }) = items.pop()
                {
                    if let Some((_, id)) = block_marker(&own) {
                        scan.blocks.push(Block {
                            id: id.to_string(),
                            start,
                            end: range.end,
                        });
                    }
                }
            }
            Event::Start(Tag::Link {
                ref dest_url,
                ref title,
                ..
            }) if syntax::is_tag(title) => {
                let name = dest_url.strip_prefix("concept:").unwrap_or(dest_url);
                if !scan.tags.iter().any(|t| t == name) {
                    scan.tags.push(name.to_string());
                }
                scan.links.push(RawLink {
                    offset: range.start,
                    dest: dest_url.to_string(),
                    kind: RawLinkKind::Wiki { embed: false },
                });
            }
            Event::Start(Tag::Link {
                link_type,
                ref dest_url,
                ..
            })
            | Event::Start(Tag::Image {
                link_type,
                ref dest_url,
                ..
            }) => {
                let image = matches!(event, Event::Start(Tag::Image { .. }));
                let kind = match link_type {
                    LinkType::WikiLink { .. } => Some(RawLinkKind::Wiki { embed: image }),
                    // `<someone@example.org>` is a mail link, not a file.
                    LinkType::Email => None,
                    _ if is_relative_path(dest_url) => Some(RawLinkKind::Path { image }),
                    _ => None,
                };
                if let Some(kind) = kind {
                    scan.links.push(RawLink {
                        offset: range.start,
                        dest: dest_url.to_string(),
                        kind,
                    });
                }
                let bare = matches!(link_type, LinkType::WikiLink { has_pothole: false });
                if image || hidden_depth > 0 || bare {
                    if bare && !image && hidden_depth == 0 && collecting {
                        if let Some(phrases) = first.as_mut() {
                            phrases.push(Phrase::Link {
                                offset: range.start,
                                written: dest_url.to_string(),
                            });
                        }
                    }
                    hidden_depth += 1;
                }
            }
            Event::End(TagEnd::Image) => hidden_depth = hidden_depth.saturating_sub(1),
            Event::End(TagEnd::Link) if hidden_depth > 0 => hidden_depth -= 1,
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(ref info)))
                if is_query_block(info) =>
            {
                query = Some(QueryBlock {
                    offset: range.start,
                    query: String::new(),
                });
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(ref info))) => {
                let lang = info.split_whitespace().next().unwrap_or("");
                if lang == "mermaid" {
                    scan.diagrams += 1;
                } else if lang == "math" {
                    math_block = Some(MathSpan {
                        offset: range.start,
                        tex: String::new(),
                        display: true,
                    });
                } else if let Some(plugin) = syntax::plugin_block(lang) {
                    scan.unsupported.push(Unsupported {
                        offset: range.start,
                        message: plugin_message(&format!("```{lang}"), plugin),
                    });
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(mut block) = query.take() {
                    block.query = block.query.split_whitespace().collect::<Vec<_>>().join(" ");
                    match syntax::obsidian_search_operator(&block.query) {
                        // Obsidian's own embedded search, in its own syntax.
                        Some(operator) => scan.unsupported.push(Unsupported {
                            offset: block.offset,
                            message: format!(
                                "this ```query block is an Obsidian search (`{operator}`), which a published site cannot run; it is shown as code"
                            ),
                        }),
                        None => scan.queries.push(block),
                    }
                }
                scan.math.extend(math_block.take());
            }
            Event::Text(t) if query.is_some() => {
                if let Some(block) = query.as_mut() {
                    block.query.push_str(&t);
                }
            }
            Event::Text(t) if math_block.is_some() => {
                if let Some(block) = math_block.as_mut() {
                    if block.tex.is_empty() {
                        block.offset = range.start;
                    }
                    block.tex.push_str(&t);
                }
            }
            Event::Code(ref t) if syntax::is_inline_query(t) => {
                let written = format!("`{}…`", t.chars().take(2).collect::<String>().trim());
                scan.unsupported.push(Unsupported {
                    offset: range.start,
                    message: plugin_message(&written, "Dataview"),
                });
            }
            Event::InlineMath(ref t) | Event::DisplayMath(ref t) => {
                let display = matches!(event, Event::DisplayMath(_));
                let delimiter = if text[range.start..].starts_with("$$") {
                    2
                } else {
                    1
                };
                scan.math.push(MathSpan {
                    offset: range.start + delimiter,
                    tex: t.to_string(),
                    display,
                });
                scan.words += t.split_whitespace().count();
                if let Some((_, _, text)) = heading.as_mut() {
                    text.push_str(t);
                }
                if collecting && hidden_depth == 0 {
                    if let Some(phrases) = first.as_mut() {
                        push_text(phrases, t);
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                scan.words += t.split_whitespace().count();
                if paragraph.is_some() {
                    paragraph_text.push_str(&t);
                }
                if let Some((_, _, text)) = heading.as_mut() {
                    text.push_str(&t);
                }
                if collecting && hidden_depth == 0 {
                    if let Some(phrases) = first.as_mut() {
                        push_text(phrases, &t);
                    }
                }
                if let Some(item) = items.last_mut() {
                    if let (Some(own), false, None) = (&mut item.own, item.done, paragraph) {
                        *own = t.to_string();
                    }
                }
                last_text = t.to_string();
            }
            Event::SoftBreak | Event::HardBreak if collecting => {
                if let Some(phrases) = first.as_mut() {
                    push_text(phrases, " ");
                }
            }
            _ => {}
        }
        if let (Some(block), false) = (ended_top, standalone_marker) {
            last_top = Some(block);
        }
    }

    // A section runs to the next heading of the same or a higher level.
    let starts: Vec<(u8, usize)> = scan.headings.iter().map(|h| (h.level, h.start)).collect();
    for (i, h) in scan.headings.iter_mut().enumerate() {
        h.section_end = starts[i + 1..]
            .iter()
            .find(|(level, _)| *level <= h.level)
            .map_or(text.len(), |(_, start)| *start);
    }
    scan.blocks.sort_by_key(|b| b.start);
    scan
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
