//! Changing a quote file without linking the whole site: a live preview's answer to a quote
//! added, edited or removed, the commonest change after a note's text. A quote is a position
//! in its source's file ([`QuoteRef`]); the source keeps its place, its quotes are replaced,
//! those that stay are renumbered where other texts link to them, and the lists the link stage
//! makes of them (citations, backlinks of what annotations link to, concept memberships) are
//! patched in place, in the order a full link gives them.
//!
//! What this cannot do exactly, it refuses, leaving the graph untouched, and the caller links
//! the whole site: a change to the source itself, a removed quote that another text links to,
//! an added quote whose id a text already uses, a concept that would appear, vanish or be
//! titled otherwise, a change to an annotation's tags, an annotation with an error.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::embeds::{EmbedNote, PageText};
use super::relink::Affected;
use super::restructure::LinkNames;
use super::{embeds, outline, Doc, Graph, LinkedQuote, Linker, Outline, QuoteRef, Ref, Resolver};
use super::{SourceId, Target};
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::{Quote, Source};

/// The outcome of [`requote`].
#[derive(Debug)]
pub struct Requoted {
    /// Where each quote of the source before the change is now (its position in the file),
    /// `None` for a removed one.
    pub moved: Vec<Option<usize>>,
    /// The removed quotes' global ids (`ddia/q1`).
    pub removed: Vec<String>,
    /// The pages whose content or lists changed; the source's own page among them.
    pub affected: Affected,
    /// Problems of the annotations' texts (the file's own are the caller's, who parsed it).
    pub warnings: Vec<Diagnostic>,
}

/// Replaces source `s`'s quotes with those of `source`, its file as it is now. `names` says
/// which names the site's texts link by (without it, no quote may be added). Returns why not,
/// with the graph and linker untouched, when the change could alter what this does not redo.
pub fn requote(
    graph: &mut Graph,
    linker: &mut Linker,
    s: SourceId,
    mut source: Source,
    names: Option<&LinkNames>,
) -> Result<Requoted, &'static str> {
    let old = &graph.source(s).source;
    if old.file != source.file
        || old.id != source.id
        || old.title != source.title
        || old.author != source.author
        || old.year != source.year
        || old.kind != source.kind
        || old.url != source.url
        || old.publish != source.publish
    {
        return Err("its source's id, title, author, year, kind, url or publication changed");
    }
    let quotes = std::mem::take(&mut source.quotes);
    let before = &graph.source(s).quotes;
    let now_at: HashMap<&str, usize> = quotes
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id.as_str(), i))
        .collect();
    let was_at: HashMap<&str, usize> = before
        .iter()
        .enumerate()
        .map(|(i, l)| (l.quote.id.as_str(), i))
        .collect();
    let moved: Vec<Option<usize>> = before
        .iter()
        .map(|l| now_at.get(l.quote.id.as_str()).copied())
        .collect();
    let same_source = |r: &Ref| matches!(r, Ref::Quote(at) if at.source == s);
    for (linked, now) in before.iter().zip(&moved) {
        if now.is_none() && linked.cited_by.iter().any(|r| !same_source(r)) {
            return Err("another text links to a quote it removes");
        }
    }
    for quote in &quotes {
        let added = !was_at.contains_key(quote.id.as_str());
        if added && names.is_none_or(|names| names.mentions(&source.quote_id(quote))) {
            return Err("a text links by the name of a quote it adds");
        }
    }

    // The quotes whose content is new; the others are as they were, but maybe elsewhere.
    let old_quote = |j: usize| was_at.get(quotes[j].id.as_str()).map(|&q| &before[q]);
    let changed: Vec<usize> = (0..quotes.len())
        .filter(|&j| old_quote(j).is_none_or(|old| !same_quote(&old.quote, &quotes[j])))
        .collect();
    let dialect = crate::syntax::Dialect::of(&graph.config);
    let scans: Vec<Option<outline::Scan>> = quotes
        .iter()
        .map(|q| {
            q.note
                .as_ref()
                .map(|note| outline::scan(&note.text, dialect))
        })
        .collect();
    // Tags in annotations name concepts as tags, which titles them; left to a full link.
    let tags = |scan: Option<&outline::Scan>| scan.map(|s| s.tags.clone()).unwrap_or_default();
    for (j, scan) in scans.iter().enumerate() {
        let was = old_quote(j).and_then(|old| old.annotation.as_ref().map(|a| &a.scan));
        if tags(scan.as_ref()) != tags(was) {
            return Err("an annotation's tags changed");
        }
    }
    for (linked, now) in before.iter().zip(&moved) {
        if now.is_none() && !tags(linked.annotation.as_ref().map(|a| &a.scan)).is_empty() {
            return Err("an annotation's tags changed");
        }
    }
    let table = &linker.concepts;
    let mut concepts: BTreeSet<String> = BTreeSet::new();
    for &j in &changed {
        for written in &quotes[j].concepts {
            let name = table.canonical_name(written);
            if !name.is_empty() && !graph.concepts.contains_key(&name) {
                return Err("a quote names a concept the site does not have");
            }
            concepts.insert(name);
        }
        concepts.extend(
            old_quote(j)
                .iter()
                .flat_map(|old| old.concepts.iter().cloned()),
        );
    }
    for (linked, now) in before.iter().zip(&moved) {
        if now.is_none() {
            concepts.extend(linked.concepts.iter().cloned());
        }
    }
    concepts.remove("");
    // Each quote's concepts as the link stage gives them: written, then its annotation's tags.
    let canonical: Vec<Vec<String>> = quotes
        .iter()
        .zip(&scans)
        .map(|(quote, scan)| {
            let tags = scan.iter().flat_map(|s| s.tags.iter());
            let written: Vec<String> = quote.concepts.iter().chain(tags).cloned().collect();
            table.canonical_list(&written)
        })
        .collect();
    let written_before: Vec<&Quote> = before.iter().map(|l| &l.quote).collect();
    let written_now: Vec<&Quote> = quotes.iter().collect();
    for name in &concepts {
        let concept = &graph.concepts[name];
        if first_written_with(graph, linker, name, s, &written_before)
            != first_written_with(graph, linker, name, s, &written_now)
        {
            return Err("a concept it names would be titled otherwise");
        }
        let staying = concept.quotes.iter().filter(|at| at.source != s).count();
        let coming = canonical.iter().filter(|list| list.contains(name)).count();
        if staying + coming + concept.notes.len() == 0 && concept.file.is_none() {
            return Err("a concept it names would be gone");
        }
    }

    // What changed quotes and removed ones are shown on: the texts that embed or link them.
    let shown_by: Vec<Ref> = changed
        .iter()
        .filter_map(|&j| old_quote(j))
        .chain(
            before
                .iter()
                .zip(&moved)
                .filter(|(_, m)| m.is_none())
                .map(|(l, _)| l),
        )
        .flat_map(|linked| linked.cited_by.iter().cloned())
        .collect();
    let removed: Vec<String> = before
        .iter()
        .zip(&moved)
        .filter(|(_, now)| now.is_none())
        .map(|(linked, _)| source.quote_id(&linked.quote))
        .collect();

    // Who cites the quotes that stay, but for this source's annotations, linked again below.
    let mut carried: Vec<Vec<Ref>> = (0..quotes.len())
        .map(|j| match old_quote(j) {
            Some(old) => old
                .cited_by
                .iter()
                .filter(|r| !same_source(r))
                .cloned()
                .collect(),
            None => Vec::new(),
        })
        .collect();
    // The annotations linked against the quote table as it is now, which may name a quote
    // the change adds; put back if the change is refused.
    let mut ids: HashMap<String, QuoteRef> = (*graph.quote_ids).clone();
    for linked in before {
        ids.remove(&source.quote_id(&linked.quote));
    }
    for (j, quote) in quotes.iter().enumerate() {
        ids.insert(
            source.quote_id(quote),
            QuoteRef {
                source: s,
                quote: j,
            },
        );
    }
    let ids = Arc::new(ids);
    let old_ids = std::mem::replace(&mut graph.quote_ids, ids.clone());
    linker.index.set_quotes(ids);
    let mut warnings = Vec::new();
    let annotations = annotate(graph, linker, &quotes, &scans, &mut warnings);
    if warnings.iter().any(|d| d.severity == Severity::Error) {
        linker.index.set_quotes(old_ids.clone());
        graph.quote_ids = old_ids;
        return Err("the change has problems to report");
    }

    // From here on the change is made.
    let mut affected = Affected::default();
    // The old annotations' links leave the lists of what they linked to.
    let old_edges: Vec<(Ref, Target)> = annotation_edges(graph, s);
    for (from, target) in &old_edges {
        unlist(graph, from, target, &mut affected);
    }
    // Those of this source's quotes are named by their places before the change.
    let follow = |at: QuoteRef| -> Option<QuoteRef> {
        if at.source != s {
            return Some(at);
        }
        moved[at.quote].map(|quote| QuoteRef { source: s, quote })
    };
    affected.quotes = affected.quotes.iter().copied().filter_map(follow).collect();
    affected.sources.insert(s);
    // The other texts' links to the quotes that stay follow them to their new places.
    if moved.iter().enumerate().any(|(q, now)| *now != Some(q)) {
        renumber(graph, s, &moved);
    }
    let order = super::locator_order(&quotes);
    let linked: Vec<LinkedQuote> = quotes
        .into_iter()
        .zip(annotations)
        .zip(canonical)
        .enumerate()
        .map(|(j, ((quote, annotation), concepts))| LinkedQuote {
            concepts,
            annotation,
            quote,
            cited_by: std::mem::take(&mut carried[j]),
        })
        .collect();
    let dropped = std::mem::replace(&mut graph.sources[s.0].quotes, linked);
    graph.sources[s.0].order = order;
    graph.sources[s.0].source = source;
    drop(dropped);
    for (from, target) in annotation_edges(graph, s) {
        enlist(graph, &from, &target, &mut affected);
    }

    // Memberships: the source's quotes leave every concept and enter those they name now.
    for concept in graph.concepts.values_mut() {
        concept.quotes.retain(|at| at.source != s);
    }
    for j in 0..graph.source(s).quotes.len() {
        let at = QuoteRef {
            source: s,
            quote: j,
        };
        for name in graph.quote(at).concepts.clone() {
            if let Some(concept) = graph.concepts.get_mut(&name) {
                let place = concept.quotes.partition_point(|q| *q < at);
                concept.quotes.insert(place, at);
            }
        }
    }
    for name in &concepts {
        super::restructure::count_appearances(graph, name);
    }
    // A concept's count shows on the pages that list it: broader concepts, and those it
    // appears with.
    for (name, concept) in &graph.concepts {
        let lists_one = concept.narrower.iter().any(|c| concepts.contains(c))
            || concept
                .appears_with
                .iter()
                .any(|(c, _)| concepts.contains(c));
        if lists_one {
            affected.concepts.insert(name.clone());
        }
    }
    affected.concepts.extend(concepts);

    for &j in &changed {
        affected.quotes.insert(QuoteRef {
            source: s,
            quote: j,
        });
    }
    for holder in shown_by {
        match holder {
            Ref::Note(n) => {
                affected.notes.insert(n);
                super::relink::embedders(graph, n, &mut affected);
            }
            // An annotation that embeds it; one of this source's is named as it was.
            Ref::Quote(at) => {
                affected.quotes.extend(follow(at));
            }
            Ref::Concept(name) => {
                affected.concepts.insert(name);
            }
        }
    }
    Ok(Requoted {
        moved,
        removed,
        affected,
        warnings,
    })
}

/// Whether a quote reads the same: everything its pages and search document show.
fn same_quote(a: &Quote, b: &Quote) -> bool {
    a.id == b.id
        && a.text == b.text
        && a.locator == b.locator
        && a.date == b.date
        && a.concepts == b.concepts
        && a.note.as_ref().map(|n| &n.text) == b.note.as_ref().map(|n| &n.text)
}

/// How concept `name` is first written by a note's front matter or a quote, in the order the
/// link stage reads them (notes by page, then quotes source by source, each in file order),
/// were source `s`'s quotes `quotes`: what its title may be made of. Tags come after them;
/// this module leaves tags alone.
fn first_written_with(
    graph: &Graph,
    linker: &Linker,
    name: &str,
    s: SourceId,
    quotes: &[&Quote],
) -> Option<String> {
    let concept = graph.concepts.get(name)?;
    let table = &linker.concepts;
    let form = |list: &[String]| {
        list.iter()
            .find(|w| table.canonical_name(w) == name)
            .map(|w| w.trim().trim_start_matches('#').to_string())
    };
    let quoted = |keep: &dyn Fn(&QuoteRef) -> bool| {
        concept
            .quotes
            .iter()
            .filter(|at| keep(at))
            .find_map(|&at| form(&graph.quote(at).quote.concepts))
    };
    concept
        .notes
        .iter()
        .find_map(|&n| form(&graph.note(n).note.concepts))
        .or_else(|| quoted(&|at| at.source < s))
        .or_else(|| quotes.iter().find_map(|q| form(&q.concepts)))
        .or_else(|| quoted(&|at| at.source > s))
}

/// Each annotation of the file, linked again (a few per source, cheap beside the pages), so
/// that its links name quotes by their places now and its problems are all reported again.
/// Problems go to `warnings`.
fn annotate(
    graph: &Graph,
    linker: &Linker,
    quotes: &[Quote],
    scans: &[Option<outline::Scan>],
    warnings: &mut Vec<Diagnostic>,
) -> Vec<Option<Outline>> {
    let resolver = Resolver::for_text(linker, &graph.notes);
    let mut out = Vec::with_capacity(quotes.len());
    let mut embed_notes: Option<Vec<EmbedNote>> = None;
    for (j, quote) in quotes.iter().enumerate() {
        let (Some(note), Some(scan)) = (&quote.note, &scans[j]) else {
            out.push(None);
            continue;
        };
        let (outline, problems) = resolver.outline(Doc::Other(note), scan.clone());
        warnings.extend(problems);
        if !embeds::note_embeds(&outline).is_empty() {
            let notes = embed_notes.get_or_insert_with(|| {
                graph
                    .notes
                    .iter()
                    .map(|linked| EmbedNote {
                        slug: &linked.note.slug,
                        body: &linked.note.body,
                        outline: &linked.outline,
                    })
                    .collect()
            });
            let page = PageText {
                note: None,
                markdown: note,
                outline: &outline,
            };
            warnings.extend(embeds::check_expansion(&page, notes));
        }
        out.push(Some(outline));
    }
    out
}

/// Every link of source `s`'s annotations, from the quote that holds it.
fn annotation_edges(graph: &Graph, s: SourceId) -> Vec<(Ref, Target)> {
    let mut edges = Vec::new();
    for (q, quote) in graph.source(s).quotes.iter().enumerate() {
        if let Some(outline) = &quote.annotation {
            let from = Ref::Quote(QuoteRef {
                source: s,
                quote: q,
            });
            edges.extend(outline.links.values().map(|t| (from.clone(), t.clone())));
        }
    }
    edges
}

/// Takes a link of an annotation off the list of what it links to, as `record_backlinks`
/// put it there (only notes' backlinks and quotes' citations list annotations).
pub(super) fn unlist(graph: &mut Graph, from: &Ref, target: &Target, affected: &mut Affected) {
    match target {
        Target::Note { note, .. } => {
            graph.notes[note.0].backlinks.retain(|r| r != from);
            affected.notes.insert(*note);
        }
        Target::Quote(at) => {
            graph.sources[at.source.0].quotes[at.quote]
                .cited_by
                .retain(|r| r != from);
            affected.quotes.insert(*at);
        }
        _ => {}
    }
}

/// Puts a link of an annotation on the list of what it links to, in its sorted place.
pub(super) fn enlist(graph: &mut Graph, from: &Ref, target: &Target, affected: &mut Affected) {
    let list = match target {
        Target::Note { note, .. } => {
            affected.notes.insert(*note);
            &mut graph.notes[note.0].backlinks
        }
        Target::Quote(at) => {
            affected.quotes.insert(*at);
            &mut graph.sources[at.source.0].quotes[at.quote].cited_by
        }
        _ => return,
    };
    if let Err(place) = list.binary_search(from) {
        list.insert(place, from.clone());
    }
}

/// Points every link of the other texts to a quote of source `s` at where the quote is now.
/// Nothing links to a removed one (checked before); an annotation of `s` is linked again.
fn renumber(graph: &mut Graph, s: SourceId, moved: &[Option<usize>]) {
    let follow = |target: &mut Target| {
        if let Target::Quote(at) = target {
            if at.source == s {
                at.quote = moved[at.quote].expect("nothing links to a removed quote");
            }
        }
    };
    for linked in &mut graph.notes {
        linked.outline.links.values_mut().for_each(follow);
        linked
            .properties
            .iter_mut()
            .for_each(|p| follow(&mut p.target));
    }
    for (t, source) in graph.sources.iter_mut().enumerate() {
        if t == s.0 {
            continue;
        }
        for quote in &mut source.quotes {
            if let Some(outline) = &mut quote.annotation {
                outline.links.values_mut().for_each(follow);
            }
        }
    }
    for concept in graph.concepts.values_mut() {
        if let Some(outline) = &mut concept.description {
            outline.links.values_mut().for_each(follow);
        }
    }
}
