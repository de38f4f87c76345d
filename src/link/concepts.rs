//! The concept tree: canonical names and aliases, broader and narrower concepts, and which notes
//! and quotes each concept gathers.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Concept, LinkedNote, LinkedSource, NoteId, Outline, QuoteRef, SourceId};
use crate::diagnostic::Diagnostic;
use crate::load::{ConceptFile, Corpus};
use crate::slug;

pub struct ConceptTable {
    /// Every name and alias to its canonical concept name.
    canonical: HashMap<String, String>,
    /// How each concept was first written (`MachineLearning`), for a title that keeps its case.
    written: HashMap<String, String>,
    /// The concepts written somewhere as tags (`#tag`, or front matter's `tags`): titled as
    /// their tags are written, as Obsidian shows tags.
    tags: BTreeSet<String>,
    /// Every concept that exists: named by a note, a quote, a concept file or a `broader` list.
    names: BTreeSet<String>,
    /// Concept files' `broader` lists, canonical, with where they were written.
    broader: BTreeMap<String, Vec<String>>,
}

impl ConceptTable {
    /// The concepts of a corpus: its concept files, the concepts its notes and quotes name, and
    /// `tagged`, the names that inline `#tags` use.
    pub fn new<'a>(
        corpus: &'a Corpus,
        tagged: impl Iterator<Item = &'a str>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut canonical = HashMap::new();
        for file in &corpus.concept_files {
            canonical.insert(file.name.clone(), file.name.clone());
        }
        for file in &corpus.concept_files {
            for alias in &file.aliases {
                let key = concept_key(alias);
                if key.is_empty() {
                    continue;
                }
                match canonical.get(&key) {
                    Some(other) if other != &file.name => diagnostics.push(Diagnostic::warning(
                        &file.file,
                        Pos::START,
                        format!(
                            "alias `{alias}` already names the concept `{other}`; ignoring it here"
                        ),
                    )),
                    _ => {
                        canonical.insert(key, file.name.clone());
                    }
                }
            }
        }
        let mut table = ConceptTable {
            canonical,
            written: HashMap::new(),
            tags: BTreeSet::new(),
            names: BTreeSet::new(),
            broader: BTreeMap::new(),
        };
        for file in &corpus.concept_files {
            table.names.insert(file.name.clone());
            let broader = table.canonical_list(&file.broader);
            table.names.extend(broader.iter().cloned());
            table.broader.insert(file.name.clone(), broader);
        }
        let tagged: Vec<&str> = tagged
            .chain(
                corpus
                    .notes
                    .iter()
                    .flat_map(|n| n.tags.iter().map(String::as_str)),
            )
            .collect();
        for written in &tagged {
            let name = table.canonical_name(written);
            if !name.is_empty() {
                table.tags.insert(name);
            }
        }
        let used = corpus
            .notes
            .iter()
            .flat_map(|n| n.concepts.iter().map(String::as_str))
            .chain(corpus.sources.iter().flat_map(|s| {
                s.quotes
                    .iter()
                    .flat_map(|q| q.concepts.iter().map(String::as_str))
            }))
            .chain(tagged.iter().copied());
        for written in used {
            let name = table.canonical_name(written);
            if name.is_empty() {
                continue;
            }
            table
                .written
                .entry(name.clone())
                .or_insert_with(|| written.trim().trim_start_matches('#').to_string());
            table.names.insert(name);
        }
        // A nested name (`#status/draft`) is narrower than each name it is nested in.
        let nested: Vec<String> = table
            .names
            .iter()
            .filter(|name| name.contains('/'))
            .cloned()
            .collect();
        for name in nested {
            let (parent, _) = name.rsplit_once('/').expect("filtered to nested names");
            let parent = parent.to_string();
            let broader = table.broader.entry(name.clone()).or_default();
            if !broader.contains(&parent) {
                broader.push(parent.clone());
            }
            // An ancestor of a tag reads as a tag too, written as the tag writes it.
            let is_tag = table.tags.contains(&name);
            let written_parts: Vec<String> = table
                .written
                .get(&name)
                .map(|w| w.split('/').map(str::to_string).collect())
                .unwrap_or_default();
            let mut up = Some(parent.as_str());
            while let Some(ancestor) = up {
                let depth = ancestor.matches('/').count() + 1;
                if is_tag && table.tags.insert(ancestor.to_string()) && written_parts.len() > depth
                {
                    table
                        .written
                        .entry(ancestor.to_string())
                        .or_insert_with(|| written_parts[..depth].join("/"));
                }
                if table.names.insert(ancestor.to_string()) {
                    if let Some((grand, _)) = ancestor.rsplit_once('/') {
                        table
                            .broader
                            .entry(ancestor.to_string())
                            .or_default()
                            .push(grand.to_string());
                    }
                }
                up = ancestor.rsplit_once('/').map(|(grand, _)| grand);
            }
        }
        table
    }

    pub fn canonical_name(&self, written: &str) -> String {
        let key = concept_key(written);
        self.canonical.get(&key).cloned().unwrap_or(key)
    }

    /// Canonical names, without repeats, in the order written.
    pub fn canonical_list(&self, written: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in written {
            let name = self.canonical_name(name);
            if !name.is_empty() && !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    /// How a concept is first written, if a note or quote writes it (its title may be made
    /// of it).
    pub fn first_written(&self, name: &str) -> Option<&str> {
        self.written.get(name).map(String::as_str)
    }

    /// Whether a concept is written somewhere as a tag, which titles it as the tag is written.
    pub fn is_tag(&self, name: &str) -> bool {
        self.tags.contains(name)
    }

    /// Whether one more text writing `written` (as a tag when `as_tag`) leaves the table as
    /// it is: the concept exists, is first written just so, and is a tag already if this is
    /// one. Otherwise a title or the set of concepts may change with it.
    pub fn adds_nothing(&self, written: &str, as_tag: bool) -> bool {
        let name = self.canonical_name(written);
        let form = written.trim().trim_start_matches('#');
        !name.is_empty()
            && self.names.contains(&name)
            && self.first_written(&name) == Some(form)
            && (!as_tag || self.is_tag(&name))
    }

    /// Names and aliases to canonical names, for link lookup.
    pub fn lookup(&self) -> HashMap<String, String> {
        let mut lookup = self.canonical.clone();
        for name in &self.names {
            lookup.insert(name.clone(), name.clone());
        }
        lookup
    }

    pub fn build(
        &mut self,
        files: Vec<ConceptFile>,
        mut outlines: BTreeMap<String, Outline>,
    ) -> BTreeMap<String, Concept> {
        let mut files: BTreeMap<String, ConceptFile> =
            files.into_iter().map(|f| (f.name.clone(), f)).collect();
        let mut concepts: BTreeMap<String, Concept> = self
            .names
            .iter()
            .map(|name| {
                let file = files.remove(name);
                let title = file
                    .as_ref()
                    .and_then(|f| f.title.clone())
                    .unwrap_or_else(|| self.default_title(name));
                let concept = Concept {
                    name: name.clone(),
                    title,
                    description: outlines.remove(name),
                    broader: self.broader.get(name).cloned().unwrap_or_default(),
                    file,
                    narrower: Vec::new(),
                    quotes: Vec::new(),
                    notes: Vec::new(),
                    appears_with: Vec::new(),
                };
                (name.clone(), concept)
            })
            .collect();
        for (name, broader) in &self.broader {
            for b in broader {
                if b != name {
                    if let Some(parent) = concepts.get_mut(b) {
                        parent.narrower.push(name.clone());
                    }
                }
            }
        }
        concepts
    }

    /// A concept's title without a file to give one: the last part of its name; as written for
    /// a tag (`#in-progress` is "in-progress", as Obsidian shows it), else as first written if
    /// that had capitals (`MachineLearning`), else made readable (`in-progress` is
    /// "In progress").
    fn default_title(&self, name: &str) -> String {
        let last = |s: &str| s.rsplit('/').next().unwrap_or(s).to_string();
        if self.tags.contains(name) {
            if let Some(written) = self.written.get(name) {
                return last(written);
            }
        }
        match self.written.get(name) {
            Some(written) if written.chars().any(char::is_uppercase) => {
                last(written).replace(['-', '_'], " ").trim().to_string()
            }
            _ => slug::title_from_name(&last(name)),
        }
    }

    /// A concept may not be broader than itself, directly or through others.
    pub fn report_cycles(
        &self,
        concepts: &BTreeMap<String, Concept>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        for (name, concept) in concepts {
            let Some(file) = &concept.file else { continue };
            // Walk up from each broader concept; reaching `name` again is a cycle.
            let mut seen = BTreeSet::new();
            let mut queue: Vec<(String, Vec<String>)> = concept
                .broader
                .iter()
                .map(|b| (b.clone(), vec![name.clone(), b.clone()]))
                .collect();
            while let Some((current, path)) = queue.pop() {
                if &current == name {
                    diagnostics.push(Diagnostic::error(
                        &file.file,
                        file.broader_pos,
                        format!(
                            "concept hierarchy cycle: {}",
                            path.iter()
                                .map(|c| format!("`{c}`"))
                                .collect::<Vec<_>>()
                                .join(" is narrower than ")
                        ),
                    ));
                    break;
                }
                if !seen.insert(current.clone()) {
                    continue;
                }
                for b in concepts
                    .get(&current)
                    .map(|c| &c.broader)
                    .into_iter()
                    .flatten()
                {
                    let mut next = path.clone();
                    next.push(b.clone());
                    queue.push((b.clone(), next));
                }
            }
        }
    }
}

use crate::diagnostic::Pos;

/// A concept's name as written, normalized: lower case, runs of spaces and punctuation as one
/// `-`, and `/` kept between the parts of a nested name (`#Status/In progress` is
/// `status/in-progress`). A leading `#` (a tag written in front matter) is not part of it.
pub fn concept_key(written: &str) -> String {
    slug::slugify_path(written.trim().trim_start_matches('#'))
}

/// Fills each concept's quotes, notes and the concepts it appears with. Pairs are counted by
/// the concepts' positions, not their names: a site has as many pairs as its quotes have
/// concepts squared.
pub fn fill_members(
    notes: &[LinkedNote],
    sources: &[LinkedSource],
    concepts: &mut BTreeMap<String, Concept>,
) {
    let names: Vec<String> = concepts.keys().cloned().collect();
    let position: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    let mut together: HashMap<(usize, usize), usize> = HashMap::new();
    let mut count_pairs = |list: &[String]| {
        let at: Vec<usize> = list
            .iter()
            .filter_map(|c| position.get(c.as_str()).copied())
            .collect();
        for &a in &at {
            for &b in &at {
                if a != b {
                    *together.entry((a, b)).or_default() += 1;
                }
            }
        }
    };
    let mut members: Vec<(Vec<NoteId>, Vec<QuoteRef>)> = vec![Default::default(); names.len()];
    for (n, note) in notes.iter().enumerate() {
        for c in &note.concepts {
            if let Some(&i) = position.get(c.as_str()) {
                members[i].0.push(NoteId(n));
            }
        }
        count_pairs(&note.concepts);
    }
    for (s, source) in sources.iter().enumerate() {
        for (q, quote) in source.quotes.iter().enumerate() {
            for c in &quote.concepts {
                if let Some(&i) = position.get(c.as_str()) {
                    members[i].1.push(QuoteRef {
                        source: SourceId(s),
                        quote: q,
                    });
                }
            }
            count_pairs(&quote.concepts);
        }
    }
    let mut appears_with: Vec<Vec<(String, usize)>> = vec![Vec::new(); names.len()];
    for ((a, b), count) in together {
        appears_with[a].push((names[b].clone(), count));
    }
    for ((concept, (notes, quotes)), mut with) in
        concepts.values_mut().zip(members).zip(appears_with)
    {
        concept.notes.extend(notes);
        concept.notes.sort_unstable();
        concept.notes.dedup();
        concept.quotes.extend(quotes);
        with.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        with.truncate(10);
        concept.appears_with = with;
    }
}

/// A concept used once whose name is a typo or two away from a concept in real use
/// (`tail-latncy` beside `tail-latency`) is most likely that concept misspelt: a warning where
/// it is used, with "did you mean".
pub fn report_near_misses(
    table: &ConceptTable,
    concepts: &BTreeMap<String, Concept>,
    notes: &[LinkedNote],
    sources: &[LinkedSource],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let established = established(concepts);
    for concept in concepts.values() {
        let Some((nearest, uses)) = near_miss(concept, &established) else {
            continue;
        };
        let site = match (concept.notes.first(), concept.quotes.first()) {
            (Some(&n), _) => {
                let note = &notes[n.0];
                note_use_site(table, &concept.name, &note.note, &note.outline)
            }
            (None, Some(&at)) => {
                quote_use_site(table, &concept.name, &sources[at.source.0], at.quote)
            }
            (None, None) => None,
        };
        if let Some((file, pos)) = site {
            diagnostics.push(near_miss_warning(file, pos, &concept.name, nearest, uses));
        }
    }
}

/// The concepts in real use, with how often: those with a file or used twice or more.
pub fn established(concepts: &BTreeMap<String, Concept>) -> Vec<(&str, usize)> {
    concepts
        .values()
        .filter(|c| c.file.is_some() || c.quotes.len() + c.notes.len() >= 2)
        .map(|c| (c.name.as_str(), c.quotes.len() + c.notes.len()))
        .collect()
}

/// For a concept without a file used once, the established concept it is most likely a typo
/// of, and how often that one is used.
pub fn near_miss<'a>(
    concept: &Concept,
    established: &[(&'a str, usize)],
) -> Option<(&'a str, usize)> {
    if concept.file.is_some() || concept.quotes.len() + concept.notes.len() != 1 {
        return None;
    }
    nearest_name(&concept.name, established)
}

/// Whether a diagnostic is one of [`near_miss_warning`]'s.
pub fn is_near_miss(diagnostic: &Diagnostic) -> bool {
    diagnostic.severity == crate::diagnostic::Severity::Warning
        && diagnostic.message.starts_with("concept `")
        && diagnostic
            .message
            .contains("` is used only here; did you mean `")
}

pub fn near_miss_warning(
    file: &std::path::Path,
    pos: Pos,
    name: &str,
    nearest: &str,
    uses: usize,
) -> Diagnostic {
    Diagnostic::warning(
        file,
        pos,
        format!(
            "concept `{name}` is used only here; did you mean `{nearest}` (used {})?",
            crate::text::plural(uses, "time")
        ),
    )
}

/// The established name a typo or two from `name`: one edit for names of 4 to 7 characters,
/// two from 8; names that differ only in their digits (`2023`, `2024`) are different names.
fn nearest_name<'a>(name: &str, established: &[(&'a str, usize)]) -> Option<(&'a str, usize)> {
    let length = name.chars().count();
    let limit = match length {
        0..=3 => return None,
        4..=7 => 1,
        _ => 2,
    };
    let without_digits = |s: &str| {
        s.chars()
            .filter(|c| !c.is_ascii_digit())
            .collect::<String>()
    };
    let related = |other: &str| {
        other.starts_with(&format!("{name}/")) || name.starts_with(&format!("{other}/"))
    };
    established
        .iter()
        .filter(|(other, _)| *other != name && !related(other))
        .filter(|(other, _)| other.chars().count().abs_diff(length) <= limit)
        .filter_map(|&(other, uses)| {
            let distance = strsim::osa_distance(name, other);
            (distance <= limit && without_digits(name) != without_digits(other)).then_some((
                distance,
                std::cmp::Reverse(uses),
                other,
            ))
        })
        .min()
        .map(|(_, std::cmp::Reverse(uses), other)| (other, uses))
}

/// Where a note names a concept: in its front matter's concepts, else as an inline tag.
pub fn note_use_site<'a>(
    table: &ConceptTable,
    name: &str,
    note: &'a crate::load::Note,
    outline: &Outline,
) -> Option<(&'a std::path::Path, Pos)> {
    if note
        .concepts
        .iter()
        .any(|c| table.canonical_name(c) == name)
    {
        return Some((&note.file, note.concepts_pos));
    }
    let offset = tag_offset(table, name, outline)?;
    Some((&note.body.file, note.body.pos(offset)))
}

fn quote_use_site<'a>(
    table: &ConceptTable,
    name: &str,
    source: &'a LinkedSource,
    q: usize,
) -> Option<(&'a std::path::Path, Pos)> {
    let quote = &source.quotes[q];
    if quote
        .quote
        .concepts
        .iter()
        .any(|c| table.canonical_name(c) == name)
    {
        return Some((&source.source.file, quote.quote.concepts_pos));
    }
    let (markdown, outline) = (quote.quote.note.as_ref()?, quote.annotation.as_ref()?);
    let offset = tag_offset(table, name, outline)?;
    Some((&markdown.file, markdown.pos(offset)))
}

/// The offset of the first inline tag in a text that names the concept.
fn tag_offset(table: &ConceptTable, name: &str, outline: &Outline) -> Option<usize> {
    outline.scan.links.iter().find_map(|l| {
        let written = l.dest.strip_prefix("concept:")?;
        let is_tag = outline.scan.tags.iter().any(|t| t == written);
        (is_tag && table.canonical_name(written) == name).then_some(l.offset)
    })
}
