//! The search index on disk, and [`Engine`], the one handle to it: opened once per build (or
//! once per rebuild of a preview), it stores documents, hands out the searcher every query,
//! ```` ```query ```` block, related list and bundle reads, and knows the [`Lookups`] the index
//! was made with.
//!
//! Updates are incremental: a manifest keeps each document's content hash, and only the
//! documents whose hash changed are deleted and added again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::schema::{Facet, Term};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument};

use super::documents::{Lookups, SearchDoc};
use super::query::{QueryError, SearchRequest, SearchResults, Searching};
use super::schema::{self, Fields, FORMAT, TOKENIZER};
use crate::site::SiteRoot;

const MANIFEST: &str = "commonplace-manifest.json";
const HASHES: &str = "commonplace-hashes.txt";

/// The index of one site in one folder, with a reader that sees every change this handle
/// made.
pub struct Engine {
    dir: PathBuf,
    language: String,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    manifest: Manifest,
    /// Whether `manifest.docs` holds the index's hashes: [`Engine::open_current`] leaves
    /// them on the disk, since a search does not need them.
    hashes_read: bool,
    /// No usable index was there (none yet, or of another format or language): this one was
    /// made new, and is empty until the first update.
    fresh: bool,
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

impl Engine {
    /// Opens the index in `dir`, creating it, or making it anew when it is of another format
    /// or language, or unreadable.
    pub fn open(dir: &Path, language: &str) -> Result<Engine, IndexError> {
        let analyzer = schema::analyzer(language)
            .ok_or_else(|| IndexError::Language(language.to_string(), schema::language_codes()))?;
        let tantivy_err = tantivy_error(dir);
        let manifest =
            read_manifest(dir, true).filter(|m| m.format == FORMAT && m.language == language);
        let (schema, fields) = schema::schema();
        let (index, manifest) = match manifest.map(|m| (Index::open_in_dir(dir), m)) {
            Some((Ok(index), manifest)) if index.schema() == schema => (index, Some(manifest)),
            _ => {
                if dir.exists() {
                    crate::fs::remove_dir_all(dir)?;
                }
                crate::fs::create_dir_all(dir)?;
                let index = Index::create_in_dir(dir, schema).map_err(&tantivy_err)?;
                (index, None)
            }
        };
        Engine::with_reader(dir, language, index, fields, analyzer, manifest, true)
    }

    /// The index in `dir` if it was made from content with this stamp, opened for searching
    /// without reading its hashes; `None` when it is not (the site must be loaded first).
    pub fn open_current(dir: &Path, language: &str, stamp: u64) -> Option<Engine> {
        let manifest = read_manifest(dir, false)?;
        if manifest.format != FORMAT || manifest.language != language || manifest.stamp != stamp {
            return None;
        }
        let analyzer = schema::analyzer(language)?;
        let (schema, fields) = schema::schema();
        let index = Index::open_in_dir(dir).ok()?;
        if index.schema() != schema {
            return None;
        }
        Engine::with_reader(
            dir,
            language,
            index,
            fields,
            analyzer,
            Some(manifest),
            false,
        )
        .ok()
    }

    /// The handle of an opened index, with the site's analyzer registered and a reader; no
    /// manifest means the index was made new.
    fn with_reader(
        dir: &Path,
        language: &str,
        index: Index,
        fields: Fields,
        analyzer: tantivy::tokenizer::TextAnalyzer,
        manifest: Option<Manifest>,
        hashes_read: bool,
    ) -> Result<Engine, IndexError> {
        index.tokenizers().register(TOKENIZER, analyzer);
        let fresh = manifest.is_none();
        // Reloaded by hand after each commit of this handle's: the default policy watches
        // the folder with a thread of its own.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(tantivy_error(dir))?;
        Ok(Engine {
            dir: dir.to_path_buf(),
            language: language.to_string(),
            index,
            reader,
            fields,
            manifest: manifest.unwrap_or_default(),
            hashes_read,
            fresh,
        })
    }

    /// The concept paths, aliases and source titles the index was made with.
    pub fn lookups(&self) -> &Lookups {
        &self.manifest.lookups
    }

    pub fn language(&self) -> &str {
        &self.language
    }

    /// Runs a search, as `commonplace search`, the preview's API and (rebuilt in the browser)
    /// the search page run it.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, QueryError> {
        self.searching().search(request)
    }

    /// The query language over a point-in-time view of the index.
    pub(super) fn searching(&self) -> Searching<'_> {
        Searching {
            index: &self.index,
            language: &self.language,
            lookups: &self.manifest.lookups,
            fields: self.fields,
            searcher: self.searcher(),
        }
    }

    /// A point-in-time view of the index as this handle last changed it: the one place a
    /// searcher is made.
    pub(super) fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    pub(super) fn fields(&self) -> Fields {
        self.fields
    }

    /// What a Tantivy error is, said with the index's folder.
    pub(super) fn error(&self, source: tantivy::TantivyError) -> IndexError {
        tantivy_error(&self.dir)(source)
    }

    /// Brings the index up to date with `docs` (every document of the site): adds new
    /// documents, replaces changed ones, removes those that are gone.
    pub fn update(
        &mut self,
        docs: &BTreeMap<String, SearchDoc>,
        stamp: u64,
        lookups: Lookups,
        compaction: Compaction,
    ) -> Result<IndexReport, IndexError> {
        self.read_hashes()?;
        let fresh = self.fresh;
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
        // Both maps are sorted by key: one walk through them side by side finds what went,
        // what came and what changed, without a lookup per document.
        let mut removed: Vec<String> = Vec::new();
        let mut to_write: Vec<(String, bool)> = Vec::new();
        let mut old_entries = self.manifest.docs.iter().peekable();
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
        // A live preview never compacts: an index it left with deleted documents is
        // compacted by the next build, even one that changes nothing, so that build's pages
        // are a clean build's.
        let leftover_deletes = compaction == Compaction::AfterDeletes
            && self
                .index
                .searchable_segment_metas()
                .map_err(|e| self.error(e))?
                .iter()
                .any(|segment| segment.has_deletes());
        if leftover_deletes {
            let mut writer = open_writer(&self.index, 1, 50_000_000).map_err(|e| self.error(e))?;
            let segments = self
                .index
                .searchable_segment_ids()
                .map_err(|e| self.error(e))?;
            writer.merge(&segments).wait().map_err(|e| self.error(e))?;
            writer.wait_merging_threads().map_err(|e| self.error(e))?;
        }
        if !(removed.is_empty() && to_write.is_empty() && !fresh) {
            let to_write: Vec<(&SearchDoc, bool)> = to_write
                .iter()
                .map(|(key, changed)| (&docs[key], *changed))
                .collect();
            self.write_changes(&removed, &to_write, compaction)?;
        }
        // The reader sees what was committed even if the manifest cannot be written; the
        // next update then compares against the manifest as it was, and writes again.
        self.reload()?;
        // Even when the documents are the same, the stamp (a touched file) may not be.
        let manifest = Manifest {
            format: FORMAT,
            language: self.language.clone(),
            docs: hashes,
            stamp,
            lookups,
        };
        write_manifest(&self.dir, &manifest)?;
        self.manifest = manifest;
        self.fresh = false;
        Ok(report)
    }

    /// Replaces the given documents and leaves every other one alone, without compacting: a
    /// live preview's update after an edit, which need not make every document of the site
    /// to compare them, and which changes no concept, alias or source (the lookups stay).
    /// Takes `&self`, so searches go on meanwhile. The manifest is read from the disk, not
    /// taken from memory: a `build` of the same index may have written it since.
    pub fn update_some(
        &self,
        docs: &[SearchDoc],
        removed: &[String],
        stamp: u64,
    ) -> Result<IndexReport, IndexError> {
        let manifest = read_manifest(&self.dir, true)
            .filter(|m| m.format == FORMAT && m.language == self.language);
        let Some(mut manifest) = manifest else {
            return Err(IndexError::Missing(self.dir.clone()));
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
        let removed: Vec<String> = removed
            .iter()
            .filter(|key| manifest.docs.remove(*key).is_some())
            .cloned()
            .collect();
        report.removed += removed.len();
        if !to_write.is_empty() || !removed.is_empty() {
            self.write_changes(&removed, &to_write, Compaction::Never)?;
            self.reload()?;
        }
        manifest.stamp = stamp;
        manifest.lookups = self.manifest.lookups.clone();
        write_manifest(&self.dir, &manifest)?;
        Ok(report)
    }

    /// The hashes an update compares against, when [`Engine::open_current`] left them on the
    /// disk; an index whose hashes cannot be read is made anew, as [`Engine::open`] would.
    fn read_hashes(&mut self) -> Result<(), IndexError> {
        if self.hashes_read {
            return Ok(());
        }
        match read_hashes(&self.dir) {
            Some(docs) => {
                self.manifest.docs = docs;
                self.hashes_read = true;
                Ok(())
            }
            None => {
                *self = Engine::open(&self.dir, &self.language)?;
                Ok(())
            }
        }
    }

    fn reload(&self) -> Result<(), IndexError> {
        self.reader.reload().map_err(|e| self.error(e))
    }

    /// Deletes `removed` and writes `to_write` (each flagged when it replaces an older
    /// version) in one commit.
    fn write_changes(
        &self,
        removed: &[String],
        to_write: &[(&SearchDoc, bool)],
        compaction: Compaction,
    ) -> Result<(), IndexError> {
        let fields = &self.fields;
        let err = |e| self.error(e);
        // Two indexing threads on a two-core machine for a big update; one small one for the
        // usual few edited notes, where setting up a large writer costs more than the writing.
        let (threads, budget) = if to_write.len() > 1_000 {
            (2, 128_000_000)
        } else {
            (1, 20_000_000)
        };
        let mut writer = open_writer(&self.index, threads, budget).map_err(err)?;
        // Segments are merged only when this function says so (see `Compaction`), never behind
        // its back by the default policy.
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        // New documents are deleted first too: if an earlier run died between its commit and
        // its manifest, they are already in the index, and must not be there twice.
        for key in removed {
            writer.delete_term(Term::from_field_text(fields.key, key));
        }
        for (doc, _) in to_write {
            writer.delete_term(Term::from_field_text(fields.key, &doc.key()));
        }
        for (doc, _) in to_write {
            writer.add_document(tantivy_doc(doc, fields)).map_err(err)?;
        }
        writer.commit().map_err(err)?;
        let deleted = !removed.is_empty() || to_write.iter().any(|(_, replaced)| *replaced);
        if deleted && compaction == Compaction::AfterDeletes {
            let segments = self.index.searchable_segment_ids().map_err(err)?;
            writer.merge(&segments).wait().map_err(err)?;
        }
        writer.wait_merging_threads().map_err(err)?;
        Ok(())
    }
}

fn tantivy_error(dir: &Path) -> impl Fn(tantivy::TantivyError) -> IndexError + '_ {
    move |source| IndexError::Tantivy {
        path: dir.to_path_buf(),
        source,
    }
}

/// A document as Tantivy stores it.
fn tantivy_doc(doc: &SearchDoc, f: &Fields) -> TantivyDocument {
    let mut out = TantivyDocument::default();
    out.add_text(f.key, doc.key());
    out.add_facet(f.kind, Facet::from_path([doc.kind.name()]));
    out.add_text(f.id, &doc.id);
    out.add_text(f.title, &doc.title);
    out.add_text(f.body, &doc.body);
    if let Some(text) = &doc.text {
        out.add_text(f.text, text);
    }
    for path in &doc.concepts {
        out.add_facet(
            f.concept,
            Facet::from_text(path).expect("paths are built valid"),
        );
    }
    if let Some(source) = &doc.source {
        out.add_facet(f.source, Facet::from_path([source.as_str()]));
    }
    if let Some(author) = &doc.author {
        out.add_text(f.author, author);
    }
    if let Some(year) = doc.year {
        out.add_u64(f.year, year);
    }
    if let Some(date) = &doc.date {
        out.add_text(f.date, date);
    }
    if let Some(locator) = &doc.locator {
        out.add_text(f.locator, locator);
    }
    out.add_text(f.url, &doc.url);
    out.add_u64(f.order, doc.order);
    out
}

/// A fingerprint of everything a build reads: the path, size and modification time of every
/// file under `content/`, and `commonplace.yaml`, and which notes are in (drafts, withheld
/// ones). Statting files is cheap next to loading them, so `search` can tell whether the index
/// is current.
pub fn content_stamp(site: &SiteRoot, selection: crate::load::Selection) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &byte in bytes.iter().chain(std::iter::once(&0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(&[u8::from(selection.drafts), u8::from(selection.withheld)]);
    let config = site.config_file();
    let content = site.content_dir();
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

/// The manifest in `dir`, with its hashes when `with_hashes` (a manifest whose hashes cannot
/// be read is then no manifest).
fn read_manifest(dir: &Path, with_hashes: bool) -> Option<Manifest> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    let mut manifest: Manifest = serde_json::from_str(&text).ok()?;
    if with_hashes {
        manifest.docs = read_hashes(dir)?;
    }
    Some(manifest)
}

fn read_hashes(dir: &Path) -> Option<BTreeMap<String, u64>> {
    let hashes = std::fs::read_to_string(dir.join(HASHES)).ok()?;
    // The lines are sorted, so the map is built in one pass rather than key by key.
    let docs: Option<Vec<(String, u64)>> = hashes
        .lines()
        .map(|line| {
            let (key, hash) = line.rsplit_once(' ')?;
            Some((key.to_string(), u64::from_str_radix(hash, 16).ok()?))
        })
        .collect();
    Some(docs?.into_iter().collect())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::Kind;

    fn doc(kind: Kind, id: &str, body: &str) -> SearchDoc {
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
        let mut docs: BTreeMap<String, SearchDoc> = [
            doc(Kind::Note, "a", "alpha"),
            doc(Kind::Note, "b", "beta"),
            doc(Kind::Note, "c", "gamma"),
        ]
        .into_iter()
        .map(|d| (d.key(), d))
        .collect();
        let mut engine = Engine::open(root.path(), "en").unwrap();
        let first = engine
            .update(&docs, 1, Lookups::default(), Compaction::Never)
            .unwrap();
        assert_eq!((first.added, first.rebuilt), (3, true));

        docs.remove("note:a");
        docs.get_mut("note:b").unwrap().body = "beta, edited".to_string();
        let d = doc(Kind::Note, "d", "delta");
        docs.insert(d.key(), d);
        // A second handle, as the next build opens one.
        let mut engine = Engine::open(root.path(), "en").unwrap();
        assert!(!engine.fresh);
        let second = engine
            .update(&docs, 2, Lookups::default(), Compaction::AfterDeletes)
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
        let searcher = engine.searcher();
        assert_eq!(searcher.num_docs(), 3);
        // Compacted: one segment, no deleted documents left to skew the statistics.
        assert_eq!(searcher.segment_readers().len(), 1);
        assert_eq!(searcher.segment_readers()[0].num_deleted_docs(), 0);
        // Deleted documents still count in doc_freq until a merge; a search skips them.
        let count = |word: &str| {
            let term = Term::from_field_text(engine.fields().body, word);
            let query =
                tantivy::query::TermQuery::new(term, tantivy::schema::IndexRecordOption::Basic);
            searcher.search(&query, &tantivy::collector::Count).unwrap()
        };
        assert_eq!((count("alpha"), count("delta"), count("edit")), (0, 1, 1));
        let current = |stamp| Engine::open_current(root.path(), "en", stamp);
        assert_eq!(
            current(2).map(|e| e.lookups().clone()),
            Some(Lookups::default())
        );
        assert!(current(3).is_none());
    }

    #[test]
    fn a_search_handle_updates_after_reading_the_hashes() {
        let root = tempfile::tempdir().unwrap();
        let docs: BTreeMap<String, SearchDoc> = [doc(Kind::Note, "a", "alpha")]
            .into_iter()
            .map(|d| (d.key(), d))
            .collect();
        let mut engine = Engine::open(root.path(), "en").unwrap();
        engine
            .update(&docs, 1, Lookups::default(), Compaction::Never)
            .unwrap();
        let mut current = Engine::open_current(root.path(), "en", 1).unwrap();
        let again = current
            .update(&docs, 2, Lookups::default(), Compaction::Never)
            .unwrap();
        assert_eq!((again.unchanged, again.added, again.rebuilt), (1, 0, false));
    }

    #[test]
    fn a_quick_update_keeps_what_a_build_of_the_same_index_wrote() {
        let root = tempfile::tempdir().unwrap();
        let docs = |list: &[(&str, &str)]| -> BTreeMap<String, SearchDoc> {
            list.iter()
                .map(|(id, body)| doc(Kind::Note, id, body))
                .map(|d| (d.key(), d))
                .collect()
        };
        // A preview's engine, then a build's, on one index (`serve --published`).
        let mut preview = Engine::open(root.path(), "en").unwrap();
        preview
            .update(
                &docs(&[("a", "alpha")]),
                1,
                Lookups::default(),
                Compaction::Never,
            )
            .unwrap();
        let mut build = Engine::open(root.path(), "en").unwrap();
        let both = docs(&[("a", "alpha"), ("b", "beta")]);
        build
            .update(&both, 2, Lookups::default(), Compaction::AfterDeletes)
            .unwrap();
        let edited = doc(Kind::Note, "a", "alpha, edited");
        let report = preview.update_some(&[edited], &[], 3).unwrap();
        assert_eq!((report.changed, report.added), (1, 0));
        // The build's `b` is still in the manifest: a later build finds it unchanged.
        let mut next = Engine::open(root.path(), "en").unwrap();
        let mut now = both.clone();
        now.get_mut("note:a").unwrap().body = "alpha, edited".to_string();
        let again = next
            .update(&now, 3, Lookups::default(), Compaction::Never)
            .unwrap();
        assert_eq!((again.unchanged, again.added, again.changed), (2, 0, 0));
    }
}
