//! Stage 2, link: every link and embed resolved, backlinks gathered, the concept tree built.
//! The result, a [`Graph`], is everything the render stage needs; nothing after this looks a
//! name up again.

mod concepts;
pub mod embeds;
mod graph;
mod ids;
pub mod outline;
pub mod redescribe;
pub mod relink;
pub mod requote;
pub mod resolve;
pub mod restructure;

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::config::BrokenLinks;
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::{publish, Asset, Corpus, Markdown, Note, Quote, Source, Withholding};
use crate::slug;
use crate::syntax::Dialect;
pub use graph::{
    Concept, Graph, LinkedNote, LinkedQuote, LinkedSource, Outline, PropertyTarget, Ref,
};
use ids::quote_ids;
pub use ids::{NoteId, QuoteRef, SourceId};
use outline::{RawLinkKind, Scan};
pub use resolve::{Anchor, Target};
use resolve::{Index, Resolution};

/// Which text a link sits in: a note's own `[[#heading]]` links resolve to itself.
#[derive(Clone, Copy)]
enum Doc<'a> {
    Note(NoteId, &'a Markdown),
    /// A quote's annotation or a concept's description.
    Other(&'a Markdown),
}

impl<'a> Doc<'a> {
    fn markdown(&self) -> &'a Markdown {
        match self {
            Doc::Note(_, m) | Doc::Other(m) => m,
        }
    }
}

pub fn link(corpus: Corpus) -> (Graph, Vec<Diagnostic>) {
    let (graph, diagnostics, _) = link_keeping_names(corpus);
    (graph, diagnostics)
}

/// What linking learned about names, kept by a live preview so that one edited note can be
/// linked again on its own ([`relink::relink_note`]).
pub struct Linker {
    index: Index,
    severity: Severity,
    concepts: concepts::ConceptTable,
}

/// The warnings about concepts used once that look like misspellings of one in real use, as
/// the link stage gives them: a live preview makes them again after notes came or went.
pub fn near_misses(graph: &Graph, linker: &Linker) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    concepts::report_near_misses(
        &linker.concepts,
        &graph.concepts,
        &graph.notes,
        &graph.sources,
        &mut diagnostics,
    );
    diagnostics
}

pub use concepts::is_near_miss;

/// [`link`], also returning the name lookup it built.
pub fn link_keeping_names(corpus: Corpus) -> (Graph, Vec<Diagnostic>, Linker) {
    let mut diagnostics = Vec::new();
    let dialect = Dialect::of(&corpus.config);

    // Every text, scanned once, in parallel: resolution needs every note's headings and
    // blocks, and the concept table every inline tag.
    let docs = texts(&corpus);
    let scans: Vec<Scan> = docs
        .par_iter()
        .map(|doc| outline::scan(&doc.markdown().text, dialect))
        .collect();
    let mut concept_table = concepts::ConceptTable::new(
        &corpus,
        scans.iter().flat_map(|s| s.tags.iter().map(String::as_str)),
        &mut diagnostics,
    );
    let quote_ids = quote_ids(&corpus.sources);
    let index = Index::new(&corpus, concept_table.lookup(), quote_ids.clone());
    let severity = match corpus.config.broken_links {
        BrokenLinks::Error => Severity::Error,
        BrokenLinks::Warn => Severity::Warning,
    };
    let resolver = Resolver {
        index: &index,
        notes: Notes::Scanned {
            notes: &corpus.notes,
            scans: &scans[..corpus.notes.len()],
        },
        severity,
    };
    let outlines = Outlines::resolve(&corpus, &resolver, &docs, &scans, &mut diagnostics);
    let (assets, withheld_assets) = decide_assets(&corpus, &outlines, &resolver, dialect);
    drop(scans);
    check_embeds(&corpus, &outlines, &mut diagnostics);

    let Corpus {
        config,
        notes,
        sources,
        concept_files,
        ..
    } = corpus;
    let Outlines {
        notes: note_outlines,
        properties,
        annotations,
        concepts: concept_outlines,
    } = outlines;
    let mut linked_notes = link_notes(
        notes,
        note_outlines,
        properties,
        &concept_table,
        &index,
        &mut diagnostics,
    );
    let mut linked_sources = link_sources(sources, annotations, &concept_table);
    let mut concept_map = concept_table.build(concept_files, concept_outlines);
    record_backlinks(&mut linked_notes, &mut linked_sources, &mut concept_map);
    concepts::fill_members(&linked_notes, &linked_sources, &mut concept_map);
    concepts::report_near_misses(
        &concept_table,
        &concept_map,
        &linked_notes,
        &linked_sources,
        &mut diagnostics,
    );
    fill_shared_concepts(&mut linked_notes);
    concept_table.report_cycles(&concept_map, &mut diagnostics);

    let graph = Graph {
        config,
        notes: linked_notes,
        sources: linked_sources,
        concepts: concept_map,
        assets,
        withheld_assets,
        quote_ids,
    };
    (
        graph,
        diagnostics,
        Linker {
            index,
            severity,
            concepts: concept_table,
        },
    )
}

/// Every Markdown text of a corpus, in one order: the notes, the quotes' annotations, the
/// concept files' descriptions.
fn texts(corpus: &Corpus) -> Vec<Doc<'_>> {
    let mut docs: Vec<Doc> = Vec::new();
    for (i, note) in corpus.notes.iter().enumerate() {
        docs.push(Doc::Note(NoteId(i), &note.body));
    }
    for source in &corpus.sources {
        for quote in &source.quotes {
            if let Some(note) = &quote.note {
                docs.push(Doc::Other(note));
            }
        }
    }
    for file in &corpus.concept_files {
        docs.push(Doc::Other(&file.body));
    }
    docs
}

/// Every text's outline with its links resolved, by what the text belongs to.
struct Outlines {
    notes: Vec<Outline>,
    /// Each note's wikilinks in its front matter values.
    properties: Vec<Vec<PropertyTarget>>,
    /// By (source, quote) position in the corpus.
    annotations: BTreeMap<(usize, usize), Outline>,
    /// By concept name.
    concepts: BTreeMap<String, Outline>,
}

impl Outlines {
    /// Resolves every link of `docs` (the corpus's [`texts`]), scanned as `scans`, in parallel.
    fn resolve(
        corpus: &Corpus,
        resolver: &Resolver,
        docs: &[Doc],
        scans: &[Scan],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Outlines {
        let resolved: Vec<(Outline, Vec<Diagnostic>)> = docs
            .par_iter()
            .zip(scans.par_iter())
            .map(|(doc, scan)| resolver.outline(*doc, scan.clone()))
            .collect();
        // Wikilinks in front matter values (`categories: ["[[Books]]"]`) link from the note.
        let properties: Vec<Vec<PropertyTarget>> = corpus
            .notes
            .par_iter()
            .enumerate()
            .map(|(n, note)| {
                let mut problems = Vec::new();
                let targets =
                    resolver.properties(Doc::Note(NoteId(n), &note.body), note, &mut problems);
                (targets, problems)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(targets, problems)| {
                diagnostics.extend(problems);
                targets
            })
            .collect();

        // Unpacked in the order the texts are listed.
        let mut resolved = resolved.into_iter();
        let mut next = |what: &str| {
            let (outline, problems) = resolved.next().expect(what);
            diagnostics.extend(problems);
            outline
        };
        let notes = corpus
            .notes
            .iter()
            .map(|_| next("one outline per note"))
            .collect();
        let mut annotations = BTreeMap::new();
        for (s, source) in corpus.sources.iter().enumerate() {
            for (q, quote) in source.quotes.iter().enumerate() {
                if quote.note.is_some() {
                    annotations.insert((s, q), next("one outline per annotation"));
                }
            }
        }
        let concepts = corpus
            .concept_files
            .iter()
            .map(|file| (file.name.clone(), next("one outline per concept file")))
            .collect();
        Outlines {
            notes,
            properties,
            annotations,
            concepts,
        }
    }

    fn all(&self) -> impl Iterator<Item = &Outline> {
        self.notes
            .iter()
            .chain(self.annotations.values())
            .chain(self.concepts.values())
    }
}

/// The corpus's files the site publishes, and those it leaves out, with why: files only
/// withheld texts use are withheld with them (see `publish::decide_file`).
fn decide_assets(
    corpus: &Corpus,
    outlines: &Outlines,
    resolver: &Resolver,
    dialect: Dialect,
) -> (Vec<Asset>, Vec<(Asset, Withholding)>) {
    let mut used: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let in_properties = outlines
        .properties
        .iter()
        .flat_map(|targets| targets.iter().map(|p| &p.target));
    for target in outlines
        .all()
        .flat_map(|o| o.links.values())
        .chain(in_properties)
    {
        if let Target::Asset(path) = target {
            used.insert(path);
        }
    }
    let used_by_withheld = assets_used_by_withheld(corpus, resolver, dialect);
    // A preview of everything shows every file, as it shows every note.
    let mode = match corpus.selection.withheld {
        true => crate::config::PublishMode::All,
        false => corpus.config.publish,
    };
    let mut assets = Vec::new();
    let mut withheld = Vec::new();
    for asset in &corpus.assets {
        let path = asset.path.as_str();
        match publish::decide_file(mode, used.contains(path), used_by_withheld.contains(path)) {
            None => assets.push(asset.clone()),
            Some(why) => withheld.push((asset.clone(), why)),
        }
    }
    (assets, withheld)
}

/// Embed cycles, and pages whose embeds expand past the budget, as the renderer will cut
/// them.
fn check_embeds(corpus: &Corpus, outlines: &Outlines, diagnostics: &mut Vec<Diagnostic>) {
    let embed_notes: Vec<embeds::EmbedNote> = corpus
        .notes
        .iter()
        .zip(&outlines.notes)
        .map(|(note, outline)| embeds::EmbedNote {
            slug: &note.slug,
            body: &note.body,
            outline,
        })
        .collect();
    embeds::report_cycles(&embed_notes, diagnostics);
    let mut pages: Vec<embeds::PageText> = corpus
        .notes
        .iter()
        .zip(&outlines.notes)
        .enumerate()
        .map(|(n, (note, outline))| embeds::PageText {
            note: Some(NoteId(n)),
            markdown: &note.body,
            outline,
        })
        .collect();
    for (s, source) in corpus.sources.iter().enumerate() {
        for (q, quote) in source.quotes.iter().enumerate() {
            let outline = outlines.annotations.get(&(s, q));
            if let (Some(markdown), Some(outline)) = (&quote.note, outline) {
                pages.push(embeds::PageText {
                    note: None,
                    markdown,
                    outline,
                });
            }
        }
    }
    for file in &corpus.concept_files {
        if let Some(outline) = outlines.concepts.get(&file.name) {
            pages.push(embeds::PageText {
                note: None,
                markdown: &file.body,
                outline,
            });
        }
    }
    let cut: Vec<Diagnostic> = pages
        .par_iter()
        .filter_map(|page| embeds::check_expansion(page, &embed_notes))
        .collect();
    diagnostics.extend(cut);
}

/// Notes, with their front matter's concepts and sources resolved.
fn link_notes(
    notes: Vec<Note>,
    outlines: Vec<Outline>,
    properties: Vec<Vec<PropertyTarget>>,
    concept_table: &concepts::ConceptTable,
    index: &Index,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<LinkedNote> {
    let mut linked = Vec::with_capacity(notes.len());
    for ((note, outline), properties) in notes.into_iter().zip(outlines).zip(properties) {
        // Inline `#tags` count as the note's concepts, after those of its front matter.
        let written: Vec<String> = note
            .concepts
            .iter()
            .chain(&outline.scan.tags)
            .cloned()
            .collect();
        let concepts = concept_table.canonical_list(&written);
        let sources = note_sources(&note, index, diagnostics);
        linked.push(LinkedNote {
            note,
            outline,
            properties,
            concepts,
            sources,
            backlinks: Vec::new(),
            shares_concepts_with: Vec::new(),
        });
    }
    linked
}

/// Sources with their quotes in locator order ("ch. 2" before "ch. 10"), each quote with its
/// concepts (inline tags in its annotation too) and its annotation's outline.
fn link_sources(
    sources: Vec<Source>,
    mut annotations: BTreeMap<(usize, usize), Outline>,
    concept_table: &concepts::ConceptTable,
) -> Vec<LinkedSource> {
    sources
        .into_iter()
        .enumerate()
        .map(|(s, mut source)| {
            let order = locator_order(&source.quotes);
            let quotes = std::mem::take(&mut source.quotes)
                .into_iter()
                .enumerate()
                .map(|(q, quote)| {
                    let annotation = annotations.remove(&(s, q));
                    let tags = annotation.iter().flat_map(|a| a.scan.tags.iter());
                    let written: Vec<String> = quote.concepts.iter().chain(tags).cloned().collect();
                    LinkedQuote {
                        concepts: concept_table.canonical_list(&written),
                        annotation,
                        quote,
                        cited_by: Vec::new(),
                    }
                })
                .collect();
            LinkedSource {
                source,
                quotes,
                order,
                notes: Vec::new(),
            }
        })
        .collect()
}

/// Quote indexes in locator order ("ch. 2" before "ch. 10"), quotes without one last, each
/// in file order among equals.
fn locator_order(quotes: &[Quote]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..quotes.len()).collect();
    order.sort_by(|&a, &b| {
        let (la, lb) = (&quotes[a].locator, &quotes[b].locator);
        match (la, lb) {
            (Some(x), Some(y)) => slug::natural_cmp(x, y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then(a.cmp(&b))
    });
    order
}

/// Text without its HTML tags: `<` then a letter or `/` opens one; an escaped `\<` is text.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    let mut chars = text.chars().peekable();
    let mut escaped = false;
    while let Some(c) = chars.next() {
        match c {
            '<' if !in_tag
                && !escaped
                && chars
                    .peek()
                    .is_some_and(|n| n.is_ascii_alphabetic() || *n == '/') =>
            {
                in_tag = true
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
        escaped = c == '\\' && !escaped;
    }
    out
}

/// What Obsidian draws a file as, for files only Obsidian can draw.
fn obsidian_view(path: &str) -> Option<&'static str> {
    let ext = path.rsplit('.').next()?.to_ascii_lowercase();
    match ext.as_str() {
        "base" => Some("a Base (a live table of notes)"),
        "canvas" => Some("a Canvas"),
        _ => None,
    }
}

/// The files under `content/` that withheld texts use, found as their links are, without a
/// word said about those links: the texts are not published, so their problems are not the
/// site's.
fn assets_used_by_withheld(
    corpus: &Corpus,
    resolver: &Resolver,
    dialect: Dialect,
) -> std::collections::HashSet<String> {
    let withheld = &corpus.withheld;
    let annotations = withheld
        .sources
        .iter()
        .flat_map(|(s, _)| s.quotes.iter().filter_map(|q| q.note.as_ref()));
    let texts: Vec<&Markdown> = withheld
        .notes
        .iter()
        .map(|(n, _)| &n.body)
        .chain(withheld.concept_files.iter().map(|(c, _)| &c.body))
        .chain(annotations)
        .collect();
    let in_properties = withheld.notes.iter().flat_map(|(note, _)| {
        note.property_links.iter().map(|link| {
            resolver
                .wikilink(Doc::Other(&note.body), &link.target)
                .target
        })
    });
    let in_texts: Vec<Option<Target>> = texts
        .par_iter()
        .flat_map_iter(|markdown| {
            let scan = outline::scan(&markdown.text, dialect);
            let (outline, _) = resolver.outline(Doc::Other(markdown), scan);
            outline.links.into_values().map(Some)
        })
        .collect();
    in_texts
        .into_iter()
        .chain(in_properties)
        .filter_map(|target| match target {
            Some(Target::Asset(path)) => Some(path),
            _ => None,
        })
        .collect()
}

/// A note's `sources`, resolved; an unknown one is an error at the list.
fn note_sources(note: &Note, index: &Index, diagnostics: &mut Vec<Diagnostic>) -> Vec<SourceId> {
    let mut source_ids = Vec::new();
    for id in &note.sources {
        match index.source(&slug::slugify(id)) {
            Some(s) => source_ids.push(s),
            None if index.withheld_source(&slug::slugify(id)).is_some() => {
                let why = index
                    .withheld_source(&slug::slugify(id))
                    .expect("just found");
                diagnostics.push(Diagnostic::warning(
                    &note.file,
                    note.sources_pos,
                    format!("source `{id}` in `sources` is not published ({why}), so the note does not name it"),
                ))
            }
            None => diagnostics.push(Diagnostic::error(
                &note.file,
                note.sources_pos,
                format!(
                    "unknown source `{id}` in `sources`{}",
                    index.suggest_source(id)
                ),
            )),
        }
    }
    source_ids.sort_unstable();
    source_ids.dedup();
    source_ids
}

struct Resolver<'a> {
    index: &'a Index,
    notes: Notes<'a>,
    severity: Severity,
}

/// The notes whose headings and blocks anchored links are checked against: the corpus's, with
/// their scans beside them, while a whole site is linked; the graph's, with one note's new scan
/// in place, when one edited note is linked again.
#[derive(Clone, Copy)]
enum Notes<'a> {
    Scanned {
        notes: &'a [Note],
        scans: &'a [Scan],
    },
    Linked {
        notes: &'a [LinkedNote],
        /// The note linked again, with its new scan; `None` for another text (an annotation).
        edited: Option<(NoteId, &'a Scan)>,
    },
}

impl<'a> Notes<'a> {
    fn scan(&self, n: NoteId) -> &'a Scan {
        match *self {
            Notes::Scanned { scans, .. } => &scans[n.0],
            Notes::Linked {
                edited: Some((m, scan)),
                ..
            } if m == n => scan,
            Notes::Linked { notes, .. } => &notes[n.0].outline.scan,
        }
    }

    fn slug(&self, n: NoteId) -> &'a str {
        match *self {
            Notes::Scanned { notes, .. } => &notes[n.0].slug,
            Notes::Linked { notes, .. } => &notes[n.0].note.slug,
        }
    }
}

impl<'a> Resolver<'a> {
    /// The resolver for one note linked again on its own (edited or added), its headings and
    /// blocks as `scan` has them.
    fn for_note(
        linker: &'a Linker,
        notes: &'a [LinkedNote],
        n: NoteId,
        scan: &'a Scan,
    ) -> Resolver<'a> {
        Resolver {
            index: &linker.index,
            notes: Notes::Linked {
                notes,
                edited: Some((n, scan)),
            },
            severity: linker.severity,
        }
    }

    /// The resolver for a text that is not a note (a quote's annotation) linked again on its
    /// own, against the graph's notes as they are.
    fn for_text(linker: &'a Linker, notes: &'a [LinkedNote]) -> Resolver<'a> {
        Resolver {
            index: &linker.index,
            notes: Notes::Linked {
                notes,
                edited: None,
            },
            severity: linker.severity,
        }
    }
}

impl Resolver<'_> {
    /// A note's front matter links, resolved; problems at their keys.
    fn properties(
        &self,
        doc: Doc,
        note: &Note,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Vec<PropertyTarget> {
        let mut out = Vec::new();
        for link in &note.property_links {
            let resolution = self.wikilink(doc, &link.target);
            if let Some(warning) = resolution.warning {
                diagnostics.push(Diagnostic::warning(&note.file, link.pos, warning));
            }
            if let Some(why) = &resolution.withheld {
                diagnostics.push(Diagnostic::warning(
                    &note.file,
                    link.pos,
                    format!(
                        "in `{}`: `{}` is not published ({why}), so it shows as plain text",
                        link.key, link.target
                    ),
                ));
            }
            let target = match (resolution.target, resolution.error) {
                (Some(target), _) => target,
                (None, Some(message)) => {
                    diagnostics.push(Diagnostic::new(
                        &note.file,
                        link.pos,
                        self.severity,
                        format!("in `{}`: {message}", link.key),
                    ));
                    Target::Broken
                }
                (None, None) => continue,
            };
            out.push(PropertyTarget {
                key: link.key.clone(),
                label: link
                    .label
                    .clone()
                    .unwrap_or_else(|| crate::syntax::display_text(&link.target)),
                target,
            });
        }
        out
    }

    fn outline(&self, doc: Doc, scan: Scan) -> (Outline, Vec<Diagnostic>) {
        let markdown = doc.markdown();
        let mut diagnostics = Vec::new();
        let mut links = BTreeMap::new();
        let positions = markdown.positions();
        for raw in &scan.links {
            let resolution = match raw.kind {
                RawLinkKind::Wiki { .. } => self.wikilink(doc, &raw.dest),
                RawLinkKind::Path { .. } => self.path(doc, &raw.dest),
            };
            let pos = positions.pos(raw.offset);
            if let Some(warning) = resolution.warning {
                diagnostics.push(Diagnostic::warning(&markdown.file, pos, warning));
            }
            if let Some(why) = &resolution.withheld {
                let shown = match raw.kind {
                    RawLinkKind::Wiki { embed: true } => "this embed shows nothing",
                    _ => "this link shows as plain text",
                };
                diagnostics.push(Diagnostic::warning(
                    &markdown.file,
                    pos,
                    format!("`{}` is not published ({why}), so {shown}", raw.dest),
                ));
            }
            if let (RawLinkKind::Wiki { embed: true }, Some(Target::Asset(path))) =
                (raw.kind, &resolution.target)
            {
                if let Some(view) = obsidian_view(path) {
                    diagnostics.push(Diagnostic::warning(
                        &markdown.file,
                        pos,
                        format!("Obsidian shows `{path}` as {view}, which a published site cannot; the embed shows as a link to the file"),
                    ));
                }
            }
            let target = match (resolution.target, resolution.error) {
                (Some(target), _) => target,
                (None, Some(message)) => {
                    diagnostics.push(Diagnostic::new(&markdown.file, pos, self.severity, message));
                    Target::Broken
                }
                // A link this tool does not check, left exactly as written.
                (None, None) => continue,
            };
            links.insert(raw.offset, target);
        }
        for math in &scan.math {
            if let Err(problem) = crate::syntax::math::to_mathml(&math.tex, math.display) {
                diagnostics.push(Diagnostic::warning(
                    &markdown.file,
                    positions.pos(math.offset + problem.offset.min(math.tex.len())),
                    format!(
                        "this math cannot be read ({}), so it is shown as written",
                        problem.message
                    ),
                ));
            }
        }
        for unsupported in &scan.unsupported {
            diagnostics.push(Diagnostic::warning(
                &markdown.file,
                positions.pos(unsupported.offset),
                unsupported.message.clone(),
            ));
        }
        (Outline { scan, links }, diagnostics)
    }

    fn wikilink(&self, doc: Doc, dest: &str) -> Resolution {
        let (name, anchor) = match dest.split_once('#') {
            Some((name, anchor)) => (name.trim(), Some(anchor.trim())),
            None => (dest.trim(), None),
        };
        let resolution = if name.is_empty() {
            match doc {
                Doc::Note(n, _) => Resolution::found(Target::Note {
                    note: n,
                    anchor: None,
                }),
                _ => Resolution::failed(format!("`[[{dest}]]` links to a heading of this text, which has no page of its own; name the note")),
            }
        } else {
            self.index.resolve_wikilink(name, &doc.markdown().dir)
        };
        self.with_anchor(resolution, anchor)
    }

    fn path(&self, doc: Doc, dest: &str) -> Resolution {
        let (path, fragment) = match dest.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (dest, None),
        };
        let is_checked =
            path.to_ascii_lowercase().ends_with(".md") || resolve::file_extension(path).is_some();
        if !is_checked {
            // A folder-like relative link (`../sources/`): the author's own business.
            return Resolution::unchecked();
        }
        let resolution = self.index.resolve_path(path, &doc.markdown().dir);
        self.with_anchor(resolution, fragment)
    }

    /// Narrows a link to a note down to one of its headings or blocks, when it names one.
    fn with_anchor(&self, mut resolution: Resolution, anchor: Option<&str>) -> Resolution {
        if let (Some(Target::Note { note, .. }), Some(anchor)) = (&resolution.target, anchor) {
            let note = *note;
            match self.anchor(note, anchor) {
                Ok(found) => {
                    resolution.target = Some(Target::Note {
                        note,
                        anchor: Some(found),
                    })
                }
                Err(error) => {
                    resolution.target = None;
                    resolution.error = Some(error);
                }
            }
        }
        resolution
    }

    fn anchor(&self, note: NoteId, anchor: &str) -> Result<Anchor, String> {
        let scan = self.notes.scan(note);
        let slug = self.notes.slug(note);
        if let Some(block) = anchor.strip_prefix('^') {
            if scan.blocks.iter().any(|b| b.id == block) {
                return Ok(Anchor::Block(block.to_string()));
            }
            return Err(format!("note `{slug}` has no block `^{block}`"));
        }
        // `[[note#Part#Detail]]` names a heading under another, as Obsidian writes the path
        // to a heading whose name is not unique: each part narrows the range to search.
        // A heading's text may hold markup and HTML (`## <font color="red">Intro</font>`),
        // which a link to it may copy as it is: only the words compare.
        let words = |part: &str| slug::slugify(&strip_tags(part));
        let parts: Vec<&str> = anchor
            .split('#')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let mut within = 0..usize::MAX;
        let mut after = 0;
        let mut found = None;
        for part in &parts {
            let wanted = words(part);
            let matches =
                |h: &&outline::Heading| h.id == wanted || slug::slugify(&h.text) == wanted;
            // Under the part before it, else anywhere after it, as Obsidian finds it.
            let heading = scan
                .headings
                .iter()
                .filter(matches)
                .find(|h| within.contains(&h.start))
                .or_else(|| {
                    scan.headings
                        .iter()
                        .filter(matches)
                        .find(|h| h.start >= after)
                });
            match heading {
                Some(h) => {
                    within = h.start..h.section_end.max(h.start + 1);
                    after = h.start;
                    found = Some(h);
                }
                None => {
                    found = None;
                    break;
                }
            }
        }
        if let Some(h) = found {
            return Ok(Anchor::Heading(h.id.clone()));
        }
        let wanted = slug::slugify(parts.last().copied().unwrap_or(anchor));
        let closest = scan
            .headings
            .iter()
            .map(|h| (strsim::levenshtein(&wanted, &h.id), h))
            .filter(|(d, _)| *d <= (wanted.len() / 3).max(2))
            .min_by_key(|(d, _)| *d)
            .map(|(_, h)| format!(" (did you mean `{}`?)", h.text))
            .unwrap_or_default();
        Err(format!("note `{slug}` has no heading `{anchor}`{closest}"))
    }
}

fn record_backlinks(
    notes: &mut [LinkedNote],
    sources: &mut [LinkedSource],
    concepts: &mut BTreeMap<String, Concept>,
) {
    let mut edges: Vec<(Ref, Target)> = Vec::new();
    for (n, note) in notes.iter().enumerate() {
        edges.extend(
            note.outline
                .links
                .values()
                .chain(note.properties.iter().map(|p| &p.target))
                .map(|t| (Ref::Note(NoteId(n)), t.clone())),
        );
    }
    for (s, source) in sources.iter().enumerate() {
        for (q, quote) in source.quotes.iter().enumerate() {
            if let Some(outline) = &quote.annotation {
                let from = Ref::Quote(QuoteRef {
                    source: SourceId(s),
                    quote: q,
                });
                edges.extend(outline.links.values().map(|t| (from.clone(), t.clone())));
            }
        }
    }
    for (name, concept) in concepts.iter() {
        if let Some(outline) = &concept.description {
            edges.extend(
                outline
                    .links
                    .values()
                    .map(|t| (Ref::Concept(name.clone()), t.clone())),
            );
        }
    }
    for (from, target) in edges {
        match target {
            Target::Note { note, .. } => {
                if from != Ref::Note(note) {
                    notes[note.0].backlinks.push(from);
                }
            }
            Target::Quote(at) => {
                let source = &mut sources[at.source.0];
                if let Ref::Note(n) = from {
                    source.notes.push(n);
                }
                source.quotes[at.quote].cited_by.push(from);
            }
            Target::Concept(name) => {
                if let (Ref::Note(n), Some(concept)) = (&from, concepts.get_mut(&name)) {
                    concept.notes.push(*n);
                }
            }
            Target::Source(s) => {
                if let Ref::Note(n) = from {
                    sources[s.0].notes.push(n);
                }
            }
            Target::Asset(_) | Target::Broken | Target::Withheld => {}
        }
    }
    for (n, note) in notes.iter_mut().enumerate() {
        note.backlinks.sort();
        note.backlinks.dedup();
        for &s in &note.sources {
            sources[s.0].notes.push(NoteId(n));
        }
    }
    for source in sources.iter_mut() {
        source.notes.sort_unstable();
        source.notes.dedup();
        for quote in &mut source.quotes {
            quote.cited_by.sort();
            quote.cited_by.dedup();
        }
    }
}

/// Each note's five notes that share the most concepts with it. Counting into a flat array
/// keeps this linear in the number of (note, concept) pairs, even for a concept on thousands
/// of notes.
fn fill_shared_concepts(notes: &mut [LinkedNote]) {
    let by_concept = notes_by_concept(notes);
    let shared: Vec<Vec<(NoteId, usize)>> = (0..notes.len())
        .into_par_iter()
        .map_init(
            || (vec![0u32; notes.len()], Vec::new()),
            |(counts, touched), n| shares_of(notes, &by_concept, n, counts, touched),
        )
        .collect();
    for (note, shared) in notes.iter_mut().zip(shared) {
        note.shares_concepts_with = shared;
    }
}

/// Each concept's notes, by position.
fn notes_by_concept(notes: &[LinkedNote]) -> BTreeMap<&str, Vec<usize>> {
    let mut by_concept: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (n, note) in notes.iter().enumerate() {
        for c in &note.concepts {
            by_concept.entry(c).or_default().push(n);
        }
    }
    by_concept
}

/// Whether note `a` (sharing `a.1` concepts) goes before `b` on a list of shared concepts:
/// most shared first, then first by position.
fn shares_more(a: (usize, usize), b: (usize, usize)) -> bool {
    a.1 > b.1 || (a.1 == b.1 && a.0 < b.0)
}

/// Note `n`'s five notes that share the most concepts with it; `counts` is zeroed for every
/// note and left so, `touched` empty and left so.
fn shares_of(
    notes: &[LinkedNote],
    by_concept: &BTreeMap<&str, Vec<usize>>,
    n: usize,
    counts: &mut [u32],
    touched: &mut Vec<usize>,
) -> Vec<(NoteId, usize)> {
    for c in &notes[n].concepts {
        for &other in &by_concept[c.as_str()] {
            if other != n {
                if counts[other] == 0 {
                    touched.push(other);
                }
                counts[other] += 1;
            }
        }
    }
    // Keep the five best without sorting all of them: a note on a popular concept touches
    // thousands of others.
    let mut best: Vec<(usize, usize)> = Vec::with_capacity(6);
    for &o in touched.iter() {
        let candidate = (o, counts[o] as usize);
        counts[o] = 0;
        if best.len() < 5 || shares_more(candidate, *best.last().expect("five kept")) {
            let at = best
                .iter()
                .position(|&b| shares_more(candidate, b))
                .unwrap_or(best.len());
            best.insert(at, candidate);
            best.truncate(5);
        }
    }
    touched.clear();
    best.into_iter()
        .map(|(o, count)| (NoteId(o), count))
        .collect()
}

/// The lists of shared concepts after notes `added` came and the notes `lost` lost one from
/// their lists (it was removed), the other lists as they were: an added note can only enter
/// another's list, so only the notes that share a concept with it are looked at, and only the
/// lists that lost one are counted again. Returns the notes whose lists changed.
fn update_shared_concepts(
    notes: &mut [LinkedNote],
    added: &[NoteId],
    lost: &[NoteId],
) -> BTreeSet<NoteId> {
    let mut changed: BTreeSet<NoteId> = added.iter().chain(lost).copied().collect();
    let by_concept = notes_by_concept(notes);
    let mut counts = vec![0u32; notes.len()];
    let mut touched = Vec::new();
    let mut recount: Vec<usize> = added.iter().chain(lost).map(|n| n.0).collect();
    recount.sort_unstable();
    recount.dedup();
    let fresh: Vec<(usize, Vec<(NoteId, usize)>)> = recount
        .iter()
        .map(|&n| {
            (
                n,
                shares_of(notes, &by_concept, n, &mut counts, &mut touched),
            )
        })
        .collect();
    let mut entries: Vec<(usize, usize, usize)> = Vec::new();
    for &new in added {
        for c in &notes[new.0].concepts {
            for &other in &by_concept[c.as_str()] {
                if other != new.0 {
                    counts[other] += 1;
                    if counts[other] == 1 {
                        touched.push(other);
                    }
                }
            }
        }
        for &other in &touched {
            entries.push((other, new.0, counts[other] as usize));
            counts[other] = 0;
        }
        touched.clear();
    }
    for (n, shared) in fresh {
        notes[n].shares_concepts_with = shared;
    }
    for (other, new, count) in entries {
        if recount.binary_search(&other).is_ok() {
            continue;
        }
        let list = &mut notes[other].shares_concepts_with;
        let candidate = (new, count);
        let beats = |b: &(NoteId, usize)| shares_more(candidate, (b.0 .0, b.1));
        if list.len() < 5 || beats(list.last().expect("five kept")) {
            let at = list.iter().position(beats).unwrap_or(list.len());
            list.insert(at, (NoteId(new), count));
            list.truncate(5);
            changed.insert(NoteId(other));
        }
    }
    changed
}
