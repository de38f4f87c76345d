//! Embeds of notes (`![[note]]`, `![[note#Heading]]`, `![[note#^block]]`): what each one
//! shows, which ones make a cycle, and how far a page's embeds may expand.
//!
//! An embed shows a range of a note: all of it, one section or one block. A cycle is an embed
//! whose range, followed through the embeds inside it, comes back to the embed itself, so a
//! note may embed another section of itself (`![[#Other heading]]`). Expansion is capped per
//! page by depth and by size ([`Budget`]): a chain of notes that each embed the previous two
//! has no cycle, but expanded in full it would double with each note. The renderer spends the
//! same budget in the same order as [`check_expansion`] does here, so the embeds this stage
//! warns about are exactly those the pages show as links.

use std::collections::BTreeMap;
use std::ops::Range;

use super::outline::{Heading, RawLinkKind, Scan};
use super::{Anchor, NoteId, Outline, Target};
use crate::diagnostic::Diagnostic;
use crate::load::Markdown;

/// How deep embeds may nest: a note embedded in a note embedded in the page is depth 2.
pub const MAX_DEPTH: usize = 8;
/// How many notes and sections one page may embed, all depths together.
pub const MAX_EMBEDS: usize = 500;
/// How much Markdown one page may embed, all depths together.
pub const MAX_BYTES: usize = 1 << 20;

/// What one page has left to spend on embeds.
#[derive(Debug, Default)]
pub struct Budget {
    embeds: usize,
    bytes: usize,
}

/// Why an embed is shown as a link instead of expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    Depth,
    Size,
}

impl Budget {
    /// Spends the budget on an embed of `len` bytes at nesting `depth` (1 for an embed in the
    /// page's own text), or says why it may not expand.
    pub fn admit(&mut self, depth: usize, len: usize) -> Result<(), Cut> {
        if depth > MAX_DEPTH {
            return Err(Cut::Depth);
        }
        if self.embeds + 1 > MAX_EMBEDS || self.bytes + len > MAX_BYTES {
            return Err(Cut::Size);
        }
        self.embeds += 1;
        self.bytes += len;
        Ok(())
    }
}

/// One embed of a note in a text: where it is, and the note and range it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    pub offset: usize,
    pub note: NoteId,
    pub anchor: Option<Anchor>,
}

/// The embeds of notes in a text, in the order they appear.
pub fn note_embeds(outline: &Outline) -> Vec<Embed> {
    outline
        .scan
        .links
        .iter()
        .filter(|l| l.kind == RawLinkKind::Wiki { embed: true })
        .filter_map(|l| match outline.links.get(&l.offset) {
            Some(Target::Note { note, anchor }) => Some(Embed {
                offset: l.offset,
                note: *note,
                anchor: anchor.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// The range of a note's text that an embed with `anchor` shows, and the heading it names (a
/// section is shown without its heading, which the embed's title names instead).
pub fn range<'a>(
    scan: &'a Scan,
    text_len: usize,
    anchor: Option<&Anchor>,
) -> (Range<usize>, Option<&'a Heading>) {
    match anchor {
        Some(Anchor::Heading(id)) => match scan.headings.iter().find(|h| &h.id == id) {
            Some(h) => (h.body_start..h.section_end, Some(h)),
            None => (0..text_len, None),
        },
        Some(Anchor::Block(id)) => match scan.blocks.iter().find(|b| &b.id == id) {
            Some(b) => (b.start..b.end, None),
            None => (0..text_len, None),
        },
        None => (0..text_len, None),
    }
}

/// What the checks here need of each note: its slug, text and outline.
pub struct EmbedNote<'a> {
    pub slug: &'a str,
    pub body: &'a Markdown,
    pub outline: &'a Outline,
}

/// An embed in a note: (note, index among its embeds).
type Node = (usize, usize);

/// Embed cycles: errors, one per cycle, at the embed of the cycle's first note (by order) that
/// starts it.
pub fn report_cycles(notes: &[EmbedNote], diagnostics: &mut Vec<Diagnostic>) {
    let embeds: Vec<Vec<Embed>> = notes.iter().map(|n| note_embeds(n.outline)).collect();
    if embeds.iter().all(Vec::is_empty) {
        return;
    }
    let ranges: Vec<Vec<Range<usize>>> = embeds
        .iter()
        .map(|list| {
            list.iter()
                .map(|e| {
                    let target = &notes[e.note.0];
                    range(
                        &target.outline.scan,
                        target.body.text.len(),
                        e.anchor.as_ref(),
                    )
                    .0
                })
                .collect()
        })
        .collect();
    // The embeds an embed leads to: those of its target note that lie in its range.
    let successors = |(n, i): Node| -> Vec<Node> {
        let target = embeds[n][i].note.0;
        let shown = &ranges[n][i];
        embeds[target]
            .iter()
            .enumerate()
            .filter(|(_, e)| shown.contains(&e.offset))
            .map(|(j, _)| (target, j))
            .collect()
    };
    for cycle in cycles(&embeds, &successors) {
        let (n, i) = cycle[0];
        // The chain, named as the embeds name their targets, from the part that holds the
        // first embed back round to it: `a` embeds `b#Part` embeds `a`.
        let name = |&(m, j): &Node| {
            let embed = &embeds[m][j];
            let slug = notes[embed.note.0].slug;
            match &embed.anchor {
                Some(Anchor::Heading(id)) => format!("`{slug}#{id}`"),
                Some(Anchor::Block(id)) => format!("`{slug}#^{id}`"),
                None => format!("`{slug}`"),
            }
        };
        let last = cycle.last().expect("a cycle has an embed");
        let steps: Vec<String> = std::iter::once(name(last))
            .chain(cycle.iter().map(name))
            .collect();
        let note = &notes[n];
        diagnostics.push(Diagnostic::error(
            &note.body.file,
            note.body.pos(embeds[n][i].offset),
            format!("embed cycle: {}", steps.join(" embeds ")),
        ));
    }
}

/// One cycle through each strongly connected group of embeds that has one, starting at the
/// group's first embed: Tarjan's algorithm, written with an explicit stack so a long chain
/// cannot overflow the thread's.
fn cycles(embeds: &[Vec<Embed>], successors: &dyn Fn(Node) -> Vec<Node>) -> Vec<Vec<Node>> {
    // Embeds numbered densely: note by note, in order.
    let nodes: Vec<Node> = embeds
        .iter()
        .enumerate()
        .flat_map(|(n, list)| (0..list.len()).map(move |i| (n, i)))
        .collect();
    let first: Vec<usize> = embeds
        .iter()
        .scan(0, |start, list| {
            let at = *start;
            *start += list.len();
            Some(at)
        })
        .collect();
    let number = |(n, i): Node| first[n] + i;
    let successors_of = |v: usize| -> Vec<usize> {
        let mut rest: Vec<usize> = successors(nodes[v]).into_iter().map(number).collect();
        rest.reverse();
        rest
    };
    let mut state = Tarjan {
        index: vec![None; nodes.len()],
        low: vec![0; nodes.len()],
        on_stack: vec![false; nodes.len()],
        stack: Vec::new(),
        next: 0,
    };
    let mut groups: Vec<Vec<Node>> = Vec::new();
    for root in 0..nodes.len() {
        if state.index[root].is_some() {
            continue;
        }
        // Each frame: a node and its successors not yet looked at.
        let mut frames: Vec<(usize, Vec<usize>)> = Vec::new();
        state.visit(root);
        frames.push((root, successors_of(root)));
        while let Some((v, rest)) = frames.last_mut() {
            let v = *v;
            if let Some(w) = rest.pop() {
                match state.index[w] {
                    None => {
                        state.visit(w);
                        frames.push((w, successors_of(w)));
                    }
                    Some(index) if state.on_stack[w] => state.low[v] = state.low[v].min(index),
                    Some(_) => {}
                }
                continue;
            }
            frames.pop();
            if let Some((parent, _)) = frames.last() {
                state.low[*parent] = state.low[*parent].min(state.low[v]);
            }
            if Some(state.low[v]) == state.index[v] {
                let mut group = Vec::new();
                while let Some(member) = state.stack.pop() {
                    state.on_stack[member] = false;
                    group.push(nodes[member]);
                    if member == v {
                        break;
                    }
                }
                let self_loop = group.len() == 1 && successors(nodes[v]).contains(&nodes[v]);
                if group.len() > 1 || self_loop {
                    group.sort_unstable();
                    groups.push(group);
                }
            }
        }
    }
    groups.sort();
    groups
        .into_iter()
        .map(|group| cycle_in(&group, successors))
        .collect()
}

/// Tarjan's bookkeeping, by dense node number.
struct Tarjan {
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
}

impl Tarjan {
    fn visit(&mut self, v: usize) {
        self.index[v] = Some(self.next);
        self.low[v] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
    }
}

/// A shortest cycle from the group's first node back to itself, through the group only.
fn cycle_in(group: &[Node], successors: &dyn Fn(Node) -> Vec<Node>) -> Vec<Node> {
    let start = group[0];
    let mut came_from: BTreeMap<Node, Node> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for next in successors(node) {
            if group.binary_search(&next).is_err() {
                continue;
            }
            if next == start {
                let mut path = vec![node];
                let mut at = node;
                while at != start {
                    at = came_from[&at];
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if let std::collections::btree_map::Entry::Vacant(entry) = came_from.entry(next) {
                entry.insert(node);
                queue.push_back(next);
            }
        }
    }
    vec![start]
}

/// A text that is the body of a page (a note, a quote's annotation, a concept's description),
/// whose embeds the page expands.
pub struct PageText<'a> {
    /// The note whose page this is, if it is a note's: the page shows all of it already.
    pub note: Option<NoteId>,
    pub markdown: &'a Markdown,
    pub outline: &'a Outline,
}

/// What a page is showing while it expands an embed: each note and range on the way down. An
/// embed of something already on it is a cycle, which the renderer cuts without spending.
pub type Showing = Vec<(NoteId, Range<usize>)>;

/// Walks a page's embeds in the order the renderer expands them, spending a [`Budget`], and
/// warns at the page's own embed under which the first one was cut. Embeds that make a cycle
/// are left to [`report_cycles`].
pub fn check_expansion(page: &PageText, notes: &[EmbedNote]) -> Option<Diagnostic> {
    let top = note_embeds(page.outline);
    if top.is_empty() {
        return None;
    }
    let mut budget = Budget::default();
    let mut showing: Showing = page
        .note
        .map(|n| (n, 0..page.markdown.text.len()))
        .into_iter()
        .collect();
    for embed in &top {
        let mut path = Vec::new();
        if let Some(cut) = expand(embed, notes, &mut budget, &mut showing, &mut path) {
            let through: Vec<String> = path.iter().map(|s| format!("`{s}`")).collect();
            let message = match cut {
                Cut::Depth => format!(
                    "embeds nest more than {MAX_DEPTH} deep from here ({}); the deeper ones show as links",
                    through.join(" › ")
                ),
                Cut::Size => format!(
                    "this page embeds more than {MAX_EMBEDS} notes or {} MiB of text; the embeds from here on ({}) show as links",
                    MAX_BYTES >> 20,
                    through.join(" › ")
                ),
            };
            return Some(Diagnostic::warning(
                &page.markdown.file,
                page.markdown.pos(embed.offset),
                message,
            ));
        }
    }
    None
}

/// Expands one embed, depth first, as the renderer does; returns the first cut met and leaves
/// in `path` the notes it went through to meet it.
fn expand<'a>(
    embed: &Embed,
    notes: &[EmbedNote<'a>],
    budget: &mut Budget,
    showing: &mut Showing,
    path: &mut Vec<&'a str>,
) -> Option<Cut> {
    let target = &notes[embed.note.0];
    let (shown, _) = range(
        &target.outline.scan,
        target.body.text.len(),
        embed.anchor.as_ref(),
    );
    if showing.contains(&(embed.note, shown.clone())) {
        return None;
    }
    path.push(target.slug);
    // The depth of this embed: how many embeds lead to it from the page's own text.
    if let Err(cut) = budget.admit(path.len(), shown.len()) {
        return Some(cut);
    }
    showing.push((embed.note, shown.clone()));
    for inner in note_embeds(target.outline) {
        if shown.contains(&inner.offset) {
            if let Some(cut) = expand(&inner, notes, budget, showing, path) {
                return Some(cut);
            }
        }
    }
    showing.pop();
    path.pop();
    None
}
