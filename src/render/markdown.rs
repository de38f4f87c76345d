//! Markdown to HTML for notes, annotations and concept descriptions: the events of
//! [`syntax::parse`] with links rewritten to page URLs, embeds expanded, ids on headings,
//! blocks and footnotes that are unique on the page, math as MathML, code highlighted, and the
//! author's own HTML sanitized.

use std::collections::HashSet;
use std::ops::Range;

use pulldown_cmark::{html, CodeBlockKind, CowStr, Event, LinkType, Tag, TagEnd};

use super::findings::Findings;
use super::urls::Urls;
use crate::link::embeds::{self, Budget, Showing};
use crate::link::outline;
use crate::link::{Anchor, Graph, NoteId, Outline, QuoteRef, Target};
use crate::load::Markdown;
use crate::syntax::{self, Dialect, Spanned};
use crate::text::{escape, escape_text, shorten};

/// Renders Markdown with everything the link stage resolved.
pub struct MarkdownRenderer<'g> {
    pub graph: &'g Graph,
    pub findings: &'g Findings,
    pub urls: &'g Urls,
}

/// What rendering one page keeps across every text on it: the ids given so far, the embed
/// budget, and the notes and ranges being embedded (the way down from the page's own text).
struct PageState {
    ids: HashSet<String>,
    budget: Budget,
    showing: Showing,
    /// How many embedded texts the page has rendered: each one's footnotes get its number.
    parts: usize,
    /// Whether the page is a note's, whose own note is at the bottom of `showing` (not an
    /// embed, so not a level of nesting).
    own_note: bool,
}

impl PageState {
    /// An id no other element of the page has: `wanted`, else `wanted-2`, `wanted-3`, ...
    fn claim(&mut self, wanted: &str) -> String {
        if self.ids.insert(wanted.to_string()) {
            return wanted.to_string();
        }
        let mut n = 2;
        loop {
            let candidate = format!("{wanted}-{n}");
            if self.ids.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// Which part of a text to render.
struct Part<'a> {
    markdown: &'a Markdown,
    outline: &'a Outline,
    /// The note the text belongs to, if it is a note's: its ```query blocks have results.
    note: Option<NoteId>,
    range: Range<usize>,
    /// Whether this is the page's own text, whose heading ids are the ones other pages link to
    /// and its table of contents lists; an embedded text's ids are made unique on the page.
    own: bool,
    /// Put before footnote ids, so an embedded note's footnotes do not take the page's.
    footnote_prefix: String,
    /// The offset of a heading not to show: the note's opening heading, which the page
    /// shows as its title.
    skip_heading: Option<usize>,
}

/// A text's footnotes: numbered by first reference, listed at the end of the text.
#[derive(Default)]
struct Footnotes {
    /// Labels in order of first reference (then definitions never referenced), with their ids.
    order: Vec<(String, String)>,
    /// Each label's rendered definition.
    definitions: Vec<(String, String)>,
    /// The ids of each label's references, for the back-links.
    references: Vec<(String, Vec<String>)>,
}

impl Footnotes {
    fn id(&mut self, label: &str, prefix: &str, page: &mut PageState) -> (usize, String) {
        if let Some(at) = self.order.iter().position(|(l, _)| l == label) {
            return (at + 1, self.order[at].1.clone());
        }
        let slug = crate::slug::slugify(label);
        let id = page.claim(&format!("fn-{prefix}{slug}"));
        self.order.push((label.to_string(), id.clone()));
        (self.order.len(), id)
    }

    fn reference(&mut self, label: &str, prefix: &str, page: &mut PageState) -> String {
        let (number, id) = self.id(label, prefix, page);
        let count = match self.references.iter_mut().find(|(l, _)| l == label) {
            Some((_, refs)) => refs.len() + 1,
            None => {
                self.references.push((label.to_string(), Vec::new()));
                1
            }
        };
        let ref_id = page.claim(&if count == 1 {
            format!("{id}-ref")
        } else {
            format!("{id}-ref-{count}")
        });
        if let Some((_, refs)) = self.references.iter_mut().find(|(l, _)| l == label) {
            refs.push(ref_id.clone());
        }
        format!(
            "<sup class=\"footnote-ref\"><a href=\"#{}\" id=\"{}\">{number}</a></sup>",
            escape(&id),
            escape(&ref_id)
        )
    }

    /// The footnotes section, or nothing when the text has no footnotes.
    fn section(mut self, prefix: &str, page: &mut PageState) -> String {
        let labels: Vec<String> = self.definitions.iter().map(|(l, _)| l.clone()).collect();
        for label in &labels {
            self.id(label, prefix, page);
        }
        let mut items = String::new();
        for (label, id) in &self.order {
            let Some((_, body)) = self.definitions.iter().find(|(l, _)| l == label) else {
                continue;
            };
            let refs = self
                .references
                .iter()
                .find(|(l, _)| l == label)
                .map_or(&[][..], |(_, r)| r.as_slice());
            let backlinks: String = refs
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mark = if i == 0 {
                        "↩".to_string()
                    } else {
                        format!("↩<sup>{}</sup>", i + 1)
                    };
                    format!(
                        " <a href=\"#{}\" class=\"footnote-backref\" aria-label=\"Back to the text\">{mark}</a>",
                        escape(r)
                    )
                })
                .collect();
            let body = body.trim_end();
            // The back-links go inside the last paragraph, as GitHub places them.
            let body = match body.strip_suffix("</p>") {
                Some(open) => format!("{open}{backlinks}</p>"),
                None => format!("{body}{backlinks}"),
            };
            items.push_str(&format!("<li id=\"{}\">\n{body}\n</li>\n", escape(id)));
        }
        if items.is_empty() {
            return String::new();
        }
        format!("<section class=\"footnotes\">\n<ol>\n{items}</ol>\n</section>\n")
    }
}

impl<'g> MarkdownRenderer<'g> {
    fn dialect(&self) -> Dialect {
        Dialect::of(&self.graph.config)
    }

    /// Renders a whole text as the main content of a page. `note` is the note whose page it is.
    pub fn render(&self, markdown: &Markdown, outline: &Outline, note: Option<NoteId>) -> String {
        let mut page = PageState {
            ids: outline.scan.headings.iter().map(|h| h.id.clone()).collect(),
            budget: Budget::default(),
            showing: note
                .map(|n| (n, 0..markdown.text.len()))
                .into_iter()
                .collect(),
            parts: 0,
            own_note: note.is_some(),
        };
        page.ids
            .extend(outline.scan.blocks.iter().map(|b| format!("^{}", b.id)));
        let part = Part {
            markdown,
            outline,
            note,
            range: 0..markdown.text.len(),
            own: true,
            footnote_prefix: String::new(),
            skip_heading: note.and_then(|n| self.graph.note(n).note.title_heading),
        };
        self.render_part(&part, &mut page)
    }

    fn render_part(&self, part: &Part, page: &mut PageState) -> String {
        let text = &part.markdown.text[part.range.clone()];
        let base = part.range.start;
        let parsed = syntax::parse(text, self.dialect());
        let events: Vec<Spanned> = parsed
            .events
            .into_iter()
            .map(|(e, r)| (e, r.start + base..r.end + base))
            .collect();
        let mut out: Vec<Event> = Vec::with_capacity(events.len());
        let mut footnotes = Footnotes::default();
        self.events(part, &events, page, &mut footnotes, &mut out, true);
        let mut html_out = String::with_capacity(text.len() * 3 / 2);
        html::push_html(&mut html_out, out.into_iter());
        html_out.push_str(&footnotes.section(&part.footnote_prefix, page));
        if parsed.raw_html && self.graph.config.sanitize_html {
            html_out = super::sanitize::clean(&html_out);
        }
        html_out
    }

    /// Renders a run of events into `out`: the block and inline structure this renderer
    /// rewrites, and everything else as pulldown-cmark would write it. `top` says the events
    /// are a whole text's, whose blocks a `^block-id` line may name.
    fn events<'e>(
        &self,
        part: &Part,
        events: &[Spanned<'e>],
        page: &mut PageState,
        footnotes: &mut Footnotes,
        out: &mut Vec<Event<'e>>,
        top: bool,
    ) {
        // Where in `out` each block at the top of the text began, and how deep we are.
        let mut block_starts: Vec<usize> = Vec::new();
        let mut depth = 0usize;
        let mut i = 0;
        while i < events.len() {
            let (event, range) = &events[i];
            if top && depth == 0 {
                block_starts.push(out.len());
            }
            depth = depth.saturating_add_signed(syntax::block_nesting(event));
            match event {
                Event::Start(Tag::Paragraph) => {
                    depth -= 1;
                    let end = find_end(events, i, |e| matches!(e, Event::End(TagEnd::Paragraph)));
                    let inner = &events[i + 1..end];
                    // `^id` on a line of its own: the id of the block above it.
                    let previous = block_starts.len().checked_sub(2).map(|b| block_starts[b]);
                    match (top && depth == 0, standalone_marker(inner), previous) {
                        (true, Some(id), Some(at)) => {
                            let id = self.block_id(part, &id, page);
                            out.insert(
                                at,
                                Event::Html(format!("<div id=\"{}\">\n", escape(&id)).into()),
                            );
                            out.push(Event::Html("</div>\n".into()));
                            block_starts.pop();
                        }
                        _ => self.paragraph(part, inner, page, footnotes, out),
                    }
                    i = end + 1;
                    continue;
                }
                Event::Start(Tag::Item) => {
                    depth -= 1;
                    let end = find_end(events, i, |e| matches!(e, Event::End(TagEnd::Item)));
                    self.item(part, &events[i + 1..end], page, footnotes, out);
                    i = end + 1;
                    continue;
                }
                Event::Start(Tag::Heading { .. }) if part.skip_heading == Some(range.start) => {
                    depth -= 1;
                    let end = find_end(events, i, |e| matches!(e, Event::End(TagEnd::Heading(_))));
                    i = end + 1;
                    continue;
                }
                Event::Start(Tag::Heading {
                    level,
                    classes,
                    attrs,
                    ..
                }) => {
                    let heading = part
                        .outline
                        .scan
                        .headings
                        .iter()
                        .find(|h| h.start == range.start);
                    let id = heading.map(|h| match part.own {
                        true => h.id.clone(),
                        false => page.claim(&h.id),
                    });
                    out.push(Event::Start(Tag::Heading {
                        level: *level,
                        id: id.map(CowStr::from),
                        classes: classes.clone(),
                        attrs: attrs.clone(),
                    }));
                }
                Event::Start(Tag::Link { .. }) | Event::Start(Tag::Image { .. }) => {
                    i = self.link(part, events, i, page, footnotes, out);
                    continue;
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    depth -= 1;
                    let end = find_end(events, i, |e| matches!(e, Event::End(TagEnd::CodeBlock)));
                    let code: String = events[i + 1..end]
                        .iter()
                        .filter_map(|(e, _)| match e {
                            Event::Text(t) => Some(t.as_ref()),
                            _ => None,
                        })
                        .collect();
                    let info = match kind {
                        CodeBlockKind::Fenced(info) => info.as_ref(),
                        CodeBlockKind::Indented => "",
                    };
                    let html = self.code_block(part, range.start, info, &code);
                    out.push(Event::Html(html.into()));
                    i = end + 1;
                    continue;
                }
                Event::InlineMath(tex) => out.push(Event::InlineHtml(math(tex, false).into())),
                Event::DisplayMath(tex) => out.push(Event::InlineHtml(math(tex, true).into())),
                Event::FootnoteReference(label) => {
                    let html = footnotes.reference(label, &part.footnote_prefix, page);
                    out.push(Event::InlineHtml(html.into()));
                }
                Event::Start(Tag::FootnoteDefinition(label)) => {
                    depth -= 1;
                    let end = find_end(events, i, |e| {
                        matches!(e, Event::End(TagEnd::FootnoteDefinition))
                    });
                    let mut inner = Vec::new();
                    self.events(
                        part,
                        &events[i + 1..end],
                        page,
                        footnotes,
                        &mut inner,
                        false,
                    );
                    let mut body = String::new();
                    html::push_html(&mut body, inner.into_iter());
                    footnotes.definitions.push((label.to_string(), body));
                    i = end + 1;
                    continue;
                }
                other => out.push(other.clone()),
            }
            i += 1;
        }
    }

    /// A paragraph: one that holds only an embed becomes the embed itself (a `<figure>` may not
    /// sit in a `<p>`); one that ends in ` ^block-id` gets that id, without the marker.
    fn paragraph<'e>(
        &self,
        part: &Part,
        inner: &[Spanned<'e>],
        page: &mut PageState,
        footnotes: &mut Footnotes,
        out: &mut Vec<Event<'e>>,
    ) {
        let meaningful: Vec<&Spanned> = inner
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
                    out.push(Event::Html(self.embed(target, &written, page).into()));
                    return;
                }
            }
        }
        let (events, block_id) = strip_block_marker(inner);
        match block_id.as_deref().map(|id| self.block_id(part, id, page)) {
            Some(id) => out.push(Event::Html(format!("<p id=\"{}\">", escape(&id)).into())),
            None => out.push(Event::Start(Tag::Paragraph)),
        }
        self.events(part, &events, page, footnotes, out, false);
        match block_id {
            Some(_) => out.push(Event::Html("</p>\n".into())),
            None => out.push(Event::End(TagEnd::Paragraph)),
        }
    }

    /// A list item; one whose own text ends in ` ^block-id` gets that id, as in Obsidian.
    fn item<'e>(
        &self,
        part: &Part,
        inner: &[Spanned<'e>],
        page: &mut PageState,
        footnotes: &mut Footnotes,
        out: &mut Vec<Event<'e>>,
    ) {
        // A tight item's text comes straight after its start; a nested list or a paragraph
        // (a loose item, whose paragraph takes the id) ends it.
        let text_end = inner
            .iter()
            .position(|(e, _)| matches!(e, Event::Start(Tag::List(_) | Tag::Paragraph)))
            .unwrap_or(inner.len());
        let (text, block_id) = strip_block_marker(&inner[..text_end]);
        match block_id.as_deref().map(|id| self.block_id(part, id, page)) {
            Some(id) => out.push(Event::Html(format!("<li id=\"{}\">", escape(&id)).into())),
            None => out.push(Event::Start(Tag::Item)),
        }
        self.events(part, &text, page, footnotes, out, false);
        self.events(part, &inner[text_end..], page, footnotes, out, false);
        match block_id {
            Some(_) => out.push(Event::Html("</li>\n".into())),
            None => out.push(Event::End(TagEnd::Item)),
        }
    }

    /// A block's id on the page: as written in the page's own text, made unique in an embed.
    fn block_id(&self, part: &Part, id: &str, page: &mut PageState) -> String {
        let id = format!("^{id}");
        match part.own {
            true => id,
            false => page.claim(&id),
        }
    }

    /// Rewrites the link or image starting at `events[i]`; returns the index after it.
    fn link<'e>(
        &self,
        part: &Part,
        events: &[Spanned<'e>],
        i: usize,
        page: &mut PageState,
        footnotes: &mut Footnotes,
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
            let label = || -> Vec<Event<'e>> {
                match has_pothole {
                    true => inner.iter().map(|(e, _)| e.clone()).collect(),
                    false => vec![Event::Text(self.label(target, &written).into())],
                }
            };
            let Some(target) = target else {
                // Not resolved (a text rendered outside a site): its visible text alone.
                out.extend(label());
                return end + 1;
            };
            if *target == Target::Withheld {
                // What the author wrote, and nothing of the target; an embed, nothing at all.
                if !is_image {
                    out.extend(label());
                }
                return end + 1;
            }
            if is_image {
                let html = match target {
                    Target::Asset(path) => {
                        // `![[icon.svg#dark]]`: what follows `#` is for Obsidian's themes.
                        let file = written.split('#').next().unwrap_or(&written);
                        let alt = match has_pothole {
                            true => plain_text(inner),
                            false => display_text(file),
                        };
                        asset_embed(&self.urls.asset(path), path, &alt)
                    }
                    other => self.embed(other, &written, page),
                };
                out.push(Event::InlineHtml(html.into()));
                return end + 1;
            }
            let class = if syntax::is_tag(title) {
                "tag"
            } else {
                "internal"
            };
            // In a preview of everything, a link the published site shows as plain text says so.
            let unpublished = match target {
                Target::Note { note, .. } => self.graph.note(*note).note.withheld.is_some(),
                _ => false,
            };
            match self.target_url(target) {
                Some(url) if unpublished => {
                    out.push(Event::InlineHtml(
                        format!("<a href=\"{}\" class=\"{class} unpublished\" title=\"Not published: the published site shows this link as plain text\">", escape(&url)).into(),
                    ));
                    out.extend(label());
                    out.push(Event::InlineHtml("</a>".into()));
                }
                Some(url) => {
                    out.push(Event::InlineHtml(
                        format!("<a href=\"{}\" class=\"{class}\">", escape(&url)).into(),
                    ));
                    out.extend(label());
                    out.push(Event::InlineHtml("</a>".into()));
                }
                None => {
                    out.push(Event::InlineHtml(
                        "<span class=\"broken-link\" title=\"This link's target does not exist\">"
                            .into(),
                    ));
                    out.extend(label());
                    out.push(Event::InlineHtml("</span>".into()));
                }
            }
            return end + 1;
        }

        // `![](https://www.youtube.com/watch?v=…)`: Obsidian plays the video in the page.
        if is_image {
            if let Some(html) = youtube_embed(dest_url, &plain_text(inner)) {
                out.push(Event::InlineHtml(html.into()));
                return end + 1;
            }
        }
        let scriptable = !matches!(link_type, LinkType::WikiLink { .. } | LinkType::Email)
            && crate::text::is_unsafe_link(dest_url, is_image);
        if target == Some(&Target::Withheld) || scriptable {
            // Its text alone, without the path of a file the site leaves out, or without a
            // script the link would run (the link stage warned).
            if !is_image {
                self.events(part, inner, page, footnotes, out, false);
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
        self.events(part, &events[i + 1..end], page, footnotes, out, false);
        out.push(events[end].0.clone());
        end + 1
    }

    pub fn label(&self, target: Option<&Target>, written: &str) -> String {
        label(self.graph, target, written)
    }

    /// A fenced or indented code block: a query's results, a diagram, math, or code.
    fn code_block(&self, part: &Part, offset: usize, info: &str, code: &str) -> String {
        let lang = info.split_whitespace().next().unwrap_or("");
        if outline::is_query_block(info) {
            let results = part
                .note
                .and_then(|n| self.findings.query_results(n, offset));
            if let Some(quotes) = results {
                let query = part
                    .outline
                    .scan
                    .queries
                    .iter()
                    .find(|q| q.offset == offset)
                    .map_or("", |q| q.query.as_str());
                return self.query_results(query, quotes);
            }
        }
        match lang {
            // Drawn in the browser by the site's own copy of Mermaid; without a script, the
            // reader sees its source.
            "mermaid" => format!("<pre class=\"mermaid\">{}</pre>\n", escape_text(code)),
            // GitHub's way to write display math.
            "math" => format!("<p class=\"math-block\">{}</p>\n", math(code, true)),
            "" => format!("<pre><code>{}</code></pre>\n", escape_text(code)),
            _ => {
                let class = format!("language-{}", escape(lang));
                match super::highlight::highlight(code, lang) {
                    Some(spans) => format!(
                        "<pre class=\"highlight\"><code class=\"{class}\">{spans}</code></pre>\n"
                    ),
                    None => format!(
                        "<pre><code class=\"{class}\">{}</code></pre>\n",
                        escape_text(code)
                    ),
                }
            }
        }
    }

    /// The quotes a ```query block found, as a list like a concept page's.
    fn query_results(&self, query: &str, quotes: &[QuoteRef]) -> String {
        let mut html = format!(
            "<div class=\"query-results\">\n<p class=\"query\"><code>{}</code> · {}</p>\n<ul class=\"quote-list\">\n",
            escape(query),
            crate::text::plural(quotes.len(), "quote")
        );
        for &at in quotes {
            let source = self.graph.source(at.source);
            let quote = &self.graph.quote(at).quote;
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
                let url = self.urls.note(&g.note(*note).note.slug);
                match anchor {
                    Some(Anchor::Heading(id)) => format!("{url}#{id}"),
                    Some(Anchor::Block(id)) => format!("{url}#^{id}"),
                    None => url,
                }
            }
            Target::Quote(at) => {
                let source = &g.source(at.source).source;
                self.urls.quote(&source.id, &g.quote(*at).quote.id)
            }
            Target::Concept(name) => self.urls.concept(name),
            Target::Source(s) => self.urls.source(&g.source(*s).source.id),
            Target::Asset(path) => self.urls.asset(path),
            Target::Broken | Target::Withheld => return None,
        })
    }

    /// The HTML of `![[...]]`: a quote with its attribution, a note or one of its sections,
    /// or, for concepts and sources, a link.
    fn embed(&self, target: &Target, written: &str, page: &mut PageState) -> String {
        let g = self.graph;
        match target {
            Target::Quote(at) => {
                let s = g.source(at.source);
                let q = &g.quote(*at).quote;
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
                let linked = g.note(*note);
                let url = self.target_url(target).unwrap_or_default();
                let (range, heading) = embeds::range(
                    &linked.outline.scan,
                    linked.note.body.text.len(),
                    anchor.as_ref(),
                );
                let title = match heading {
                    Some(h) => format!("{} › {}", linked.note.title, h.text),
                    None => linked.note.title.clone(),
                };
                let as_link = |class: &str| {
                    format!(
                        "<a href=\"{}\" class=\"{class}\">{}</a>",
                        escape(&url),
                        escape(&title)
                    )
                };
                // Spent and checked in the order `embeds::check_expansion` does, which
                // reported every embed cut here.
                if page.showing.contains(&(*note, range.clone())) {
                    return as_link("internal");
                }
                let depth = page.showing.len() + 1 - usize::from(page.own_note);
                if page.budget.admit(depth, range.len()).is_err() {
                    return as_link("internal embed-cut");
                }
                page.showing.push((*note, range.clone()));
                page.parts += 1;
                let body = self.render_part(
                    &Part {
                        markdown: &linked.note.body,
                        outline: &linked.outline,
                        range,
                        own: false,
                        note: Some(*note),
                        footnote_prefix: format!("e{}-", page.parts),
                        skip_heading: None,
                    },
                    page,
                );
                page.showing.pop();
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
                    escape(&self.label(Some(target), written))
                )
            }
            Target::Withheld => String::new(),
            Target::Broken => format!(
                "<span class=\"broken-link\" title=\"This link's target does not exist\">{}</span>",
                escape(&display_text(written))
            ),
        }
    }
}

/// Math as MathML, which browsers draw themselves; TeX that cannot be read is shown as written
/// (the link stage has warned about it).
fn math(tex: &str, display: bool) -> String {
    match crate::syntax::math::to_mathml(tex, display) {
        Ok(mathml) if crate::syntax::math::needs_cleaning(tex) => super::sanitize::clean(&mathml),
        Ok(mathml) => mathml,
        Err(_) => {
            let delimiter = if display { "$$" } else { "$" };
            format!(
                "<span class=\"math-error\">{delimiter}{}{delimiter}</span>",
                escape_text(tex)
            )
        }
    }
}

/// The id of a paragraph that is only `^block-id`.
fn standalone_marker(inner: &[Spanned]) -> Option<String> {
    let text: String = inner
        .iter()
        .map(|(e, _)| match e {
            Event::Text(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect::<Option<String>>()?;
    let (before, id) = outline::block_marker(text.trim())?;
    before.is_empty().then(|| id.to_string())
}

/// A run of inline events without a trailing ` ^block-id`, and the id, if it had one.
fn strip_block_marker<'e>(inner: &[Spanned<'e>]) -> (Vec<Spanned<'e>>, Option<String>) {
    let mut events: Vec<Spanned<'e>> = inner.to_vec();
    let mut block_id = None;
    if let Some((Event::Text(last), _)) = events.last() {
        if let Some((before, id)) = outline::block_marker(last) {
            block_id = Some(id.to_string());
            let kept = before.to_string();
            let n = events.len() - 1;
            events[n].0 = Event::Text(kept.into());
        }
    }
    (events, block_id)
}

/// The index of the event that closes the one at `start`, counting nested starts.
fn find_end(events: &[Spanned], start: usize, is_end: impl Fn(&Event) -> bool) -> usize {
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

/// The text a wikilink without `|label` shows: a concept's or source's title, a quote's
/// opening words, else what was written (without a kind prefix, `#` as ` › `).
pub fn label(graph: &Graph, target: Option<&Target>, written: &str) -> String {
    match target {
        Some(Target::Concept(name)) => graph
            .concepts
            .get(name)
            .map_or_else(|| display_text(written), |c| c.title.clone()),
        Some(Target::Source(s)) => graph.source(*s).source.title.clone(),
        Some(Target::Quote(at)) => shorten(&graph.quote(*at).quote.text, 60),
        _ => display_text(written),
    }
}

pub use crate::syntax::display_text;

fn written_target(inner: &[Spanned]) -> String {
    inner
        .iter()
        .find_map(|(e, _)| match e {
            Event::Start(Tag::Image { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .unwrap_or_default()
}

fn plain_text(events: &[Spanned]) -> String {
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

/// A YouTube video's player, for an image whose address is the video's page, as Obsidian
/// embeds it (from YouTube's cookie-less domain).
fn youtube_embed(url: &str, title: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let rest = rest.strip_prefix("m.").unwrap_or(rest);
    let id = if let Some(query) = rest.strip_prefix("youtube.com/watch?") {
        query.split('&').find_map(|pair| pair.strip_prefix("v="))?
    } else {
        ["youtu.be/", "youtube.com/shorts/", "youtube.com/embed/"]
            .iter()
            .find_map(|prefix| rest.strip_prefix(prefix))?
            .split(['?', '&', '#', '/'])
            .next()?
    };
    let valid = id.len() == 11
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return None;
    }
    let title = if title.trim().is_empty() {
        "YouTube video"
    } else {
        title.trim()
    };
    Some(format!(
        "<iframe class=\"embed-video\" src=\"https://www.youtube-nocookie.com/embed/{id}\" title=\"{}\" loading=\"lazy\" allow=\"encrypted-media; picture-in-picture\" allowfullscreen></iframe>",
        escape(title)
    ))
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

/// Renders Markdown on its own, as the body of a note in an empty site whose HTML is trusted
/// (links to other pages stay unresolved). For tests and tools that need the note renderer
/// without a site.
pub fn render_alone(text: &str) -> String {
    let config = crate::config::Config {
        sanitize_html: false,
        ..crate::config::Config::default()
    };
    let (graph, markdown, outline) = alone(text, config);
    let urls = Urls::of(&graph.config);
    MarkdownRenderer {
        graph: &graph,
        findings: &Findings::default(),
        urls: &urls,
    }
    .render(&markdown, &outline, None)
}

/// A text as the body of a note in an empty site with these settings, scanned, its links
/// unresolved: for reading Markdown without a site.
pub(crate) fn alone(text: &str, config: crate::config::Config) -> (Graph, Markdown, Outline) {
    let dialect = Dialect::of(&config);
    let graph = Graph::empty(config);
    let markdown = Markdown {
        text: text.to_string(),
        origin: crate::diagnostic::Origin::at_line(1),
        file: "note.md".into(),
        dir: "notes".to_string(),
    };
    let outline = Outline {
        scan: outline::scan(text, dialect),
        links: Default::default(),
    };
    (graph, markdown, outline)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn youtube_addresses_become_players() {
        let player = "<iframe class=\"embed-video\" src=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\" title=\"A talk\" loading=\"lazy\" allow=\"encrypted-media; picture-in-picture\" allowfullscreen></iframe>";
        for url in [
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ",
            "https://youtu.be/dQw4w9WgXcQ?t=42",
            "https://www.youtube.com/shorts/dQw4w9WgXcQ",
        ] {
            assert_eq!(
                youtube_embed(url, "A talk").as_deref(),
                Some(player),
                "{url}"
            );
        }
        assert_eq!(
            youtube_embed("https://example.org/watch?v=dQw4w9WgXcQ", ""),
            None
        );
        assert_eq!(youtube_embed("https://youtu.be/short", ""), None);
    }

    #[test]
    fn block_markers_become_ids_and_vanish() {
        assert_eq!(
            render_alone("The key point. ^key\n"),
            "<p id=\"^key\">The key point.</p>\n"
        );
        assert_eq!(
            render_alone("- one ^first\n- two\n  - nested ^deep\n"),
            "<ul>\n<li id=\"^first\">one</li>\n<li>two\n<ul>\n<li id=\"^deep\">nested</li>\n</ul>\n</li>\n</ul>\n"
        );
        // On a line of its own, the id names the block above.
        assert_eq!(
            render_alone("Intro.\n\n| a |\n|---|\n| 1 |\n\n^table\n\n> [!tip]\n> Hi.\n\n^tip\n"),
            "<p>Intro.</p>\n<div id=\"^table\">\n<table><thead><tr><th>a</th></tr></thead><tbody>\n<tr><td>1</td></tr>\n</tbody></table>\n</div>\n<div id=\"^tip\">\n<div class=\"callout\" data-callout=\"tip\">\n<div class=\"callout-title\">Tip</div>\n<div class=\"callout-content\">\n<p>Hi.</p>\n</div>\n</div>\n</div>\n"
        );
    }

    #[test]
    fn unresolved_wikilinks_show_their_text() {
        assert_eq!(
            render_alone("See [[concept:x]] and [[a|b]].\n"),
            "<p>See x and b.</p>\n"
        );
    }

    #[test]
    fn footnotes_are_numbered_with_back_links() {
        assert_eq!(
            render_alone("A[^b] and B[^a] and A again[^b].\n\n[^a]: First.\n[^b]: Second.\n"),
            "<p>A<sup class=\"footnote-ref\"><a href=\"#fn-b\" id=\"fn-b-ref\">1</a></sup> and B<sup class=\"footnote-ref\"><a href=\"#fn-a\" id=\"fn-a-ref\">2</a></sup> and A again<sup class=\"footnote-ref\"><a href=\"#fn-b\" id=\"fn-b-ref-2\">1</a></sup>.</p>\n<section class=\"footnotes\">\n<ol>\n<li id=\"fn-b\">\n<p>Second. <a href=\"#fn-b-ref\" class=\"footnote-backref\" aria-label=\"Back to the text\">↩</a> <a href=\"#fn-b-ref-2\" class=\"footnote-backref\" aria-label=\"Back to the text\">↩<sup>2</sup></a></p>\n</li>\n<li id=\"fn-a\">\n<p>First. <a href=\"#fn-a-ref\" class=\"footnote-backref\" aria-label=\"Back to the text\">↩</a></p>\n</li>\n</ol>\n</section>\n"
        );
    }
}
