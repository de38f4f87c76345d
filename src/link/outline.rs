//! One pass over a Markdown text: its headings, block ids, links and a plain-text summary.
//! The render stage parses the same text with the same options, so byte offsets agree.

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};

use crate::slug;

/// The Markdown dialect of notes: CommonMark plus GitHub tables, footnotes, strikethrough, task
/// lists, and Obsidian's `[[wikilinks]]`.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_WIKILINKS
        | Options::ENABLE_GFM
}

#[derive(Debug, Clone, Default)]
pub struct Scan {
    pub headings: Vec<Heading>,
    pub blocks: Vec<Block>,
    pub links: Vec<RawLink>,
    /// The first paragraph as plain text.
    pub first_paragraph: String,
    pub words: usize,
    /// Fenced ```` ```query ```` blocks: a living list of the quotes a search finds.
    pub queries: Vec<QueryBlock>,
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

pub fn scan(text: &str) -> Scan {
    let mut scan = Scan::default();
    let mut heading: Option<(u8, usize, String)> = None;
    let mut paragraph: Option<(usize, String)> = None;
    let mut last_text = String::new();
    let mut seen_ids = std::collections::HashMap::<String, usize>::new();
    let mut first_paragraph_done = false;
    let mut embed_depth = 0;
    let mut query: Option<QueryBlock> = None;

    for (event, range) in Parser::new_ext(text, markdown_options()).into_offset_iter() {
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
                paragraph = Some((range.start, String::new()));
                last_text.clear();
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some((start, plain)) = paragraph.take() {
                    if let Some((_, id)) = block_marker(&last_text) {
                        scan.blocks.push(Block {
                            id: id.to_string(),
                            start,
                            end: range.end,
                        });
                    }
                    if !first_paragraph_done && !plain.trim().is_empty() {
                        scan.first_paragraph = plain.trim().to_string();
                        first_paragraph_done = true;
                    }
                }
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
                if matches!(kind, Some(RawLinkKind::Wiki { embed: true })) {
                    embed_depth += 1;
                }
            }
            Event::End(TagEnd::Image) => {
                embed_depth = 0;
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(ref info)))
                if is_query_block(info) =>
            {
                query = Some(QueryBlock {
                    offset: range.start,
                    query: String::new(),
                });
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(mut block) = query.take() {
                    block.query = block.query.split_whitespace().collect::<Vec<_>>().join(" ");
                    scan.queries.push(block);
                }
            }
            Event::Text(t) if query.is_some() => {
                if let Some(block) = query.as_mut() {
                    block.query.push_str(&t);
                }
            }
            Event::Text(t) | Event::Code(t) => {
                scan.words += t.split_whitespace().count();
                if let Some((_, _, text)) = heading.as_mut() {
                    text.push_str(&t);
                }
                if let Some((_, plain)) = paragraph.as_mut() {
                    if embed_depth == 0 {
                        plain.push_str(&t);
                    }
                }
                last_text = t.to_string();
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, plain)) = paragraph.as_mut() {
                    plain.push(' ');
                }
            }
            _ => {}
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
    if let Some((before, _)) = block_marker(&scan.first_paragraph) {
        scan.first_paragraph = before.to_string();
    }
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_headings_blocks_and_links() {
        let text = "# A\n\nSee [[b|B]] and ![[q/x]]. ^para\n\n## A\n\n[c](c.md) [web](https://x.org)\n\n# Z\n";
        let scan = scan(text);
        let ids: Vec<&str> = scan.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["a", "a-1", "z"]);
        assert_eq!(scan.headings[0].section_end, text.find("# Z").unwrap());
        assert_eq!(scan.blocks[0].id, "para");
        let dests: Vec<&str> = scan.links.iter().map(|l| l.dest.as_str()).collect();
        assert_eq!(dests, ["b", "q/x", "c.md"]);
        assert_eq!(scan.links[1].kind, RawLinkKind::Wiki { embed: true });
        assert_eq!(scan.first_paragraph, "See B and .");
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
