//! Markdown to HTML for notes, annotations and concept descriptions: pulldown-cmark's events
//! with links rewritten to page URLs, embeds expanded, and ids on headings and blocks.

use std::ops::Range;

use pulldown_cmark::{html, CodeBlockKind, CowStr, Event, LinkType, Parser, Tag, TagEnd};

use super::urls::Urls;
use crate::link::outline::{self, markdown_options};
use crate::link::{Anchor, Graph, Outline, Target};
use crate::load::Markdown;

/// Renders Markdown with everything the link stage resolved.
pub struct MarkdownRenderer<'g> {
    pub graph: &'g Graph,
    pub urls: &'g Urls,
}

/// Which part of a text to render, and whether its headings get ids (only the page's own text
/// does: an embedded note's headings would repeat ids across the page).
struct Part<'a> {
    markdown: &'a Markdown,
    outline: &'a Outline,
    /// The note the text belongs to, if it is a note's: its ```query blocks have results.
    note: Option<usize>,
    range: Range<usize>,
    heading_ids: bool,
}

impl<'g> MarkdownRenderer<'g> {
    /// Renders a whole text as the main content of a page.
    pub fn render(&self, markdown: &Markdown, outline: &Outline, note: Option<usize>) -> String {
        let part = Part {
            markdown,
            outline,
            note,
            range: 0..markdown.text.len(),
            heading_ids: true,
        };
        self.render_part(&part, &mut Vec::new())
    }

    /// Renders a text with `stack` holding the notes being embedded around it, so a cycle is
    /// cut (the link stage has already reported it as an error).
    fn render_part(&self, part: &Part, stack: &mut Vec<usize>) -> String {
        let text = &part.markdown.text[part.range.clone()];
        let base = part.range.start;
        let events: Vec<(Event, Range<usize>)> = Parser::new_ext(text, markdown_options())
            .into_offset_iter()
            .map(|(e, r)| (e, r.start + base..r.end + base))
            .collect();
        let mut out: Vec<Event> = Vec::with_capacity(events.len());
        let mut i = 0;
        while i < events.len() {
            let (event, range) = &events[i];
            match event {
                Event::Start(Tag::Paragraph) => {
                    let end = find_end(&events, i, |e| matches!(e, Event::End(TagEnd::Paragraph)));
                    self.paragraph(part, &events[i + 1..end], stack, &mut out);
                    i = end + 1;
                    continue;
                }
                Event::Start(Tag::Heading {
                    level,
                    classes,
                    attrs,
                    ..
                }) => {
                    let id = part
                        .heading_ids
                        .then(|| {
                            part.outline
                                .scan
                                .headings
                                .iter()
                                .find(|h| h.start == range.start)
                                .map(|h| CowStr::from(h.id.clone()))
                        })
                        .flatten();
                    out.push(Event::Start(Tag::Heading {
                        level: *level,
                        id,
                        classes: classes.clone(),
                        attrs: attrs.clone(),
                    }));
                }
                Event::Start(Tag::Link { .. }) | Event::Start(Tag::Image { .. }) => {
                    i = self.link(part, &events, i, stack, &mut out);
                    continue;
                }
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                    if outline::is_query_block(info) =>
                {
                    let results = part
                        .note
                        .and_then(|n| self.graph.queries.get(&(n, range.start)));
                    if let Some(quotes) = results {
                        let end =
                            find_end(&events, i, |e| matches!(e, Event::End(TagEnd::CodeBlock)));
                        let query = part
                            .outline
                            .scan
                            .queries
                            .iter()
                            .find(|q| q.offset == range.start);
                        let query = query.map_or("", |q| q.query.as_str());
                        out.push(Event::Html(self.query_results(query, quotes).into()));
                        i = end + 1;
                        continue;
                    }
                    out.push(events[i].0.clone());
                }
                other => out.push(other.clone()),
            }
            i += 1;
        }
        let mut html_out = String::with_capacity(text.len() * 3 / 2);
        html::push_html(&mut html_out, out.into_iter());
        html_out
    }

    /// A paragraph: one that holds only an embed becomes the embed itself (a `<figure>` may not
    /// sit in a `<p>`); one that ends in ` ^block-id` gets that id, without the marker.
    fn paragraph<'e>(
        &self,
        part: &Part,
        inner: &[(Event<'e>, Range<usize>)],
        stack: &mut Vec<usize>,
        out: &mut Vec<Event<'e>>,
    ) {
        let meaningful: Vec<&(Event, Range<usize>)> = inner
            .iter()
            .filter(|(e, _)| !matches!(e, Event::Text(t) if t.trim().is_empty()))
            .collect();
        if let Some((
            Event::Start(Tag::Image {
                link_type: LinkType::WikiLink { .. },
                ..
            }),
            r,
        )) = meaningful.first()
        {
            let is_alone = matches!(meaningful.last(), Some((Event::End(TagEnd::Image), _)))
                && inner
                    .iter()
                    .filter(|(e, _)| matches!(e, Event::Start(Tag::Image { .. })))
                    .count()
                    == 1;
            if let (true, Some(target)) = (is_alone, part.outline.links.get(&r.start)) {
                if !matches!(target, Target::Asset(_)) {
                    let written = written_target(inner);
                    out.push(Event::Html(self.embed(target, &written, stack).into()));
                    return;
                }
            }
        }

        let mut events: Vec<(Event<'e>, Range<usize>)> = inner.to_vec();
        let mut block_id = None;
        if let Some((Event::Text(last), _)) = events.last() {
            if let Some((before, id)) = outline::block_marker(last) {
                block_id = Some(id.to_string());
                let kept = before.to_string();
                let n = events.len() - 1;
                events[n].0 = Event::Text(kept.into());
            }
        }
        match &block_id {
            Some(id) => out.push(Event::Html(format!("<p id=\"^{}\">", escape(id)).into())),
            None => out.push(Event::Start(Tag::Paragraph)),
        }
        let mut i = 0;
        while i < events.len() {
            match &events[i].0 {
                Event::Start(Tag::Link { .. }) | Event::Start(Tag::Image { .. }) => {
                    i = self.link(part, &events, i, stack, out);
                }
                other => {
                    out.push(other.clone());
                    i += 1;
                }
            }
        }
        match block_id {
            Some(_) => out.push(Event::Html("</p>\n".into())),
            None => out.push(Event::End(TagEnd::Paragraph)),
        }
    }

    /// Rewrites the link or image starting at `events[i]`; returns the index after it.
    fn link<'e>(
        &self,
        part: &Part,
        events: &[(Event<'e>, Range<usize>)],
        i: usize,
        stack: &mut Vec<usize>,
        out: &mut Vec<Event<'e>>,
    ) -> usize {
        let (event, range) = &events[i];
        let is_image = matches!(event, Event::Start(Tag::Image { .. }));
        let end = find_end(events, i, |e| {
            matches!(e, Event::End(TagEnd::Link) | Event::End(TagEnd::Image))
        });
        let (link_type, dest_url, title, id) = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            })
            | Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => (*link_type, dest_url, title, id),
            _ => unreachable!("called on a link or image start"),
        };
        let target = part.outline.links.get(&range.start);
        let inner = &events[i + 1..end];

        if let LinkType::WikiLink { has_pothole } = link_type {
            let written = dest_url.to_string();
            let display = display_text(&written);
            let Some(target) = target else {
                // Not resolved (a text rendered outside a site): its visible text alone.
                if has_pothole {
                    out.extend(inner.iter().map(|(e, _)| e.clone()));
                } else {
                    out.push(Event::Text(display.into()));
                }
                return end + 1;
            };
            if is_image {
                let html = match target {
                    Target::Asset(path) => {
                        let alt = if has_pothole {
                            plain_text(inner)
                        } else {
                            display
                        };
                        asset_embed(&self.urls.asset(path), path, &alt)
                    }
                    other => self.embed(other, &written, stack),
                };
                out.push(Event::InlineHtml(html.into()));
                return end + 1;
            }
            // Concepts and sources read better by their titles than by their ids.
            let display = match target {
                Target::Concept(name) => self
                    .graph
                    .concepts
                    .get(name)
                    .map_or(display, |c| c.title.clone()),
                Target::Source(s) => self.graph.sources[*s].source.title.clone(),
                _ => display,
            };
            match self.target_url(target) {
                Some(url) => {
                    out.push(Event::InlineHtml(
                        format!("<a href=\"{}\" class=\"internal\">", escape(&url)).into(),
                    ));
                    if has_pothole {
                        out.extend(inner.iter().map(|(e, _)| e.clone()));
                    } else {
                        out.push(Event::Text(display.into()));
                    }
                    out.push(Event::InlineHtml("</a>".into()));
                }
                None => {
                    out.push(Event::InlineHtml(
                        "<span class=\"broken-link\" title=\"This link's target does not exist\">"
                            .into(),
                    ));
                    if has_pothole {
                        out.extend(inner.iter().map(|(e, _)| e.clone()));
                    } else {
                        out.push(Event::Text(display.into()));
                    }
                    out.push(Event::InlineHtml("</span>".into()));
                }
            }
            return end + 1;
        }

        // An ordinary Markdown link or image: only its destination changes.
        let new_dest = match target.and_then(|t| self.target_url(t)) {
            Some(url) => CowStr::from(url),
            None => match self.urls.root_relative(dest_url) {
                Some(prefixed) => CowStr::from(prefixed),
                None => dest_url.clone(),
            },
        };
        let start = if is_image {
            Tag::Image {
                link_type,
                dest_url: new_dest,
                title: title.clone(),
                id: id.clone(),
            }
        } else {
            Tag::Link {
                link_type,
                dest_url: new_dest,
                title: title.clone(),
                id: id.clone(),
            }
        };
        out.push(Event::Start(start));
        let mut j = i + 1;
        while j < end {
            match &events[j].0 {
                Event::Start(Tag::Link { .. }) | Event::Start(Tag::Image { .. }) => {
                    j = self.link(part, events, j, stack, out);
                }
                other => {
                    out.push(other.clone());
                    j += 1;
                }
            }
        }
        out.push(events[end].0.clone());
        end + 1
    }

    /// The quotes a ```query block found, as a list like a concept page's.
    fn query_results(&self, query: &str, quotes: &[(usize, usize)]) -> String {
        let mut html = format!(
            "<div class=\"query-results\">\n<p class=\"query\"><code>{}</code> · {}</p>\n<ul class=\"quote-list\">\n",
            escape(query),
            crate::plural(quotes.len(), "quote")
        );
        for &(s, q) in quotes {
            let source = &self.graph.sources[s];
            let quote = &source.quotes[q].quote;
            html.push_str(&format!(
                "<li class=\"quote-item\">\n  <blockquote><a href=\"{}\">{}</a></blockquote>\n  <div class=\"meta\"><a href=\"{}\">{}</a>",
                escape(&self.urls.quote(&source.source.id, &quote.id)),
                escape(&quote.text),
                escape(&self.urls.source(&source.source.id)),
                escape(&source.source.title),
            ));
            if let Some(locator) = &quote.locator {
                html.push_str(&format!(
                    ", <span class=\"locator\">{}</span>",
                    escape(locator)
                ));
            }
            html.push_str("</div>\n</li>\n");
        }
        html.push_str("</ul>\n</div>\n");
        html
    }

    /// The page URL of a link target, or `None` for a broken link.
    pub fn target_url(&self, target: &Target) -> Option<String> {
        let g = self.graph;
        Some(match target {
            Target::Note { note, anchor } => {
                let url = self.urls.note(&g.notes[*note].note.slug);
                match anchor {
                    Some(Anchor::Heading(id)) => format!("{url}#{id}"),
                    Some(Anchor::Block(id)) => format!("{url}#^{id}"),
                    None => url,
                }
            }
            Target::Quote { source, quote } => {
                let s = &g.sources[*source];
                self.urls.quote(&s.source.id, &s.quotes[*quote].quote.id)
            }
            Target::Concept(name) => self.urls.concept(name),
            Target::Source(s) => self.urls.source(&g.sources[*s].source.id),
            Target::Asset(path) => self.urls.asset(path),
            Target::Broken => return None,
        })
    }

    /// The HTML of `![[...]]`: a quote with its attribution, a note or one of its sections,
    /// or, for concepts and sources, a link.
    fn embed(&self, target: &Target, written: &str, stack: &mut Vec<usize>) -> String {
        let g = self.graph;
        match target {
            Target::Quote { source, quote } => {
                let s = &g.sources[*source];
                let q = &s.quotes[*quote].quote;
                let mut attribution = String::from("— ");
                if let Some(author) = &s.source.author {
                    attribution.push_str(&escape(author));
                    attribution.push_str(", ");
                }
                attribution.push_str(&format!(
                    "<cite><a href=\"{}\">{}</a></cite>",
                    escape(&self.urls.source(&s.source.id)),
                    escape(&s.source.title)
                ));
                if let Some(locator) = &q.locator {
                    attribution.push_str(&format!(", {}", escape(locator)));
                }
                format!(
                    "<figure class=\"embed embed-quote\">\n<blockquote>{}</blockquote>\n<figcaption>{} <a class=\"permalink\" href=\"{}\" title=\"The quote's page\">¶</a></figcaption>\n</figure>\n",
                    quote_paragraphs(&q.text),
                    attribution,
                    escape(&self.urls.quote(&s.source.id, &q.id)),
                )
            }
            Target::Note { note, anchor } => {
                let linked = &g.notes[*note];
                let url = self.target_url(target).unwrap_or_default();
                if stack.contains(note) {
                    return format!(
                        "<a href=\"{}\" class=\"internal\">{}</a>",
                        escape(&url),
                        escape(&linked.note.title)
                    );
                }
                let scan = &linked.outline.scan;
                let (range, heading) = match anchor {
                    Some(Anchor::Heading(id)) => match scan.headings.iter().find(|h| &h.id == id) {
                        // The embed's title names the heading, so the section goes without it.
                        Some(h) => (h.body_start..h.section_end, Some(h.text.as_str())),
                        None => (0..linked.note.body.text.len(), None),
                    },
                    Some(Anchor::Block(id)) => match scan.blocks.iter().find(|b| &b.id == id) {
                        Some(b) => (b.start..b.end, None),
                        None => (0..linked.note.body.text.len(), None),
                    },
                    None => (0..linked.note.body.text.len(), None),
                };
                stack.push(*note);
                let body = self.render_part(
                    &Part {
                        markdown: &linked.note.body,
                        outline: &linked.outline,
                        range,
                        heading_ids: false,
                        note: Some(*note),
                    },
                    stack,
                );
                stack.pop();
                let title = match heading {
                    Some(h) => format!("{} › {}", linked.note.title, h),
                    None => linked.note.title.clone(),
                };
                format!(
                    "<div class=\"embed embed-note\">\n<div class=\"embed-title\"><a href=\"{}\" class=\"internal\">{}</a></div>\n{}</div>\n",
                    escape(&url),
                    escape(&title),
                    body
                )
            }
            Target::Concept(_) | Target::Source(_) | Target::Asset(_) => {
                let url = self.target_url(target).unwrap_or_default();
                format!(
                    "<a href=\"{}\" class=\"internal\">{}</a>",
                    escape(&url),
                    escape(&display_text(written))
                )
            }
            Target::Broken => format!(
                "<span class=\"broken-link\" title=\"This link's target does not exist\">{}</span>",
                escape(&display_text(written))
            ),
        }
    }
}

/// The index of the event that closes the one at `start`, counting nested starts.
fn find_end(
    events: &[(Event, Range<usize>)],
    start: usize,
    is_end: impl Fn(&Event) -> bool,
) -> usize {
    let mut depth = 0usize;
    for (j, (e, _)) in events.iter().enumerate().skip(start + 1) {
        match e {
            Event::Start(_) => depth += 1,
            e if depth == 0 && is_end(e) => return j,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    events.len().saturating_sub(1)
}

/// The visible text of a wikilink without a `|`: what was written, minus a kind prefix.
pub fn display_text(written: &str) -> String {
    let (_, name) = crate::link::resolve::split_prefix(written.trim());
    name.replace('#', " › ").trim().to_string()
}

fn written_target(inner: &[(Event, Range<usize>)]) -> String {
    inner
        .iter()
        .find_map(|(e, _)| match e {
            Event::Start(Tag::Image { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .unwrap_or_default()
}

fn plain_text(events: &[(Event, Range<usize>)]) -> String {
    events
        .iter()
        .filter_map(|(e, _)| match e {
            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect()
}

/// An embedded file: images inline, audio and video with controls, anything else as a link.
/// As in Obsidian, `![[pic.png|300]]` and `![[pic.png|300x200]]` give a size, not alt text.
fn asset_embed(url: &str, path: &str, alt: &str) -> String {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let size = image_size(alt);
    let alt = if size.is_some() {
        path.rsplit('/').next().unwrap_or(path)
    } else {
        alt
    };
    let (url, alt) = (escape(url), escape(alt));
    match ext.as_str() {
        "png" | "jpg" | "jpeg" | "gif" | "svg" | "webp" | "avif" | "bmp" => {
            let size = match size {
                Some((width, Some(height))) => format!(" width=\"{width}\" height=\"{height}\""),
                Some((width, None)) => format!(" width=\"{width}\""),
                None => String::new(),
            };
            format!("<img src=\"{url}\" alt=\"{alt}\"{size} loading=\"lazy\">")
        }
        "mp4" | "webm" | "mov" => format!("<video src=\"{url}\" controls></video>"),
        "mp3" | "ogg" | "wav" | "m4a" | "flac" => format!("<audio src=\"{url}\" controls></audio>"),
        _ => format!("<a href=\"{url}\" class=\"internal\">{alt}</a>"),
    }
}

/// `300` or `300x200`, as Obsidian writes an embedded image's size.
fn image_size(text: &str) -> Option<(u32, Option<u32>)> {
    let (width, height) = match text.trim().split_once('x') {
        Some((w, h)) => (w, Some(h)),
        None => (text.trim(), None),
    };
    let width = width.parse().ok()?;
    match height {
        Some(h) => Some((width, Some(h.parse().ok()?))),
        None => Some((width, None)),
    }
}

/// A quote's text as paragraphs: blank lines separate paragraphs, single newlines break lines.
pub fn quote_paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", escape(p).replace('\n', "<br>\n")))
        .collect::<Vec<_>>()
        .join("\n")
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

/// Renders Markdown on its own, as the body of a note in an empty site (links to other pages
/// stay unresolved). For tests and tools that need the note renderer without a site.
pub fn render_alone(text: &str) -> String {
    use crate::diagnostic::Origin;
    let graph = Graph {
        config: crate::config::Config::default(),
        notes: Vec::new(),
        sources: Vec::new(),
        concepts: Default::default(),
        assets: Vec::new(),
        queries: Default::default(),
    };
    let urls = Urls {
        base: String::new(),
        absolute_base: "/".to_string(),
    };
    let markdown = Markdown {
        text: text.to_string(),
        origin: Origin::at_line(1),
        file: "note.md".into(),
        dir: "notes".to_string(),
    };
    let outline = Outline {
        scan: outline::scan(text),
        links: Default::default(),
    };
    MarkdownRenderer {
        graph: &graph,
        urls: &urls,
    }
    .render(&markdown, &outline, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_alerts_become_classed_blockquotes() {
        let html = render_alone("> [!WARNING]\n> Careful.\n");
        assert_eq!(
            html,
            "<blockquote class=\"markdown-alert-warning\">\n<p>Careful.</p>\n</blockquote>\n"
        );
    }

    #[test]
    fn escapes_markup_characters_only() {
        assert_eq!(
            escape(r#"<a href="x">Tom & Jerry's</a> é"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt; é"
        );
        assert_eq!(escape("plain"), "plain");
    }

    #[test]
    fn image_sizes_as_obsidian_writes_them() {
        assert_eq!(image_size("300"), Some((300, None)));
        assert_eq!(image_size("300x200"), Some((300, Some(200))));
        assert_eq!(image_size("A diagram"), None);
        assert_eq!(
            asset_embed("/a/pic.png", "a/pic.png", "300"),
            "<img src=\"/a/pic.png\" alt=\"pic.png\" width=\"300\" loading=\"lazy\">"
        );
    }

    #[test]
    fn block_markers_become_ids_and_vanish() {
        assert_eq!(
            render_alone("The key point. ^key\n"),
            "<p id=\"^key\">The key point.</p>\n"
        );
    }

    #[test]
    fn unresolved_wikilinks_show_their_text() {
        assert_eq!(
            render_alone("See [[concept:x]] and [[a|b]].\n"),
            "<p>See x and b.</p>\n"
        );
    }
}
