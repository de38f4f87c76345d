//! Linking one edited note again, without linking the whole site: the daily loop of a live
//! preview is "change a paragraph, save", and on a 10,000-note site a full link takes half a
//! second. Only an edit that leaves everything other texts know about the note alone (its file,
//! name, title, aliases, concepts and sources) is handled here; anything else, or any edit
//! that would leave a problem to report, is the caller's cue to link the whole site, which
//! reports it exactly as `build` would.

use std::collections::BTreeSet;

use super::embeds::{self, EmbedNote, PageText};
use super::{
    note_sources, outline, Doc, Graph, Linker, NoteId, Outline, QuoteRef, Ref, Resolver, SourceId,
    Target,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::Note;

/// The pages one edit can change, beyond the lists every edit re-renders (home, feed, the
/// concept and source indexes).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Affected {
    /// Whether the note's place on backlink and membership lists changed, which shows in the
    /// counts of the concept and source indexes.
    pub lists_changed: bool,
    pub notes: BTreeSet<NoteId>,
    pub quotes: BTreeSet<QuoteRef>,
    pub concepts: BTreeSet<String>,
    pub sources: BTreeSet<SourceId>,
}

/// The outcome of [`relink_note`]: the pages to render again, and the warnings of the note's
/// own text (its front matter's are the caller's, who parsed it).
#[derive(Debug)]
pub struct Relinked {
    pub affected: Affected,
    pub warnings: Vec<Diagnostic>,
}

/// Links note `n` again after its file changed to `note`, updating backlinks and membership
/// lists in place. Returns why not, and leaves `graph` untouched, when the edit changes what
/// other texts rely on or has an error: the caller then links the whole site, which reports
/// it. `site_is_clean` says the last full link found no
/// problems at all; only then can a note's headings change without checking every text that
/// may have pointed at one that did not exist.
pub fn relink_note(
    graph: &mut Graph,
    linker: &Linker,
    n: NoteId,
    note: Note,
    site_is_clean: bool,
) -> Result<Relinked, &'static str> {
    let old = graph.note(n);
    if old.note.file != note.file
        || old.note.slug != note.slug
        || old.note.title != note.title
        || old.note.aliases != note.aliases
        || old.note.concepts != note.concepts
        || old.note.sources != note.sources
        || old.note.draft != note.draft
        || old.note.withheld != note.withheld
        || old.note.date != note.date
        || old.note.property_links != note.property_links
    {
        return Err(
            "its title, date, aliases, concepts, sources, linked properties or publication changed",
        );
    }
    let scan = outline::scan(&note.body.text, crate::syntax::Dialect::of(&graph.config));
    if scan.tags != old.outline.scan.tags {
        return Err("its tags changed");
    }
    let anchors = |scan: &outline::Scan| -> (Vec<String>, Vec<String>) {
        (
            scan.headings.iter().map(|h| h.id.clone()).collect(),
            scan.blocks.iter().map(|b| b.id.clone()).collect(),
        )
    };
    if anchors(&old.outline.scan) != anchors(&scan) {
        if !site_is_clean {
            // A link elsewhere may have been broken for want of a heading this edit adds.
            return Err("its headings or blocks changed while the site has problems");
        }
        if links_into(graph, n).any(|anchor| !has_anchor(&scan, anchor)) {
            return Err("a link elsewhere points at a heading or block it no longer has");
        }
    }

    let resolver = Resolver::for_note(linker, &graph.notes, n, &scan);
    let (outline, mut problems) = resolver.outline(Doc::Note(n, &note.body), scan.clone());
    // The same front matter links, which may name another note now that notes came or went.
    let properties = resolver.properties(Doc::Note(n, &note.body), &note, &mut problems);
    // The sources are the same as before (checked above), so this finds the same problems.
    note_sources(&note, &linker.index, &mut problems);
    if problems.iter().any(|d| d.severity == Severity::Error) {
        return Err("the edit has problems to report");
    }
    // Embeds: the edit may make a cycle, or change how far this page's embeds, or those of a
    // page that embeds this note, may expand.
    let edited_notes = embed_notes(graph, n, &note.body, &outline);
    let old_outline = &graph.note(n).outline;
    if embeds::note_embeds(old_outline) != embeds::note_embeds(&outline)
        || anchors(&old_outline.scan) != anchors(&outline.scan)
    {
        let mut cycles = Vec::new();
        embeds::report_cycles(&edited_notes, &mut cycles);
        if !cycles.is_empty() {
            return Err("the edit makes an embed cycle");
        }
    }
    problems.extend(embeds::check_expansion(
        &PageText {
            note: Some(n),
            markdown: &note.body,
            outline: &outline,
        },
        &edited_notes,
    ));
    // A concept only this note uses, misspelt: its warning moves with the note's text.
    let established = super::concepts::established(&graph.concepts);
    for name in &graph.note(n).concepts {
        let concept = &graph.concepts[name];
        if concept.notes != [n] {
            continue;
        }
        if let Some((nearest, uses)) = super::concepts::near_miss(concept, &established) {
            let site = super::concepts::note_use_site(&linker.concepts, name, &note, &outline);
            if let Some((file, pos)) = site {
                problems.push(super::concepts::near_miss_warning(
                    file, pos, name, nearest, uses,
                ));
            }
        }
    }
    let mut showing = Affected::default();
    embedders(graph, n, &mut showing);
    if showing.notes.len() + showing.quotes.len() + showing.concepts.len() > 0 {
        let old_notes = embed_notes(graph, n, &graph.note(n).note.body, old_outline);
        let mut pages: Vec<PageText> = Vec::new();
        for &m in &showing.notes {
            pages.push(PageText {
                note: Some(m),
                markdown: &graph.note(m).note.body,
                outline: &graph.note(m).outline,
            });
        }
        for &at in &showing.quotes {
            let quote = graph.quote(at);
            if let (Some(markdown), Some(outline)) = (&quote.quote.note, &quote.annotation) {
                pages.push(PageText {
                    note: None,
                    markdown,
                    outline,
                });
            }
        }
        for name in &showing.concepts {
            let concept = &graph.concepts[name];
            if let (Some(file), Some(outline)) = (&concept.file, &concept.description) {
                pages.push(PageText {
                    note: None,
                    markdown: &file.body,
                    outline,
                });
            }
        }
        for page in pages.iter().filter(|p| p.note != Some(n)) {
            if embeds::check_expansion(page, &old_notes)
                != embeds::check_expansion(page, &edited_notes)
            {
                return Err("the edit changes how far a page that embeds it may expand");
            }
        }
    }

    let old_targets = targets(&graph.note(n).outline, &graph.note(n).properties);
    let new_targets = targets(&outline, &properties);
    let mut affected = Affected::default();
    affected.notes.insert(n);
    embedders(graph, n, &mut affected);
    // Other pages show the note only by its title, which did not change, or through the
    // lists it is on: those change only when what it links to does.
    if old_targets != new_targets {
        for target in old_targets.symmetric_difference(&new_targets) {
            match target {
                Target::Note { note, .. } => {
                    affected.notes.insert(*note);
                }
                Target::Quote(at) => {
                    affected.quotes.insert(*at);
                    affected.sources.insert(at.source);
                }
                Target::Concept(name) => {
                    affected.concepts.insert(name.clone());
                }
                Target::Source(s) => {
                    affected.sources.insert(*s);
                }
                Target::Asset(_) | Target::Broken | Target::Withheld => {}
            }
        }
        // A concept's page shows its narrower concepts with their counts, so a change to a
        // concept's members shows on every broader concept's page too.
        let mut todo: Vec<String> = affected.concepts.iter().cloned().collect();
        while let Some(name) = todo.pop() {
            for broader in graph.concepts.get(&name).map_or(&[][..], |c| &c.broader) {
                if affected.concepts.insert(broader.clone()) {
                    todo.push(broader.clone());
                }
            }
        }
        affected.lists_changed = true;
        update_memberships(graph, n, &new_targets, &affected);
    }
    let linked = &mut graph.notes[n.0];
    linked.note = note;
    linked.outline = outline;
    linked.properties = properties;
    Ok(Relinked {
        affected,
        warnings: problems,
    })
}

/// The notes of the graph for the embed checks, with note `n` as edited.
fn embed_notes<'a>(
    graph: &'a Graph,
    n: NoteId,
    body: &'a crate::load::Markdown,
    outline: &'a Outline,
) -> Vec<EmbedNote<'a>> {
    graph
        .note_ids()
        .zip(&graph.notes)
        .map(|(m, linked)| EmbedNote {
            slug: &linked.note.slug,
            body: if m == n { body } else { &linked.note.body },
            outline: if m == n { outline } else { &linked.outline },
        })
        .collect()
}

/// What a note links to, in its text and its front matter, without anchors: the pages whose
/// backlink lists it is on.
pub(super) fn targets(
    outline: &super::Outline,
    properties: &[super::PropertyTarget],
) -> BTreeSet<Target> {
    outline
        .links
        .values()
        .chain(properties.iter().map(|p| &p.target))
        .filter_map(|target| match target {
            Target::Note { note, .. } => Some(Target::Note {
                note: *note,
                anchor: None,
            }),
            Target::Asset(_) | Target::Broken | Target::Withheld => None,
            other => Some(other.clone()),
        })
        .collect()
}

/// The anchors that other texts' links into note `n` name.
fn links_into(graph: &Graph, n: NoteId) -> impl Iterator<Item = &super::Anchor> {
    graph
        .note(n)
        .backlinks
        .iter()
        .filter_map(|holder| match holder {
            Ref::Note(m) => Some(&graph.note(*m).outline),
            Ref::Quote(at) => graph.quote(*at).annotation.as_ref(),
            Ref::Concept(name) => graph.concepts.get(name)?.description.as_ref(),
        })
        .flat_map(|outline| outline.links.values())
        .filter_map(move |target| match target {
            Target::Note {
                note,
                anchor: Some(anchor),
            } if *note == n => Some(anchor),
            _ => None,
        })
}

fn has_anchor(scan: &outline::Scan, anchor: &super::Anchor) -> bool {
    match anchor {
        super::Anchor::Heading(id) => scan.headings.iter().any(|h| &h.id == id),
        super::Anchor::Block(id) => scan.blocks.iter().any(|b| &b.id == id),
    }
}

/// Every page that shows note `n`'s text: notes that embed it, the notes that embed those, and
/// quotes and concepts whose texts embed or link to it.
pub(super) fn embedders(graph: &Graph, n: NoteId, affected: &mut Affected) {
    let mut todo = vec![n];
    let mut seen = BTreeSet::from([n]);
    while let Some(m) = todo.pop() {
        for holder in &graph.note(m).backlinks {
            match holder {
                Ref::Note(k) => {
                    let embeds_m = embeds::note_embeds(&graph.note(*k).outline)
                        .iter()
                        .any(|e| e.note == m);
                    if embeds_m && seen.insert(*k) {
                        affected.notes.insert(*k);
                        todo.push(*k);
                    }
                }
                Ref::Quote(at) => {
                    affected.quotes.insert(*at);
                }
                Ref::Concept(name) => {
                    affected.concepts.insert(name.clone());
                }
            }
        }
    }
}

/// Moves note `n` onto the backlink, citation and membership lists of what it now links to,
/// and off those of what it no longer does, as `record_backlinks` would have placed it.
fn update_memberships(
    graph: &mut Graph,
    n: NoteId,
    new_targets: &BTreeSet<Target>,
    affected: &Affected,
) {
    let from = Ref::Note(n);
    let set = |list: &mut Vec<Ref>, member: bool| match (list.binary_search(&from), member) {
        (Ok(at), false) => {
            list.remove(at);
        }
        (Err(at), true) => list.insert(at, from.clone()),
        _ => {}
    };
    for &m in &affected.notes {
        if m != n {
            let member = new_targets.contains(&Target::Note {
                note: m,
                anchor: None,
            });
            set(&mut graph.notes[m.0].backlinks, member);
        }
    }
    for &at in &affected.quotes {
        let member = new_targets.contains(&Target::Quote(at));
        set(
            &mut graph.sources[at.source.0].quotes[at.quote].cited_by,
            member,
        );
    }
    let tagged_sources = graph.note(n).sources.clone();
    for &s in &affected.sources {
        let member = tagged_sources.contains(&s)
            || new_targets.iter().any(|t| match t {
                Target::Source(x) => *x == s,
                Target::Quote(at) => at.source == s,
                _ => false,
            });
        let notes = &mut graph.sources[s.0].notes;
        match (notes.binary_search(&n), member) {
            (Ok(at), false) => {
                notes.remove(at);
            }
            (Err(at), true) => notes.insert(at, n),
            _ => {}
        }
    }
    let tagged_concepts = graph.note(n).concepts.clone();
    for name in &affected.concepts {
        let member =
            tagged_concepts.contains(name) || new_targets.contains(&Target::Concept(name.clone()));
        if let Some(concept) = graph.concepts.get_mut(name) {
            match (concept.notes.binary_search(&n), member) {
                (Ok(at), false) => {
                    concept.notes.remove(at);
                }
                (Err(at), true) => concept.notes.insert(at, n),
                _ => {}
            }
        }
    }
}
