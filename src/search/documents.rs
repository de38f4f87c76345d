//! What the index holds, made from the [`Graph`]: one [`SearchDoc`] per note, quote, concept
//! and source, with the text its page shows; and the [`Lookups`] a query needs from the site
//! besides the index (concept paths, aliases, source titles). Nothing here touches the disk:
//! `engine.rs` stores what this makes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tantivy::schema::Facet;

use crate::kind::Kind;
use crate::link::{Graph, LinkedNote, NoteId, SourceId};
use crate::render::text::plain;
use crate::render::urls::Urls;

/// What one search document holds, before it becomes a Tantivy document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchDoc {
    pub kind: Kind,
    pub id: String,
    pub title: String,
    pub body: String,
    /// A quote's own text (its body also holds the annotation).
    pub text: Option<String>,
    /// Facet paths from a root concept down to each of the document's concepts.
    pub concepts: Vec<String>,
    pub source: Option<String>,
    pub author: Option<String>,
    pub year: Option<u64>,
    pub date: Option<String>,
    pub locator: Option<String>,
    pub url: String,
    pub order: u64,
}

impl SearchDoc {
    pub fn key(&self) -> String {
        key(self.kind, &self.id)
    }

    /// A content hash that is the same on every machine and every release (XXH3 is a fixed
    /// algorithm), over the fields, each ended by a separator byte no UTF-8 text contains.
    /// The fields are joined first: one pass of XXH3 over a buffer is much faster than many
    /// small streaming updates.
    pub fn hash(&self) -> u64 {
        let mut bytes = Vec::with_capacity(self.body.len() + self.title.len() + 256);
        let mut eat = |text: &[u8]| {
            bytes.extend_from_slice(text);
            bytes.push(0xff);
        };
        eat(self.kind.name().as_bytes());
        eat(self.id.as_bytes());
        eat(self.title.as_bytes());
        eat(self.body.as_bytes());
        eat(self.text.as_deref().unwrap_or("").as_bytes());
        for c in &self.concepts {
            eat(c.as_bytes());
        }
        eat(self.source.as_deref().unwrap_or("").as_bytes());
        eat(self.author.as_deref().unwrap_or("").as_bytes());
        eat(&self.year.unwrap_or(u64::MAX).to_le_bytes());
        eat(self.date.as_deref().unwrap_or("").as_bytes());
        eat(self.locator.as_deref().unwrap_or("").as_bytes());
        eat(self.url.as_bytes());
        eat(&self.order.to_le_bytes());
        xxhash_rust::xxh3::xxh3_64(&bytes)
    }
}

/// A document's key, unique in an index: `note:intro`, `quote:ddia/q1`.
pub fn key(kind: Kind, id: &str) -> String {
    format!("{kind}:{id}")
}

/// The documents of a site, keyed by `kind:id`.
pub fn documents(graph: &Graph) -> BTreeMap<String, SearchDoc> {
    let made = Maker::new(graph);
    let mut docs = Vec::new();
    for n in graph.note_ids() {
        docs.push(made.note(n));
    }
    for s in graph.source_ids() {
        docs.extend(made.source(s));
    }
    for name in graph.concepts.keys() {
        docs.push(made.concept(name));
    }
    docs.into_iter().map(|d| (d.key(), d)).collect()
}

/// The search document of one note, as [`documents`] makes it.
pub fn note_document(graph: &Graph, n: NoteId) -> SearchDoc {
    Maker::new(graph).note(n)
}

/// The search documents of one source and its quotes, as [`documents`] makes them.
pub fn source_documents(graph: &Graph, s: SourceId) -> Vec<SearchDoc> {
    Maker::new(graph).source(s)
}

/// The search document of one concept, as [`documents`] makes it.
pub fn concept_document(graph: &Graph, name: &str) -> SearchDoc {
    Maker::new(graph).concept(name)
}

/// What every document of a site is made with: its URLs and its concept paths.
struct Maker<'g> {
    graph: &'g Graph,
    urls: Urls,
    paths: BTreeMap<String, Vec<String>>,
}

impl<'g> Maker<'g> {
    fn new(graph: &'g Graph) -> Self {
        Maker {
            graph,
            urls: Urls::of(&graph.config),
            paths: concept_paths(graph),
        }
    }

    /// The facet paths of some concepts, sorted, each once.
    fn facets(&self, concepts: &[String]) -> Vec<String> {
        let mut out: Vec<String> = concepts
            .iter()
            .flat_map(|c| self.paths.get(c).cloned().unwrap_or_default())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    fn concept(&self, name: &str) -> SearchDoc {
        let concept = &self.graph.concepts[name];
        let mut body = String::new();
        if let Some(file) = &concept.file {
            body.push_str(&file.aliases.join(", "));
            body.push_str("\n\n");
            if let Some(outline) = &concept.description {
                body.push_str(&plain(self.graph, &file.body, outline));
            }
        }
        SearchDoc {
            kind: Kind::Concept,
            id: concept.name.clone(),
            title: concept.title.clone(),
            body,
            text: None,
            concepts: self.facets(std::slice::from_ref(&concept.name)),
            source: None,
            author: None,
            year: None,
            date: None,
            locator: None,
            url: self.urls.concept(&concept.name),
            order: 0,
        }
    }

    /// A source's document and its quotes', in locator order.
    fn source(&self, s: SourceId) -> Vec<SearchDoc> {
        let graph = self.graph;
        let linked = graph.source(s);
        let source = &linked.source;
        let year = source.year.as_deref().and_then(|y| y.trim().parse().ok());
        let mut docs = vec![SearchDoc {
            kind: Kind::Source,
            id: source.id.clone(),
            title: source.title.clone(),
            body: String::new(),
            text: None,
            concepts: Vec::new(),
            source: Some(source.id.clone()),
            author: source.author.clone(),
            year,
            date: None,
            locator: None,
            url: self.urls.source(&source.id),
            order: s.0 as u64 * 1_000_000,
        }];
        for (rank, &q) in linked.order.iter().enumerate() {
            let quote = &linked.quotes[q];
            let mut body = quote.quote.text.clone();
            if let (Some(note), Some(outline)) = (&quote.quote.note, &quote.annotation) {
                body.push_str("\n\n");
                body.push_str(&plain(graph, note, outline));
            }
            docs.push(SearchDoc {
                kind: Kind::Quote,
                id: source.quote_id(&quote.quote),
                title: String::new(),
                body,
                text: Some(quote.quote.text.clone()),
                concepts: self.facets(&quote.concepts),
                source: Some(source.id.clone()),
                author: source.author.clone(),
                year,
                date: None,
                locator: quote.quote.locator.clone(),
                url: self.urls.quote(&source.id, &quote.quote.id),
                order: s.0 as u64 * 1_000_000 + rank as u64 + 1,
            });
        }
        docs
    }

    fn note(&self, n: NoteId) -> SearchDoc {
        let graph = self.graph;
        let linked: &LinkedNote = graph.note(n);
        let note = &linked.note;
        SearchDoc {
            kind: Kind::Note,
            id: note.slug.clone(),
            title: note.title.clone(),
            body: plain(graph, &note.body, &linked.outline),
            text: None,
            concepts: self.facets(&linked.concepts),
            source: linked
                .sources
                .first()
                .map(|&s| graph.source(s).source.id.clone()),
            author: None,
            year: None,
            date: note.date.map(crate::text::iso_date),
            locator: None,
            url: self.urls.note(&note.slug),
            order: 0,
        }
    }
}

/// What a query needs to know about concepts: each concept's facet paths, and aliases.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Lookups {
    pub concept_paths: BTreeMap<String, Vec<String>>,
    pub aliases: BTreeMap<String, String>,
    /// Source titles by id, for showing results.
    pub source_titles: BTreeMap<String, String>,
}

impl Lookups {
    pub fn of(graph: &Graph) -> Lookups {
        let mut aliases = BTreeMap::new();
        for concept in graph.concepts.values() {
            for alias in concept.file.iter().flat_map(|f| &f.aliases) {
                aliases.insert(crate::slug::slugify(alias), concept.name.clone());
            }
        }
        Lookups {
            concept_paths: concept_paths(graph),
            aliases,
            source_titles: graph
                .sources
                .iter()
                .map(|s| (s.source.id.clone(), s.source.title.clone()))
                .collect(),
        }
    }
}

/// Every path from a root concept down to each concept, as facet text
/// (`/reliability/fault-tolerance`). A concept with two broader concepts has two paths; a cycle
/// (already an error) is cut.
pub fn concept_paths(graph: &Graph) -> BTreeMap<String, Vec<String>> {
    fn walk(graph: &Graph, name: &str, seen: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        let Some(concept) = graph.concepts.get(name) else {
            return;
        };
        seen.push(name.to_string());
        let parents: Vec<&String> = concept
            .broader
            .iter()
            .filter(|b| graph.concepts.contains_key(*b) && !seen.contains(b))
            .collect();
        if parents.is_empty() {
            out.push(seen.iter().rev().cloned().collect());
        }
        for parent in parents {
            walk(graph, parent, seen, out);
        }
        seen.pop();
    }
    graph
        .concepts
        .keys()
        .map(|name| {
            let mut chains = Vec::new();
            walk(graph, name, &mut Vec::new(), &mut chains);
            let mut paths: Vec<String> = chains
                .into_iter()
                .map(|chain| Facet::from_path(chain).to_path_string())
                .collect();
            paths.sort();
            paths.dedup();
            (name.clone(), paths)
        })
        .collect()
}
