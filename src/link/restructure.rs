//! Adding and removing notes without linking the whole site: a live preview's answer to a new,
//! deleted or renamed note file. The graph's notes stay sorted by slug, so a [`NoteId`] is
//! still a position there and every list stays in the order a full link makes; what moves is
//! renumbered ([`Renumbering`]), a removed note leaves every reverse list (backlinks,
//! citations, memberships, shared concepts) and an added one enters those of what it links to
//! and names ([`finish`]), as the link stage would have placed it.
//!
//! What this cannot do exactly, it refuses, leaving the graph untouched, and the caller links
//! the whole site: a new or vanished concept, a concept first written another way, a folder
//! note, a page taken twice, a file a note uses that was not published.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::embeds::{self, EmbedNote, PageText};
use super::outline::RawLinkKind;
use super::relink::Affected;
use super::resolve::{link_keys, note_names, path_link_keys};
use super::{note_sources, outline, Doc, Graph, LinkedNote, Linker, NoteId, Ref, Resolver, Target};
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::Note;

/// Where each note of the graph before a change is after it: `None` for a removed one.
#[derive(Debug, Clone)]
pub struct Renumbering {
    old_to_new: Vec<Option<NoteId>>,
}

impl Renumbering {
    pub fn note(&self, old: NoteId) -> Option<NoteId> {
        self.old_to_new.get(old.0).copied().flatten()
    }

    fn target(&self, target: &mut Target) {
        if let Target::Note { note, .. } = target {
            match self.note(*note) {
                Some(moved) => *note = moved,
                // The text that linked it is linked again by the caller.
                None => *target = Target::Broken,
            }
        }
    }

    fn reference(&self, r: &Ref) -> Option<Ref> {
        match r {
            Ref::Note(n) => self.note(*n).map(Ref::Note),
            other => Some(other.clone()),
        }
    }
}

/// The outcome of [`restructure`].
#[derive(Debug)]
pub struct Restructured {
    pub moved: Renumbering,
    /// The added notes, by their ids in the graph now.
    pub added: Vec<NoteId>,
    /// The notes whose lists of notes sharing concepts lost a removed note.
    pub lost_shares: Vec<NoteId>,
    /// The pages whose lists the removed notes left, by their ids now.
    pub left: Affected,
    /// The concepts the added and removed notes name: the concepts they appear with change.
    pub concepts: BTreeSet<String>,
    /// Problems of the added notes' texts.
    pub warnings: Vec<Diagnostic>,
}

/// Removes notes `removed` and adds `added` (each as loaded, not yet in the graph). The texts
/// that link to a removed or added note's names are not linked again here: the caller finds
/// them with [`LinkNames`] and links them again with [`super::relink::relink_note`], then
/// calls [`refresh_lists`]. Returns why not when the change could alter what it does not
/// redo: with the graph untouched, but for a file a new note uses that the site did not
/// publish, found once the graph has changed (the caller then links the whole site anyway). `every_file_published`: the site publishes every file
/// under `content/`, used or not, so a note's links cannot change which.
pub fn restructure(
    graph: &mut Graph,
    linker: &mut Linker,
    removed: &[NoteId],
    added: Vec<Note>,
    every_file_published: bool,
) -> Result<Restructured, &'static str> {
    let dialect = crate::syntax::Dialect::of(&graph.config);
    let scans: Vec<outline::Scan> = added
        .iter()
        .map(|note| outline::scan(&note.body.text, dialect))
        .collect();
    // A rename is a removal and an addition: the added notes write concepts too.
    let incoming: Vec<Writer> = added
        .iter()
        .zip(&scans)
        .map(|(note, scan)| Writer {
            slug: &note.slug,
            concepts: &note.concepts,
            tags: [&note.tags[..], &scan.tags[..]],
        })
        .collect();
    check_removals(graph, linker, removed, &incoming, every_file_published)?;
    check_additions(graph, linker, removed, &added, &scans)?;

    // What the removed notes were on, to render again once they left it.
    let mut left = Affected::default();
    let mut concepts = BTreeSet::new();
    for &n in removed {
        on_lists_of(graph, n, &mut left);
        concepts.extend(graph.note(n).concepts.iter().cloned());
    }

    // The notes in slug order, the removed ones out and the added ones in.
    let mut gone = vec![false; graph.notes.len()];
    for n in removed {
        gone[n.0] = true;
    }
    let old = std::mem::take(&mut graph.notes);
    let mut kept: Vec<(Option<NoteId>, LinkedNote)> = old
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !gone[*i])
        .map(|(i, linked)| (Some(NoteId(i)), linked))
        .collect();
    let mut incoming: Vec<(usize, Note)> = added.into_iter().enumerate().collect();
    incoming.sort_by(|a, b| a.1.slug.cmp(&b.1.slug));
    let mut added_at = vec![NoteId(0); incoming.len()];
    let mut merged = Vec::with_capacity(kept.len() + incoming.len());
    let mut incoming = incoming.into_iter().peekable();
    kept.reverse();
    loop {
        let take_new = match (kept.last(), incoming.peek()) {
            (Some((_, old)), Some((_, new))) => new.slug < old.note.slug,
            (None, Some(_)) => true,
            (_, None) => false,
        };
        if take_new {
            let (i, note) = incoming.next().expect("peeked");
            added_at[i] = NoteId(merged.len());
            merged.push((None, placeholder(note)));
        } else if let Some(entry) = kept.pop() {
            merged.push(entry);
        } else {
            break;
        }
    }
    let mut old_to_new = vec![None; gone.len()];
    for (new, (old, _)) in merged.iter().enumerate() {
        if let Some(old) = old {
            old_to_new[old.0] = Some(NoteId(new));
        }
    }
    graph.notes = merged.into_iter().map(|(_, linked)| linked).collect();
    let moved = Renumbering { old_to_new };
    let lost_shares = renumber(graph, &moved);
    let notes: Vec<&Note> = graph.notes.iter().map(|l| &l.note).collect();
    let new_positions: Vec<usize> = added_at.iter().map(|n| n.0).collect();
    linker.index.move_notes(
        &notes,
        &|old| moved.note(NoteId(old)).map(|n| n.0),
        &new_positions,
    );

    // The added notes' own links, with every note's names as they are now.
    let mut warnings = Vec::new();
    for (&n, scan) in added_at.iter().zip(scans) {
        let linked = &graph.notes[n.0];
        let resolver = Resolver::for_note(linker, &graph.notes, n, &scan);
        let (outline, mut problems) =
            resolver.outline(Doc::Note(n, &linked.note.body), scan.clone());
        let properties =
            resolver.properties(Doc::Note(n, &linked.note.body), &linked.note, &mut problems);
        let sources = note_sources(&linked.note, &linker.index, &mut problems);
        let written: Vec<String> = linked
            .note
            .concepts
            .iter()
            .chain(&outline.scan.tags)
            .cloned()
            .collect();
        let concepts = linker.concepts.canonical_list(&written);
        let unpublished_file = outline.links.values().any(|t| match t {
            Target::Asset(path) => !graph.assets.iter().any(|a| &a.path == path),
            _ => false,
        });
        if unpublished_file {
            // Used now, the file is published: the caller links the whole site.
            return Err("it uses a file the site did not publish");
        }
        let linked = &mut graph.notes[n.0];
        linked.outline = outline;
        linked.properties = properties;
        linked.sources = sources;
        linked.concepts = concepts;
        warnings.extend(problems);
    }
    let left = Affected {
        lists_changed: true,
        notes: left.notes.iter().filter_map(|&n| moved.note(n)).collect(),
        quotes: left.quotes,
        concepts: left.concepts,
        sources: left.sources,
    };
    for &n in &added_at {
        concepts.extend(graph.note(n).concepts.iter().cloned());
    }
    Ok(Restructured {
        moved,
        added: added_at,
        lost_shares,
        left,
        concepts,
        warnings,
    })
}

/// A note in the graph before its links are resolved.
fn placeholder(note: Note) -> LinkedNote {
    LinkedNote {
        note,
        outline: Default::default(),
        properties: Vec::new(),
        concepts: Vec::new(),
        sources: Vec::new(),
        backlinks: Vec::new(),
        shares_concepts_with: Vec::new(),
    }
}

/// A note as it writes concepts: in its front matter, and as tags (front matter's, inline).
struct Writer<'a> {
    slug: &'a str,
    concepts: &'a [String],
    tags: [&'a [String]; 2],
}

fn check_removals(
    graph: &Graph,
    linker: &Linker,
    removed: &[NoteId],
    incoming: &[Writer],
    every_file_published: bool,
) -> Result<(), &'static str> {
    for &n in removed {
        let linked = graph.note(n);
        let slug = &linked.note.slug;
        if has_notes_under(graph, slug) {
            return Err("it is a folder's note");
        }
        let uses_files = linked
            .outline
            .links
            .values()
            .chain(linked.properties.iter().map(|p| &p.target))
            .any(|t| matches!(t, Target::Asset(_)));
        if uses_files && !every_file_published {
            return Err("it uses files the site may then leave out");
        }
        for name in &linked.concepts {
            concept_stays(graph, linker, n, removed, incoming, name)?;
        }
    }
    Ok(())
}

/// Whether some note's page is under `slug/`, which makes `slug` a folder.
fn has_notes_under(graph: &Graph, slug: &str) -> bool {
    let prefix = format!("{slug}/");
    let at = graph
        .notes
        .partition_point(|l| l.note.slug.as_str() < prefix.as_str());
    graph
        .notes
        .get(at)
        .is_some_and(|l| l.note.slug.starts_with(&prefix))
}

/// Whether concept `name`, written by removed note `n`, stays as it is without it: its file
/// gives it its title, or another text writes it (a note staying or `incoming`), and the
/// first of them (notes' front matter first, by page, then quotes, as the link stage reads
/// them) as the concept is first written, unless one before `n` does (`n` was then not the
/// first); and another note tags it if `n` did.
fn concept_stays(
    graph: &Graph,
    linker: &Linker,
    n: NoteId,
    removed: &[NoteId],
    incoming: &[Writer],
    name: &str,
) -> Result<(), &'static str> {
    const CHANGES: &str = "a concept it names would be gone or titled otherwise";
    let concept = graph.concepts.get(name).ok_or(CHANGES)?;
    if concept.file.as_ref().is_some_and(|f| f.title.is_some()) {
        return Ok(());
    }
    if name.contains('/') {
        return Err(CHANGES);
    }
    let table = &linker.concepts;
    let form_in = |forms: &[String]| {
        forms
            .iter()
            .find(|w| table.canonical_name(w) == name)
            .map(|w| w.trim().trim_start_matches('#').to_string())
    };
    let staying = concept
        .notes
        .iter()
        .copied()
        .filter(|m| !removed.contains(m))
        .map(|m| {
            let linked = graph.note(m);
            Writer {
                slug: &linked.note.slug,
                concepts: &linked.note.concepts,
                tags: [&linked.note.tags[..], &linked.outline.scan.tags[..]],
            }
        });
    // The first note by page to write it in its front matter, and to tag it in its text.
    let mut first: Option<(String, String)> = None;
    let mut first_tag: Option<(String, String)> = None;
    let mut tagged_elsewhere = false;
    let mut consider = |writer: &Writer| {
        let earlier = |found: &Option<(String, String)>| {
            found
                .as_ref()
                .is_none_or(|(slug, _)| writer.slug < slug.as_str())
        };
        if let Some(form) = form_in(writer.concepts) {
            if earlier(&first) {
                first = Some((writer.slug.to_string(), form));
            }
        }
        if let Some(form) = form_in(writer.tags[1]) {
            if earlier(&first_tag) {
                first_tag = Some((writer.slug.to_string(), form));
            }
        }
        tagged_elsewhere |= writer.tags.iter().any(|tags| form_in(tags).is_some());
    };
    for writer in staying {
        consider(&writer);
    }
    for writer in incoming {
        consider(writer);
    }
    let removed_note = graph.note(n);
    let before_removed = |(slug, form): (String, String)| (slug < removed_note.note.slug, form);
    // No note writes it in its front matter: the first quote that does, else the first note
    // that tags it in its text.
    let first = first.map(before_removed).or_else(|| {
        let quote = concept
            .quotes
            .iter()
            .find_map(|&at| form_in(&graph.quote(at).quote.concepts));
        match quote {
            Some(form) => Some((false, form)),
            None => first_tag.map(before_removed),
        }
    });
    let Some((before_n, form)) = first else {
        return Err(CHANGES);
    };
    if !before_n && Some(form.as_str()) != table.first_written(name) {
        return Err(CHANGES);
    }
    let tags_it = form_in(&removed_note.note.tags).is_some()
        || form_in(&removed_note.outline.scan.tags).is_some();
    if tags_it && !tagged_elsewhere {
        return Err(CHANGES);
    }
    Ok(())
}

fn check_additions(
    graph: &Graph,
    linker: &Linker,
    removed: &[NoteId],
    added: &[Note],
    scans: &[outline::Scan],
) -> Result<(), &'static str> {
    let mut slugs = BTreeSet::new();
    for (note, scan) in added.iter().zip(scans) {
        let slug = note.slug.as_str();
        let taken = graph
            .note_by_slug(slug)
            .is_some_and(|m| !removed.contains(&m));
        if taken || !slugs.insert(slug) {
            return Err("its page is another note's");
        }
        if crate::load::is_folder_note(&note.content_path()) || has_notes_under(graph, slug) {
            return Err("it is a folder's note");
        }
        // A note at `a/b` makes `a` a folder: a note at `a` would become its page.
        let mut above = slug;
        while let Some((parent, _)) = above.rsplit_once('/') {
            if graph.note_by_slug(parent).is_some() {
                return Err("it makes another note a folder's note");
            }
            above = parent;
        }
        let table = &linker.concepts;
        let tags: BTreeSet<&str> = note.tags.iter().map(String::as_str).collect();
        for written in &note.concepts {
            if !table.adds_nothing(written, tags.contains(written.as_str())) {
                return Err("it names a new concept, or one written otherwise");
            }
        }
        for tag in &scan.tags {
            if !table.adds_nothing(tag, true) {
                return Err("it names a new concept, or one written otherwise");
            }
        }
        if scan.diagrams > 0 && !graph.has_diagrams() || !scan.math.is_empty() && !graph.has_math()
        {
            return Err("it is the site's first diagram or math");
        }
    }
    Ok(())
}

/// Every note link in every text, and every reverse list, moved: the texts that linked a
/// removed note are linked again by the caller, and until [`refresh_lists`] the lists are
/// those of before without the removed notes. Returns the notes whose lists of notes sharing
/// concepts lost one.
fn renumber(graph: &mut Graph, moved: &Renumbering) -> Vec<NoteId> {
    let refs = |list: &mut Vec<Ref>| {
        *list = list.iter().filter_map(|r| moved.reference(r)).collect();
    };
    let ids = |list: &mut Vec<NoteId>| {
        *list = list.iter().filter_map(|&n| moved.note(n)).collect();
    };
    let lost: Vec<NoteId> = graph
        .notes
        .par_iter_mut()
        .enumerate()
        .filter_map(|(n, linked)| {
            for target in linked.outline.links.values_mut() {
                moved.target(target);
            }
            for property in &mut linked.properties {
                moved.target(&mut property.target);
            }
            refs(&mut linked.backlinks);
            let before = linked.shares_concepts_with.len();
            linked.shares_concepts_with = linked
                .shares_concepts_with
                .iter()
                .filter_map(|&(m, count)| Some((moved.note(m)?, count)))
                .collect();
            (linked.shares_concepts_with.len() < before).then_some(NoteId(n))
        })
        .collect();
    for source in &mut graph.sources {
        ids(&mut source.notes);
        for quote in &mut source.quotes {
            refs(&mut quote.cited_by);
            if let Some(outline) = &mut quote.annotation {
                for target in outline.links.values_mut() {
                    moved.target(target);
                }
            }
        }
    }
    for concept in graph.concepts.values_mut() {
        ids(&mut concept.notes);
        if let Some(outline) = &mut concept.description {
            for target in outline.links.values_mut() {
                moved.target(target);
            }
        }
    }
    lost
}

/// Checks the embeds of the added notes: no cycle, and how far each page may expand.
pub fn check_added_embeds(
    graph: &Graph,
    added: &[NoteId],
) -> Result<Vec<Diagnostic>, &'static str> {
    let embedding: Vec<NoteId> = added
        .iter()
        .copied()
        .filter(|&n| !embeds::note_embeds(&graph.note(n).outline).is_empty())
        .collect();
    if embedding.is_empty() {
        return Ok(Vec::new());
    }
    let notes: Vec<EmbedNote> = graph
        .notes
        .iter()
        .map(|linked| EmbedNote {
            slug: &linked.note.slug,
            body: &linked.note.body,
            outline: &linked.outline,
        })
        .collect();
    let mut cycles = Vec::new();
    embeds::report_cycles(&notes, &mut cycles);
    if !cycles.is_empty() {
        return Err("the change makes an embed cycle");
    }
    let mut problems = Vec::new();
    for n in embedding {
        let linked = graph.note(n);
        problems.extend(embeds::check_expansion(
            &PageText {
                note: Some(n),
                markdown: &linked.note.body,
                outline: &linked.outline,
            },
            &notes,
        ));
    }
    if problems.iter().any(|d| d.severity == Severity::Error) {
        return Err("the change has problems to report");
    }
    Ok(problems)
}

/// Which texts write each name a note may be linked by, so that adding or removing a note
/// links again only the texts that may now mean another note.
#[derive(Debug, Default)]
pub struct LinkNames {
    /// By each key of [`link_keys`]: the notes' files (relative to the root) whose texts or
    /// front matter use it, and whether a quote's or concept's text does.
    by_key: HashMap<String, (BTreeSet<PathBuf>, bool)>,
}

impl LinkNames {
    pub fn of(graph: &Graph) -> LinkNames {
        let keyed: Vec<(PathBuf, Vec<String>)> = graph
            .notes
            .par_iter()
            .map(|linked| (linked.note.file.clone(), keys_of_note(linked)))
            .collect();
        let mut names = LinkNames::default();
        for (file, keys) in keyed {
            for key in keys {
                names.by_key.entry(key).or_default().0.insert(file.clone());
            }
        }
        let others = graph
            .sources
            .iter()
            .flat_map(|s| s.quotes.iter().filter_map(|q| q.annotation.as_ref()))
            .chain(
                graph
                    .concepts
                    .values()
                    .filter_map(|c| c.description.as_ref()),
            );
        for outline in others {
            for key in keys_of_scan(&outline.scan) {
                names.by_key.entry(key).or_default().1 = true;
            }
        }
        names
    }

    /// Adds what a note's text uses now (it was added or edited); what it no longer uses stays
    /// listed, which only links it again some time for nothing.
    pub fn add(&mut self, linked: &LinkedNote) {
        for key in keys_of_note(linked) {
            self.by_key
                .entry(key)
                .or_default()
                .0
                .insert(linked.note.file.clone());
        }
    }

    /// Adds what a quote's annotation uses now (it was added or edited).
    pub fn add_text(&mut self, scan: &outline::Scan) {
        for key in keys_of_scan(scan) {
            self.by_key.entry(key).or_default().1 = true;
        }
    }

    /// Whether some text's link may name `name` (a quote's global id, `ddia/q1`).
    pub fn mentions(&self, name: &str) -> bool {
        link_keys(name)
            .iter()
            .any(|key| self.by_key.contains_key(key))
    }

    /// The notes' files whose links may name `note`; `Err` when a quote's or a concept's text
    /// may, which this way does not link again.
    pub fn holders(&self, note: &Note) -> Result<BTreeSet<PathBuf>, &'static str> {
        let mut files = BTreeSet::new();
        for (_, key) in note_names(note) {
            if let Some((notes, others)) = self.by_key.get(&key) {
                if *others {
                    return Err("a quote's or concept's text may link to it");
                }
                files.extend(
                    notes
                        .iter()
                        .filter(|f| f.as_path() != note.file.as_path())
                        .cloned(),
                );
            }
        }
        Ok(files)
    }
}

fn keys_of_note(linked: &LinkedNote) -> Vec<String> {
    let mut keys = keys_of_scan(&linked.outline.scan);
    for property in &linked.note.property_links {
        let name = property
            .target
            .split_once('#')
            .map_or(property.target.as_str(), |(n, _)| n);
        keys.extend(link_keys(name));
    }
    keys
}

fn keys_of_scan(scan: &outline::Scan) -> Vec<String> {
    scan.links
        .iter()
        .flat_map(|raw| match raw.kind {
            RawLinkKind::Wiki { .. } => {
                let name = raw
                    .dest
                    .split_once('#')
                    .map_or(raw.dest.as_str(), |(n, _)| n);
                link_keys(name)
            }
            RawLinkKind::Path { .. } => path_link_keys(&raw.dest),
        })
        .collect()
}

/// Every page whose lists note `n` is on: what it links to (a quote's source too), its
/// sources and its concepts.
fn on_lists_of(graph: &Graph, n: NoteId, affected: &mut Affected) {
    let linked = graph.note(n);
    for target in super::relink::targets(&linked.outline, &linked.properties) {
        match target {
            Target::Note { note, .. } if note != n => {
                affected.notes.insert(note);
            }
            Target::Quote(at) => {
                affected.quotes.insert(at);
                affected.sources.insert(at.source);
            }
            Target::Concept(name) => {
                affected.concepts.insert(name);
            }
            Target::Source(s) => {
                affected.sources.insert(s);
            }
            _ => {}
        }
    }
    affected.sources.extend(linked.sources.iter().copied());
    affected.concepts.extend(linked.concepts.iter().cloned());
}

/// Puts the added notes on the reverse lists of what they link to and name, as the link stage
/// places a note (`record_backlinks`, `fill_members`), counts again which concepts the
/// changed notes' concepts appear with, and fills the lists of notes sharing concepts. Call it
/// after the texts that may link to the added or removed notes were linked again. Returns
/// the pages whose lists changed: those the removed notes left, those the added ones joined,
/// the notes whose shared concepts changed, and every concept above a changed one (its page
/// counts the narrower ones' members).
pub fn finish(graph: &mut Graph, done: &Restructured) -> Affected {
    let mut affected = Affected {
        lists_changed: true,
        notes: done.left.notes.clone(),
        quotes: done.left.quotes.clone(),
        concepts: done.left.concepts.clone(),
        sources: done.left.sources.clone(),
    };
    for &n in &done.added {
        join_lists(graph, n);
        on_lists_of(graph, n, &mut affected);
    }
    for name in &done.concepts {
        count_appearances(graph, name);
        affected.concepts.insert(name.clone());
    }
    affected.notes.extend(super::update_shared_concepts(
        &mut graph.notes,
        &done.added,
        &done.lost_shares,
    ));
    let mut todo: Vec<String> = affected.concepts.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        for broader in graph.concepts.get(&name).map_or(&[][..], |c| &c.broader) {
            if affected.concepts.insert(broader.clone()) {
                todo.push(broader.clone());
            }
        }
    }
    affected.notes.retain(|n| !done.added.contains(n));
    affected
}

/// Note `n` on the lists of what it links to, its sources and its concepts.
fn join_lists(graph: &mut Graph, n: NoteId) {
    fn insert<T: Ord>(list: &mut Vec<T>, item: T) {
        if let Err(at) = list.binary_search(&item) {
            list.insert(at, item);
        }
    }
    let linked = graph.note(n);
    let targets: Vec<Target> = linked
        .outline
        .links
        .values()
        .chain(linked.properties.iter().map(|p| &p.target))
        .cloned()
        .collect();
    let sources = linked.sources.clone();
    let concepts = linked.concepts.clone();
    for target in targets {
        match target {
            Target::Note { note, .. } if note != n => {
                insert(&mut graph.notes[note.0].backlinks, Ref::Note(n));
            }
            Target::Quote(at) => {
                let source = &mut graph.sources[at.source.0];
                insert(&mut source.notes, n);
                insert(&mut source.quotes[at.quote].cited_by, Ref::Note(n));
            }
            Target::Concept(name) => {
                if let Some(concept) = graph.concepts.get_mut(&name) {
                    insert(&mut concept.notes, n);
                }
            }
            Target::Source(s) => insert(&mut graph.sources[s.0].notes, n),
            _ => {}
        }
    }
    for s in sources {
        insert(&mut graph.sources[s.0].notes, n);
    }
    for name in concepts {
        if let Some(concept) = graph.concepts.get_mut(&name) {
            insert(&mut concept.notes, n);
        }
    }
}

/// The concepts `name` appears with on notes and quotes, counted again as `fill_members`
/// counts them: most often first, then by name, ten at most.
pub(super) fn count_appearances(graph: &mut Graph, name: &str) {
    let Some(concept) = graph.concepts.get(name) else {
        return;
    };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let lists = concept
        .notes
        .iter()
        .map(|&m| &graph.note(m).concepts)
        .chain(concept.quotes.iter().map(|&at| &graph.quote(at).concepts));
    for list in lists.filter(|list| list.iter().any(|c| c == name)) {
        for other in list.iter().filter(|c| *c != name) {
            if graph.concepts.contains_key(other) {
                *counts.entry(other).or_default() += 1;
            }
        }
    }
    let mut with: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(other, count)| (other.to_string(), count))
        .collect();
    with.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    with.truncate(10);
    graph
        .concepts
        .get_mut(name)
        .expect("looked up above")
        .appears_with = with;
}

/// A note's file, as [`LinkNames`] lists it, under `content/`: `notes/a.md`.
pub fn content_relative(file: &Path) -> String {
    let file = crate::diagnostic::display_path(file);
    match file
        .strip_prefix(crate::site::CONTENT_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
    {
        Some(rest) => rest.to_string(),
        None => file,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{self, LoadOptions, Selection};
    use crate::site::SiteRoot;

    /// A copy of the project's demo site.
    fn demo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let from = Path::new(env!("CARGO_MANIFEST_DIR"));
        // Broken links are warnings here: the links to a removed note break.
        let config = std::fs::read_to_string(from.join("commonplace.yaml")).unwrap();
        std::fs::write(
            dir.path().join("commonplace.yaml"),
            format!("{config}broken_links: warn\n"),
        )
        .unwrap();
        for entry in walkdir::WalkDir::new(from.join("content")) {
            let entry = entry.unwrap();
            let to = dir.path().join(entry.path().strip_prefix(from).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else {
                std::fs::copy(entry.path(), &to).unwrap();
            }
        }
        dir
    }

    const OPTIONS: LoadOptions = LoadOptions {
        selection: Selection {
            drafts: false,
            withheld: true,
        },
        base_url: None,
    };

    fn linked(root: &Path) -> (Graph, Linker) {
        let site = SiteRoot::open(root).unwrap();
        let (corpus, _) = load::load(&site, &OPTIONS).unwrap();
        let (graph, _, linker) = super::super::link_keeping_names(corpus);
        (graph, linker)
    }

    /// Everything the pages show of the graph's links and lists, note by note.
    fn shape(graph: &Graph) -> Vec<String> {
        let mut out: Vec<String> = graph
            .notes
            .iter()
            .map(|l| {
                format!(
                    "{} {:?} {:?} {:?} {:?} {:?}",
                    l.note.slug,
                    l.outline.links,
                    l.properties,
                    l.backlinks,
                    l.shares_concepts_with,
                    l.concepts
                )
            })
            .collect();
        for source in &graph.sources {
            out.push(format!("{} {:?}", source.source.id, source.notes));
            for quote in &source.quotes {
                out.push(format!(
                    "{:?} {:?}",
                    quote.cited_by,
                    quote.annotation.as_ref().map(|a| &a.links)
                ));
            }
        }
        for concept in graph.concepts.values() {
            out.push(format!(
                "{} {:?} {:?} {:?}",
                concept.name, concept.notes, concept.quotes, concept.appears_with
            ));
        }
        out
    }

    /// Removes the note at `file`, or adds it (as loaded from `root`), the quick way.
    fn change(graph: &mut Graph, linker: &mut Linker, root: &Path, file: &str, add: bool) {
        match add {
            true => rename(graph, linker, root, None, Some(file)),
            false => rename(graph, linker, root, Some(file), None),
        }
    }

    /// Removes the note at `from` and adds the one at `to`, in one change.
    fn rename(
        graph: &mut Graph,
        linker: &mut Linker,
        root: &Path,
        from: Option<&str>,
        to: Option<&str>,
    ) {
        let site = SiteRoot::open(root).unwrap();
        let added: Vec<Note> = to
            .map(|file| {
                let (note, _) =
                    load::load_note(&site, file, &graph.config, OPTIONS.selection).unwrap();
                note.unwrap()
            })
            .into_iter()
            .collect();
        let removed: Vec<NoteId> = from
            .map(|file| {
                graph
                    .note_ids()
                    .find(|&n| graph.note(n).note.content_path() == file)
                    .unwrap()
            })
            .into_iter()
            .collect();
        let names = LinkNames::of(graph);
        let mut holders = BTreeSet::new();
        for &n in &removed {
            holders.extend(names.holders(&graph.note(n).note).unwrap());
        }
        for note in &added {
            holders.extend(names.holders(note).unwrap());
        }
        let done = restructure(graph, linker, &removed, added, true).unwrap();
        for file in holders {
            let relative = content_relative(&file);
            let n = graph
                .note_ids()
                .find(|&n| graph.note(n).note.content_path() == relative)
                .unwrap();
            let note = graph.note(n).note.clone();
            super::super::relink::relink_note(graph, linker, n, note, false).unwrap();
        }
        finish(graph, &done);
    }

    #[test]
    fn a_note_removed_and_added_again_links_as_a_whole_site_does() {
        let site = demo();
        let (whole, _) = linked(site.path());
        let (mut graph, mut linker) = linked(site.path());
        // A note with concepts on other notes' lists of shared concepts, and links both ways.
        let file = "notes/scalability/percentiles-and-tail-latency.md";
        let kept = std::fs::read(site.path().join("content").join(file)).unwrap();
        change(&mut graph, &mut linker, site.path(), file, false);
        std::fs::remove_file(site.path().join("content").join(file)).unwrap();
        // Links to it are broken now, as linking the site without it finds them.
        let (without, _) = linked(site.path());
        assert_eq!(shape(&graph), shape(&without));

        std::fs::write(site.path().join("content").join(file), kept).unwrap();
        change(&mut graph, &mut linker, site.path(), file, true);
        assert_eq!(shape(&graph), shape(&whole));
    }

    #[test]
    fn a_note_renamed_into_a_new_folder_links_as_a_whole_site_does() {
        let site = demo();
        let (mut graph, mut linker) = linked(site.path());
        let content = site.path().join("content");
        let (from, to) = (
            "notes/scalability/twitter-home-timeline.md",
            "notes/cases/home-timelines.md",
        );
        std::fs::create_dir_all(content.join("notes/cases")).unwrap();
        std::fs::rename(content.join(from), content.join(to)).unwrap();
        rename(&mut graph, &mut linker, site.path(), Some(from), Some(to));
        let (whole, _) = linked(site.path());
        assert_eq!(shape(&graph), shape(&whole));
    }
}
