//! Stage 5, index: every note, quote, concept and source becomes one Tantivy document under
//! `<root>/.commonplace/index/`. Updates are incremental: a manifest keeps each document's
//! content hash, and only documents whose hash changed are deleted and added again.

use std::collections::BTreeMap;

use rayon::prelude::*;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::schema::{Facet, Term};
use tantivy::{Index, IndexWriter, TantivyDocument};

use super::schema::{self, Fields, FORMAT, TOKENIZER};
use crate::link::Graph;
use crate::render::text::plain;
use crate::render::urls::Urls;

/// Where the published site's index lives, relative to the site root.
pub const INDEX_DIR: &str = ".commonplace/index";
/// Where a preview of everything keeps its index: apart, so that no note the site withholds
/// is ever a document of the index the published search bundle is exported from, even while
/// a preview and a build run side by side.
pub const PREVIEW_INDEX_DIR: &str = ".commonplace/index-preview";

/// The index folder for a selection of the site at `root`.
pub fn dir(root: &Path, selection: crate::load::Selection) -> std::path::PathBuf {
    match selection.withheld {
        false => root.join(INDEX_DIR),
        true => root.join(PREVIEW_INDEX_DIR),
    }
}
const MANIFEST: &str = "commonplace-manifest.json";
const HASHES: &str = "commonplace-hashes.txt";

/// What one search document holds, before it becomes a Tantivy document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchDoc {
    pub kind: &'static str,
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
        format!("{}:{}", self.kind, self.id)
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
        eat(self.kind.as_bytes());
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

    fn to_tantivy(&self, f: &Fields) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, self.key());
        doc.add_facet(f.kind, Facet::from_path([self.kind]));
        doc.add_text(f.id, &self.id);
        doc.add_text(f.title, &self.title);
        doc.add_text(f.body, &self.body);
        if let Some(text) = &self.text {
            doc.add_text(f.text, text);
        }
        for path in &self.concepts {
            doc.add_facet(
                f.concept,
                Facet::from_text(path).expect("paths are built valid"),
            );
        }
        if let Some(source) = &self.source {
            doc.add_facet(f.source, Facet::from_path([source.as_str()]));
        }
        if let Some(author) = &self.author {
            doc.add_text(f.author, author);
        }
        if let Some(year) = self.year {
            doc.add_u64(f.year, year);
        }
        if let Some(date) = &self.date {
            doc.add_text(f.date, date);
        }
        if let Some(locator) = &self.locator {
            doc.add_text(f.locator, locator);
        }
        doc.add_text(f.url, &self.url);
        doc.add_u64(f.order, self.order);
        doc
    }
}

/// The search document of note `n`, as [`documents`] makes it.
pub fn note_document(graph: &Graph, n: usize) -> SearchDoc {
    let urls = Urls::of(&graph.config);
    let paths = concept_paths(graph);
    let facets_of = |concepts: &[String]| facets(&paths, concepts);
    note_doc(graph, &urls, &graph.notes[n], &facets_of)
}

fn facets(paths: &BTreeMap<String, Vec<String>>, concepts: &[String]) -> Vec<String> {
    let mut out: Vec<String> = concepts
        .iter()
        .flat_map(|c| paths.get(c).cloned().unwrap_or_default())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn note_doc(
    graph: &Graph,
    urls: &Urls,
    linked: &crate::link::LinkedNote,
    facets_of: &dyn Fn(&[String]) -> Vec<String>,
) -> SearchDoc {
    let note = &linked.note;
    SearchDoc {
        kind: "note",
        id: note.slug.clone(),
        title: note.title.clone(),
        body: plain(graph, &note.body, &linked.outline),
        text: None,
        concepts: facets_of(&linked.concepts),
        source: linked
            .sources
            .first()
            .map(|&s| graph.sources[s].source.id.clone()),
        author: None,
        year: None,
        date: note.date.map(|d| d.format("%Y-%m-%d").to_string()),
        locator: None,
        url: urls.note(&note.slug),
        order: 0,
    }
}

/// The documents of a site, keyed by `kind:id`.
pub fn documents(graph: &Graph) -> BTreeMap<String, SearchDoc> {
    let urls = Urls::of(&graph.config);
    let paths = concept_paths(graph);
    let facets_of = |concepts: &[String]| facets(&paths, concepts);
    let mut docs = Vec::new();
    for linked in &graph.notes {
        docs.push(note_doc(graph, &urls, linked, &facets_of));
    }
    for (s, linked) in graph.sources.iter().enumerate() {
        let source = &linked.source;
        let year = source.year.as_deref().and_then(|y| y.trim().parse().ok());
        docs.push(SearchDoc {
            kind: "source",
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
            url: urls.source(&source.id),
            order: s as u64 * 1_000_000,
        });
        for (rank, &q) in linked.order.iter().enumerate() {
            let quote = &linked.quotes[q];
            let mut body = quote.quote.text.clone();
            if let (Some(note), Some(outline)) = (&quote.quote.note, &quote.annotation) {
                body.push_str("\n\n");
                body.push_str(&plain(graph, note, outline));
            }
            docs.push(SearchDoc {
                kind: "quote",
                id: format!("{}/{}", source.id, quote.quote.id),
                title: String::new(),
                body,
                text: Some(quote.quote.text.clone()),
                concepts: facets_of(&quote.concepts),
                source: Some(source.id.clone()),
                author: source.author.clone(),
                year,
                date: None,
                locator: quote.quote.locator.clone(),
                url: urls.quote(&source.id, &quote.quote.id),
                order: s as u64 * 1_000_000 + rank as u64 + 1,
            });
        }
    }
    for concept in graph.concepts.values() {
        let mut body = String::new();
        if let Some(file) = &concept.file {
            body.push_str(&file.aliases.join(", "));
            body.push_str("\n\n");
            if let Some(outline) = &concept.description {
                body.push_str(&plain(graph, &file.body, outline));
            }
        }
        docs.push(SearchDoc {
            kind: "concept",
            id: concept.name.clone(),
            title: concept.title.clone(),
            body,
            text: None,
            concepts: facets_of(std::slice::from_ref(&concept.name)),
            source: None,
            author: None,
            year: None,
            date: None,
            locator: None,
            url: urls.concept(&concept.name),
            order: 0,
        });
    }
    docs.into_iter().map(|d| (d.key(), d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: &'static str, id: &str, body: &str) -> SearchDoc {
        SearchDoc {
            kind,
            id: id.to_string(),
            title: id.to_string(),
            body: body.to_string(),
            text: None,
            concepts: Vec::new(),
            source: None,
            author: None,
            year: None,
            date: None,
            locator: None,
            url: format!("/{id}/"),
            order: 0,
        }
    }

    #[test]
    fn updates_add_change_and_remove_only_what_differs() {
        let root = tempfile::tempdir().unwrap();
        let lookups = Lookups::default();
        let mut docs: BTreeMap<String, SearchDoc> = [
            doc("note", "a", "alpha"),
            doc("note", "b", "beta"),
            doc("note", "c", "gamma"),
        ]
        .into_iter()
        .map(|d| (d.key(), d))
        .collect();
        let first = update(root.path(), "en", &docs, 1, &lookups, Compaction::Never).unwrap();
        assert_eq!((first.added, first.rebuilt), (3, true));

        docs.remove("note:a");
        docs.get_mut("note:b").unwrap().body = "beta, edited".to_string();
        let d = doc("note", "d", "delta");
        docs.insert(d.key(), d);
        let second = update(
            root.path(),
            "en",
            &docs,
            2,
            &lookups,
            Compaction::AfterDeletes,
        )
        .unwrap();
        assert_eq!(
            second,
            IndexReport {
                added: 1,
                changed: 1,
                removed: 1,
                unchanged: 1,
                rebuilt: false,
            }
        );
        let (index, fields, fresh) = open(root.path(), "en").unwrap();
        assert!(!fresh);
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.num_docs(), 3);
        // Compacted: one segment, no deleted documents left to skew the statistics.
        assert_eq!(searcher.segment_readers().len(), 1);
        assert_eq!(searcher.segment_readers()[0].num_deleted_docs(), 0);
        // Deleted documents still count in doc_freq until a merge; a search skips them.
        let count = |word: &str| {
            let term = Term::from_field_text(fields.body, word);
            let query =
                tantivy::query::TermQuery::new(term, tantivy::schema::IndexRecordOption::Basic);
            searcher.search(&query, &tantivy::collector::Count).unwrap()
        };
        assert_eq!((count("alpha"), count("delta"), count("edit")), (0, 1, 1));
        assert_eq!(current(root.path(), "en", 2), Some(Lookups::default()));
        assert_eq!(current(root.path(), "en", 3), None);
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

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("the site's language `{0}` has no stemmer for search; use one of: {1}")]
    Language(String, String),
    #[error("search index error in `{}`", path.display())]
    Tantivy {
        path: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },
    #[error(transparent)]
    Io(#[from] crate::fs::IoError),
    #[error("the search index in `{}` is missing; run `commonplace build`", .0.display())]
    Missing(PathBuf),
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    language: String,
    /// Each document's content hash, by key: kept in [`HASHES`] as plain lines, which read
    /// several times faster than the same map as JSON.
    #[serde(skip)]
    docs: BTreeMap<String, u64>,
    /// The content the index was made from (see [`content_stamp`]), and what a search needs
    /// from the site besides the index, so an up-to-date index is searched without loading
    /// the site.
    #[serde(default)]
    stamp: u64,
    #[serde(default)]
    lookups: Lookups,
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

/// A fingerprint of everything a build reads: the path, size and modification time of every
/// file under `content/`, and `commonplace.yaml`, and which notes are in (drafts, withheld
/// ones). Statting files is cheap next to loading them, so `search` can tell whether the index
/// is current.
pub fn content_stamp(root: &Path, selection: crate::load::Selection) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &byte in bytes.iter().chain(std::iter::once(&0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(&[u8::from(selection.drafts), u8::from(selection.withheld)]);
    let config = root.join(crate::config::FILE_NAME);
    let content = root.join(crate::load::CONTENT_DIR);
    let files = std::iter::once(config).chain(
        walkdir::WalkDir::new(&content)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path()),
    );
    for path in files {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        eat(path.to_string_lossy().as_bytes());
        eat(&meta.len().to_le_bytes());
        eat(&modified.to_le_bytes());
    }
    hash
}

/// The lookups of the index in `dir` if it was made from content with this stamp.
pub fn current(dir: &Path, language: &str, stamp: u64) -> Option<Lookups> {
    // Only the small JSON part: a search does not need the hashes.
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    let manifest: Manifest = serde_json::from_str(&text).ok()?;
    (manifest.format == FORMAT && manifest.language == language && manifest.stamp == stamp)
        .then_some(manifest.lookups)
}

/// What an index update did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexReport {
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    pub unchanged: usize,
    /// The whole index was rebuilt (none yet, or of another format or language).
    pub rebuilt: bool,
}

/// Opens the index in `dir`, creating or rebuilding it when needed. The flag says it was
/// made new (and is empty).
pub fn open(dir: &Path, language: &str) -> Result<(Index, Fields, bool), IndexError> {
    let (index, fields, manifest) = open_with_manifest(dir, language)?;
    Ok((index, fields, manifest.is_none()))
}

/// Like [`open`], with the manifest of a usable index; `None` when the index was made new.
fn open_with_manifest(
    dir: &Path,
    language: &str,
) -> Result<(Index, Fields, Option<Manifest>), IndexError> {
    let dir = dir.to_path_buf();
    let analyzer = schema::analyzer(language).ok_or_else(|| {
        let codes: Vec<&str> = schema::LANGUAGES.iter().map(|(c, _)| *c).collect();
        IndexError::Language(language.to_string(), codes.join(", "))
    })?;
    let tantivy_err = |source| IndexError::Tantivy {
        path: dir.clone(),
        source,
    };
    let manifest = read_manifest(&dir).filter(|m| m.format == FORMAT && m.language == language);
    let (schema, fields) = schema::schema();
    let (index, manifest) = match manifest.map(|m| (Index::open_in_dir(&dir), m)) {
        Some((Ok(index), manifest)) if index.schema() == schema => (index, Some(manifest)),
        _ => {
            if dir.exists() {
                crate::fs::remove_dir_all(&dir)?;
            }
            crate::fs::create_dir_all(&dir)?;
            let index = Index::create_in_dir(&dir, schema).map_err(tantivy_err)?;
            (index, None)
        }
    };
    index.tokenizers().register(TOKENIZER, analyzer);
    Ok((index, fields, manifest))
}

fn read_manifest(dir: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    let mut manifest: Manifest = serde_json::from_str(&text).ok()?;
    let hashes = std::fs::read_to_string(dir.join(HASHES)).ok()?;
    // The lines are sorted, so the map is built in one pass rather than key by key.
    let docs: Option<Vec<(String, u64)>> = hashes
        .lines()
        .map(|line| {
            let (key, hash) = line.rsplit_once(' ')?;
            Some((key.to_string(), u64::from_str_radix(hash, 16).ok()?))
        })
        .collect();
    manifest.docs = docs?.into_iter().collect();
    Some(manifest)
}

/// Writes the hashes first and the manifest last: a manifest on disk always has its hashes.
fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), crate::fs::IoError> {
    let mut hashes = String::with_capacity(manifest.docs.len() * 40);
    for (key, hash) in &manifest.docs {
        use std::fmt::Write as _;
        let _ = writeln!(hashes, "{key} {hash:016x}");
    }
    crate::fs::write(&dir.join(HASHES), hashes)?;
    let text = serde_json::to_string(manifest).expect("the manifest serializes");
    crate::fs::write(&dir.join(MANIFEST), text)
}

/// After an update that deleted documents, whether to merge the index into one segment.
///
/// Tantivy counts deleted documents in its term statistics until their segment is merged, so
/// scores, and the related lists built from them, would differ from a clean build's. A build
/// compacts (about a second on the 10,000-note site) so its pages never depend on the index's
/// history; a live preview can skip it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compaction {
    AfterDeletes,
    Never,
}

/// Brings the index in `dir` up to date with `docs`: adds new documents, replaces changed
/// ones, removes those that are gone.
pub fn update(
    dir: &Path,
    language: &str,
    docs: &BTreeMap<String, SearchDoc>,
    stamp: u64,
    lookups: &Lookups,
    compaction: Compaction,
) -> Result<IndexReport, IndexError> {
    let (index, fields, manifest) = open_with_manifest(dir, language)?;
    let dir = dir.to_path_buf();
    let fresh = manifest.is_none();
    let old = manifest.map(|m| m.docs).unwrap_or_default();
    let hashes: BTreeMap<String, u64> = docs
        .par_iter()
        .map(|(k, d)| (k.clone(), d.hash()))
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    let mut report = IndexReport {
        rebuilt: fresh,
        ..IndexReport::default()
    };
    // Both maps are sorted by key: one walk through them side by side finds what went, what
    // came and what changed, without a lookup per document.
    let mut removed: Vec<String> = Vec::new();
    let mut to_write: Vec<(String, bool)> = Vec::new();
    let mut old_entries = old.iter().peekable();
    for (key, hash) in &hashes {
        while let Some((gone, _)) = old_entries.next_if(|(k, _)| *k < key) {
            removed.push(gone.clone());
        }
        match old_entries.next_if(|(k, _)| *k == key) {
            Some((_, old_hash)) if old_hash == hash => {}
            Some(_) => to_write.push((key.clone(), true)),
            None => to_write.push((key.clone(), false)),
        }
    }
    removed.extend(old_entries.map(|(k, _)| k.clone()));
    report.removed = removed.len();
    report.changed = to_write.iter().filter(|(_, changed)| *changed).count();
    report.added = to_write.len() - report.changed;
    report.unchanged = hashes.len() - to_write.len();
    let manifest = Manifest {
        format: FORMAT,
        language: language.to_string(),
        docs: hashes,
        stamp,
        lookups: lookups.clone(),
    };
    // A live preview never compacts: an index it left with deleted documents is compacted by
    // the next build, even one that changes nothing, so that build's pages are a clean build's.
    let tantivy_err = |source| IndexError::Tantivy {
        path: dir.clone(),
        source,
    };
    let leftover_deletes = compaction == Compaction::AfterDeletes
        && index
            .searchable_segment_metas()
            .map_err(tantivy_err)?
            .iter()
            .any(|segment| segment.has_deletes());
    if leftover_deletes {
        let mut writer = open_writer(&index, 1, 50_000_000).map_err(tantivy_err)?;
        let segments = index.searchable_segment_ids().map_err(tantivy_err)?;
        writer.merge(&segments).wait().map_err(tantivy_err)?;
        writer.wait_merging_threads().map_err(tantivy_err)?;
    }
    if removed.is_empty() && to_write.is_empty() && !fresh {
        // The documents are the same, but the stamp (a touched file) may not be.
        write_manifest(&dir, &manifest)?;
        return Ok(report);
    }

    let to_write: Vec<(&SearchDoc, bool)> = to_write
        .iter()
        .map(|(key, changed)| (&docs[key], *changed))
        .collect();
    write_changes(&dir, &index, &fields, &removed, &to_write, compaction)?;
    write_manifest(&dir, &manifest)?;
    Ok(report)
}

/// Replaces the given documents in the index in `dir` and leaves every other one alone,
/// without compacting: a live preview's update after an edit, which need not build every
/// document of the site to compare them. Falls back to nothing clever: an index that does not
/// exist yet is an error here, since a preview always starts with a full [`update`].
pub fn update_some(
    dir: &Path,
    language: &str,
    docs: &[SearchDoc],
    stamp: u64,
    lookups: &Lookups,
) -> Result<IndexReport, IndexError> {
    let (index, fields, manifest) = open_with_manifest(dir, language)?;
    let dir = dir.to_path_buf();
    let Some(mut manifest) = manifest else {
        return Err(IndexError::Missing(dir));
    };
    let mut report = IndexReport::default();
    let mut to_write = Vec::new();
    for doc in docs {
        let hash = doc.hash();
        match manifest.docs.insert(doc.key(), hash) {
            Some(old) if old == hash => report.unchanged += 1,
            Some(_) => {
                report.changed += 1;
                to_write.push((doc, true));
            }
            None => {
                report.added += 1;
                to_write.push((doc, false));
            }
        }
    }
    manifest.stamp = stamp;
    manifest.lookups = lookups.clone();
    if !to_write.is_empty() {
        write_changes(&dir, &index, &fields, &[], &to_write, Compaction::Never)?;
    }
    write_manifest(&dir, &manifest)?;
    Ok(report)
}

/// A writer for the index, waiting up to five seconds for another process's writer to finish
/// (a `build` while `serve` runs, or the other way round) rather than failing at once.
fn open_writer(
    index: &Index,
    threads: usize,
    budget: usize,
) -> Result<IndexWriter, tantivy::TantivyError> {
    let mut attempts = 0;
    loop {
        match index.writer_with_num_threads(threads, budget) {
            Err(tantivy::TantivyError::LockFailure(..)) if attempts < 100 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// Deletes `removed` and writes `to_write` (each flagged when it replaces an older version) in
/// one commit.
fn write_changes(
    dir: &Path,
    index: &Index,
    fields: &Fields,
    removed: &[String],
    to_write: &[(&SearchDoc, bool)],
    compaction: Compaction,
) -> Result<(), IndexError> {
    let tantivy_err = |source| IndexError::Tantivy {
        path: dir.to_path_buf(),
        source,
    };
    // Two indexing threads on a two-core machine for a big update; one small one for the usual
    // few edited notes, where setting up a large writer costs more than the writing.
    let (threads, budget) = if to_write.len() > 1_000 {
        (2, 128_000_000)
    } else {
        (1, 20_000_000)
    };
    let mut writer = open_writer(index, threads, budget).map_err(tantivy_err)?;
    // Segments are merged only when this function says so (see `Compaction`), never behind
    // its back by the default policy.
    writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    // New documents are deleted first too: if an earlier run died between its commit and its
    // manifest, they are already in the index, and must not be there twice.
    for key in removed {
        writer.delete_term(Term::from_field_text(fields.key, key));
    }
    for (doc, _) in to_write {
        writer.delete_term(Term::from_field_text(fields.key, &doc.key()));
    }
    for (doc, _) in to_write {
        writer
            .add_document(doc.to_tantivy(fields))
            .map_err(tantivy_err)?;
    }
    writer.commit().map_err(tantivy_err)?;
    let deleted = !removed.is_empty() || to_write.iter().any(|(_, replaced)| *replaced);
    if deleted && compaction == Compaction::AfterDeletes {
        let segments = index.searchable_segment_ids().map_err(tantivy_err)?;
        writer.merge(&segments).wait().map_err(tantivy_err)?;
    }
    writer.wait_merging_threads().map_err(tantivy_err)?;
    Ok(())
}
