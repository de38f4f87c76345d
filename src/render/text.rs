//! The text a reader sees of a Markdown text, for summaries, meta descriptions, the feed and
//! search documents: each link as the page labels it, never its syntax; no markup, no
//! embeds (an embedded quote or note is a document of its own), no block-id markers.

use pulldown_cmark::{Event, LinkType, Tag, TagEnd};

use super::markdown::label;
use crate::link::outline::{self, Phrase};
use crate::link::{Graph, Outline};
use crate::load::Markdown;
use crate::syntax::{self, Dialect};

/// A note's summary when it has none of its own: its first paragraph's text, cut to about 200
/// characters at a word.
pub fn summary(graph: &Graph, outline: &Outline) -> String {
    let mut text = String::new();
    for phrase in &outline.scan.first_paragraph {
        match phrase {
            Phrase::Text(t) => text.push_str(t),
            Phrase::Link { offset, written } => {
                text.push_str(&label(graph, outline.links.get(offset), written));
            }
        }
    }
    crate::text::shorten(&text, 200)
}

/// All of a text as a reader sees it: paragraphs, headings, list items and cells each on
/// their own line.
pub fn plain(graph: &Graph, markdown: &Markdown, outline: &Outline) -> String {
    let text = &markdown.text;
    let mut out = String::with_capacity(text.len());
    // Inside an embed, or inside a wikilink whose label this writes instead of its text.
    let mut hidden = 0usize;
    let mut paragraph_start = None;
    for (event, range) in syntax::events(text, Dialect::of(&graph.config)) {
        match event {
            Event::Start(Tag::Image { .. }) => hidden += 1,
            Event::End(TagEnd::Image) => hidden = hidden.saturating_sub(1),
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { has_pothole: false },
                dest_url,
                ..
            }) => {
                if hidden == 0 {
                    out.push_str(&label(graph, outline.links.get(&range.start), &dest_url));
                }
                hidden += 1;
            }
            Event::End(TagEnd::Link) if hidden > 0 => hidden -= 1,
            _ if hidden > 0 => {}
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::Start(Tag::Paragraph) => paragraph_start = Some(out.len()),
            Event::End(TagEnd::Paragraph) => {
                if let Some(start) = paragraph_start.take() {
                    if let Some((before, _)) = outline::block_marker(&out[start..]) {
                        out.truncate(start + before.len());
                    }
                }
                out.push('\n');
            }
            Event::End(TagEnd::Item) => {
                let line = out.rfind('\n').map_or(0, |i| i + 1);
                if let Some((before, _)) = outline::block_marker(&out[line..]) {
                    out.truncate(line + before.len());
                }
                out.push('\n');
            }
            Event::End(TagEnd::Heading(_) | TagEnd::TableCell) => out.push('\n'),
            // A callout's title, which the callout's HTML wraps.
            Event::Html(html) if html.contains("callout-content") => out.push('\n'),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_alone(text: &str) -> String {
        let (graph, markdown, outline) =
            super::super::markdown::alone(text, crate::config::Config::default());
        plain(&graph, &markdown, &outline)
    }

    #[test]
    fn plain_text_leaves_out_syntax_embeds_and_block_markers() {
        let text = "Intro with a [[link|label]] and [[concept:load-parameters]].\n\n![[ddia/quote]]\n\nThe ==point==. ^tail\n\n# Head #tag\n\n- item ^li\n\n> [!tip] Title\n> Body\n";
        assert_eq!(
            plain_alone(text),
            "Intro with a label and load-parameters.\n\nThe point.\nHead #tag\nitem\nTitle\nBody\n"
        );
    }
}
