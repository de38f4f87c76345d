//! The live preview's site: the last good build kept in memory, and brought up to date after
//! each batch of changed files.
//!
//! Two ways to rebuild. An edit to the text of existing notes (the daily loop) takes the quick
//! way: each note is read again and linked again on its own ([`crate::link::relink`]), only
//! the pages it can change are rendered, and its search document is replaced after the reload
//! event is out. New, removed and renamed notes take it too ([`crate::link::restructure`]):
//! the notes whose links use their names are linked again like edited ones. So do changed
//! quote files ([`crate::link::requote`]): quotes edited, added or removed, their source's
//! quotes replaced in place; and concept files whose description alone changed
//! ([`crate::link::redescribe`]). Anything else (a quote or concept file that comes or goes, the
//! config, the theme, or a change the quick way cannot take) runs every stage, like `build`,
//! and writes only the files whose bytes changed. Either way, a change with errors leaves the
//! last good site served and reports the errors.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::Reporter;
use crate::diagnostic::{self, Diagnostic};
use crate::link::restructure::LinkNames;
use crate::link::{self, Graph, Linker, NoteId, SourceId};
use crate::load;
use crate::lock;
use crate::render::{self, Findings, PageKey, Theme};
use crate::search::{self, Compaction, Engine};
use crate::site::{SiteRoot, CONTENT_DIR, THEMES_DIR};
use crate::text::error_chain;
use crate::write::LiveOutput;
use crate::{config, Error, Indexing, Prepared, SiteOptions};

/// The preview's search index, shared with the server's search API: the engine of the last
/// good rebuild, `None` until the first one.
pub type SharedSearch = Arc<RwLock<Option<Engine>>>;

/// The site as last built without errors.
struct Site {
    graph: Graph,
    findings: Findings,
    linker: Linker,
    theme: Theme,
    /// Every warning of the current content (errors make a site not good).
    warnings: Vec<Diagnostic>,
    /// Notes by their file under `content/` (`notes/a.md`).
    notes_by_file: HashMap<String, NoteId>,
    /// Every file the build read, relative to the root, so a temporary file an editor made
    /// and removed between two looks is not mistaken for a change.
    files: HashSet<PathBuf>,
    /// The folders as pages show them, made again when notes come or go.
    folders: render::Folders,
    /// Which notes' links use which names.
    link_names: Option<LinkNames>,
}

/// What a batch of changed files asks of the quick way.
#[derive(Debug, Default)]
struct Change {
    /// Notes whose text changed, with their files under `content/` (`notes/a.md`).
    edited: Vec<(NoteId, String)>,
    /// New notes' files under `content/`.
    added: Vec<String>,
    /// Notes whose files are gone.
    removed: Vec<NoteId>,
    /// Quote files that changed, by their sources and files under `content/`.
    quotes: Vec<(SourceId, String)>,
    /// Concept files that changed, by their files under `content/`.
    concepts: Vec<String>,
}

/// How a rebuild went.
#[derive(Debug)]
pub struct Rebuilt {
    /// Output files that changed (`notes/a/index.html`, `style.css`), for the reload event.
    pub changed: Vec<String>,
    /// Every problem the content has now, sorted: with an error among them, the last good
    /// site stays served.
    pub diagnostics: Vec<Diagnostic>,
    /// A failure that is not a content problem (a broken theme template, the disk).
    pub failure: Option<String>,
    /// Whether the quick way was taken, and if not, why not.
    pub quick: Result<(), String>,
    /// The site's base path (`/kb`, or empty) after a good rebuild.
    pub base: Option<String>,
    pub elapsed: Duration,
}

impl Rebuilt {
    /// A rebuild that stopped: nothing changed, and the last good site stays served.
    fn failed(
        diagnostics: Vec<Diagnostic>,
        failure: Option<String>,
        quick: Result<(), String>,
    ) -> Rebuilt {
        Rebuilt {
            changed: Vec::new(),
            diagnostics,
            failure,
            quick,
            base: None,
            elapsed: Duration::ZERO,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.failure.is_some() || diagnostic::count_errors(&self.diagnostics) > 0
    }
}

pub struct Preview {
    options: SiteOptions,
    root: SiteRoot,
    output: LiveOutput,
    site: Option<Site>,
    /// Whether the content as it is now has errors (the site kept is then the last good one).
    failing: bool,
    search: SharedSearch,
    reporter: Arc<dyn Reporter>,
}

impl Preview {
    /// Sets up the preview folder; the first [`Preview::rebuild_all`] fills it.
    pub fn new(
        options: SiteOptions,
        search: SharedSearch,
        reporter: Arc<dyn Reporter>,
    ) -> Result<Preview, Error> {
        let root = SiteRoot::open(&options.root)?;
        let output = LiveOutput::open(&root.preview_dir())?;
        Ok(Preview {
            options,
            root,
            output,
            site: None,
            failing: false,
            search,
            reporter,
        })
    }

    pub fn output_dir(&self) -> &Path {
        self.output.dir()
    }

    /// Brings the preview up to date after `paths` changed (absolute, or relative to the
    /// root). `notify` is called with the changed files as soon as the pages are written,
    /// before the slower search index update. Returns `None` when nothing the site is made of
    /// changed.
    pub fn rebuild(&mut self, paths: &[PathBuf], notify: &dyn Fn(&Rebuilt)) -> Option<Rebuilt> {
        let relevant: Vec<PathBuf> = paths
            .iter()
            .filter_map(|p| self.site_file(p))
            .filter(|p| self.matters(p))
            .collect();
        if relevant.is_empty() {
            return None;
        }
        let started = Instant::now();
        let _lock = match self.lock() {
            Ok(lock) => lock,
            Err(failed) => return Some(*failed),
        };
        let quick = self.quick_change(&relevant);
        let rebuilt = match quick {
            Ok(change) => match self.rebuild_quick(change, started, notify) {
                Ok(rebuilt) => rebuilt,
                Err(why) => self.rebuild_all_because(started, Err(why), notify),
            },
            Err(why) => self.rebuild_all_because(started, Err(why), notify),
        };
        Some(rebuilt)
    }

    /// Drops the site kept in memory after a rebuild failed halfway (a panic), so the next
    /// change runs every stage; returns the failure to report.
    pub fn forget(&mut self, failure: String) -> Rebuilt {
        self.site = None;
        self.failing = true;
        Rebuilt::failed(
            Vec::new(),
            Some(failure),
            Err("a rebuild failed".to_string()),
        )
    }

    /// Runs every stage and writes whatever changed.
    pub fn rebuild_all(&mut self, notify: &dyn Fn(&Rebuilt)) -> Rebuilt {
        let _lock = match self.lock() {
            Ok(lock) => lock,
            Err(failed) => return *failed,
        };
        if let Err(err) = self.output.take_stock() {
            return Rebuilt::failed(
                Vec::new(),
                Some(error_chain(&err)),
                Err("first build".to_string()),
            );
        }
        self.rebuild_all_because(Instant::now(), Err("first build".to_string()), notify)
    }

    /// The site lock, for a rebuild: the preview's folders and index are written by one
    /// process at a time (a second `serve`, or `build` for `serve --published`).
    fn lock(&self) -> Result<lock::SiteLock, Box<Rebuilt>> {
        lock::acquire(&self.root, "serve", &*self.reporter).map_err(|err| {
            Box::new(Rebuilt::failed(
                Vec::new(),
                Some(error_chain(&err)),
                Err("the site lock".to_string()),
            ))
        })
    }

    /// A changed path as a path relative to the root, if it is one the site is made of:
    /// `commonplace.yaml`, or under `content/` or `themes/`, and not a hidden or editor's
    /// temporary file.
    fn site_file(&self, path: &Path) -> Option<PathBuf> {
        let relative = path
            .strip_prefix(self.root.dir())
            .unwrap_or(path)
            .to_path_buf();
        let name = relative.file_name()?.to_string_lossy().into_owned();
        let temporary = name.starts_with('.')
            || name.ends_with('~')
            || name.ends_with(".swp")
            || name.ends_with(".swx")
            || name.ends_with(".tmp");
        let hidden_dir = relative
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        let first = relative.components().next()?.as_os_str().to_owned();
        let in_site =
            relative == Path::new(config::FILE_NAME) || first == CONTENT_DIR || first == THEMES_DIR;
        (in_site && !temporary && !hidden_dir).then_some(relative)
    }

    /// Whether a change to this file can change the site: it exists now, or the site had it
    /// (or had files in it: a folder moved away is one event, not one per file).
    fn matters(&self, relative: &Path) -> bool {
        let exists = self.root.dir().join(relative).exists();
        match &self.site {
            Some(site) => {
                exists
                    || site.files.contains(relative)
                    || site.files.iter().any(|file| file.starts_with(relative))
            }
            None => true,
        }
    }

    /// What the quick way is to do, or why it is closed: every changed file is an existing
    /// note's text, an existing note's file gone, or a new note's file.
    fn quick_change(&self, relevant: &[PathBuf]) -> Result<Change, String> {
        let site = match &self.site {
            Some(site) if !self.failing => site,
            Some(_) => return Err("the last change had errors".to_string()),
            None => return Err("there is no good build yet".to_string()),
        };
        let mut change = Change::default();
        let mut ignore = None;
        for path in relevant {
            let content_relative = path
                .strip_prefix(CONTENT_DIR)
                .ok()
                .map(diagnostic::display_path);
            let full = self.root.dir().join(path);
            if full.is_dir() {
                // A folder made, or moved in whole (one event for all its files): its notes not
                // seen yet are new ones. Events of their own may follow, as edits of nothing.
                let unseen = self.unseen_files(site, path, relevant)?;
                for relative in unseen {
                    let r = relative
                        .strip_prefix(CONTENT_DIR)
                        .map(diagnostic::display_path)
                        .unwrap_or_default();
                    if !load::is_note_file(&r) {
                        return Err(format!(
                            "`{}` is a new file in a folder moved in",
                            diagnostic::display_path(&relative)
                        ));
                    }
                    change.added.push(r);
                }
                continue;
            }
            let exists = full.is_file();
            let known = content_relative
                .as_ref()
                .and_then(|r| site.notes_by_file.get(r).copied());
            match (content_relative, known) {
                (Some(r), Some(n)) if exists => change.edited.push((n, r)),
                (Some(_), Some(n)) => change.removed.push(n),
                (Some(r), None) if exists && load::is_note_file(&r) => {
                    let rules = ignore.get_or_insert_with(|| {
                        load::publish::IgnoreRules::new(self.root.dir(), &site.graph.config)
                    });
                    if rules.ignores(&r).is_some() {
                        return Err(format!("`{r}` is ignored"));
                    }
                    change.added.push(r);
                }
                (Some(r), None) if exists && load::is_quote_file(&r) => {
                    let graph = &site.graph;
                    let s = graph
                        .source_ids()
                        .find(|&s| {
                            link::restructure::content_relative(&graph.source(s).source.file) == r
                        })
                        .ok_or_else(|| format!("`{r}` is a new quote file"))?;
                    change.quotes.push((s, r));
                }
                (Some(r), None) if exists && load::is_concept_file(&r) => {
                    let described = site.graph.concepts.values().any(|c| {
                        c.file
                            .as_ref()
                            .is_some_and(|f| link::restructure::content_relative(&f.file) == r)
                    });
                    if !described {
                        return Err(format!("`{r}` is a new concept file"));
                    }
                    change.concepts.push(r);
                }
                _ => {
                    return Err(format!(
                        "`{}` is not a note's file",
                        diagnostic::display_path(path)
                    ))
                }
            }
        }
        change.edited.sort();
        change.edited.dedup();
        change.removed.sort();
        change.removed.dedup();
        change.added.sort();
        change.added.dedup();
        change.quotes.sort();
        change.quotes.dedup();
        change.concepts.sort();
        change.concepts.dedup();
        Ok(change)
    }

    /// The files in folder `dir` (relative to the root) that the site does not have and that
    /// are not among this batch's changes. A large folder is not walked through.
    fn unseen_files(
        &self,
        site: &Site,
        dir: &Path,
        relevant: &[PathBuf],
    ) -> Result<Vec<PathBuf>, String> {
        const AT_MOST: usize = 1_000;
        let mut unseen = Vec::new();
        let walk = walkdir::WalkDir::new(self.root.dir().join(dir)).sort_by_file_name();
        for (walked, entry) in walk.into_iter().enumerate() {
            let entry = entry.map_err(|err| err.to_string())?;
            if walked > AT_MOST {
                return Err(format!(
                    "`{}` is a large folder",
                    diagnostic::display_path(dir)
                ));
            }
            let relative = entry
                .path()
                .strip_prefix(self.root.dir())
                .unwrap_or(entry.path())
                .to_path_buf();
            let hidden = relative
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
            if entry.file_type().is_dir() || hidden {
                continue;
            }
            if !site.files.contains(&relative) && !relevant.contains(&relative) {
                unseen.push(relative);
            }
        }
        Ok(unseen)
    }

    /// The quick way: notes whose text changed, linked and rendered again on their own; notes
    /// added or removed, with the texts that may link to them.
    fn rebuild_quick(
        &mut self,
        change: Change,
        started: Instant,
        notify: &dyn Fn(&Rebuilt),
    ) -> Result<Rebuilt, String> {
        let notes =
            !change.edited.is_empty() || !change.added.is_empty() || !change.removed.is_empty();
        let kinds = [
            notes,
            !change.quotes.is_empty(),
            !change.concepts.is_empty(),
        ];
        if kinds.iter().filter(|&&k| k).count() > 1 {
            return Err("files of more than one kind changed together".to_string());
        }
        if !change.quotes.is_empty() {
            return self.rebuild_quotes(&change.quotes, started, notify);
        }
        if !change.concepts.is_empty() {
            return self.rebuild_concepts(&change.concepts, started, notify);
        }
        let selection = self.options.selection();
        let site = self.site.as_mut().expect("quick_change checked");
        let clean = site.warnings.is_empty();
        // The home page and the feed show notes' summaries and text.
        let mut pages: Vec<PageKey> = vec![PageKey::Home, PageKey::Atom];
        let mut warnings = site.warnings.clone();
        let mut notes = change.edited;
        let structural = !change.added.is_empty() || !change.removed.is_empty();
        let mut restructured = None;
        if structural {
            let done = restructure(&self.root, selection, site, &change.added, &change.removed)?;
            for (n, _) in &mut notes {
                *n = done
                    .inner
                    .moved
                    .note(*n)
                    .ok_or("an edited note is also gone")?;
            }
            notes.extend(done.relink.iter().cloned());
            notes.sort();
            notes.dedup();
            warnings.retain(|d| !done.files.contains(&d.path));
            warnings.extend(done.warnings.iter().cloned());
            pages.extend(done.pages.iter().cloned());
            restructured = Some(done);
        }
        for (n, relative) in &notes {
            if restructured
                .as_ref()
                .is_some_and(|r| r.inner.added.contains(n))
            {
                continue;
            }
            let (note, problems) =
                load_shown_note(&self.root, relative, &site.graph.config, selection)?;
            let file = note.file.clone();
            let relinked =
                link::relink::relink_note(&mut site.graph, &site.linker, *n, note, clean)
                    .map_err(str::to_string)?;
            if let Some(names) = &mut site.link_names {
                names.add(site.graph.note(*n));
            }
            warnings.retain(|d| d.path != file);
            warnings.extend(problems);
            warnings.extend(relinked.warnings);
            let affected = relinked.affected;
            if affected.lists_changed {
                pages.extend([PageKey::Concepts, PageKey::Sources]);
            }
            pages.extend(affected.notes.into_iter().map(PageKey::Note));
            pages.extend(affected.quotes.into_iter().map(PageKey::Quote));
            pages.extend(affected.concepts.into_iter().map(PageKey::Concept));
            pages.extend(affected.sources.into_iter().map(PageKey::Source));
        }
        let mut removed_docs = Vec::new();
        let mut gone_pages = Vec::new();
        if let Some(done) = &restructured {
            // The added notes on the lists, and the pages whose lists changed.
            let affected = link::restructure::finish(&mut site.graph, &done.inner);
            site.folders = render::Folders::of(&site.graph);
            pages.extend(affected.notes.into_iter().map(PageKey::Note));
            pages.extend(affected.quotes.into_iter().map(PageKey::Quote));
            pages.extend(affected.concepts.into_iter().map(PageKey::Concept));
            pages.extend(affected.sources.into_iter().map(PageKey::Source));
            warnings.retain(|d| !link::is_near_miss(d));
            warnings.extend(link::near_misses(&site.graph, &site.linker));
            for (slug, before) in &done.folders {
                match (before, render::folder(&site.graph, slug)) {
                    (Some(before), Some(now)) if *before != now => {
                        self.site = None;
                        return Err("a folder is named or paged otherwise".to_string());
                    }
                    (Some(_), None) => {
                        gone_pages.push(render::note_page_file(&site.graph.config, slug))
                    }
                    (_, Some((_, None))) => pages.push(PageKey::Folder(slug.clone())),
                    (_, Some((_, Some(note)))) => {
                        pages.extend(site.graph.note_by_slug(&note).map(PageKey::Note))
                    }
                    (None, None) => {}
                }
            }
            gone_pages.extend(
                done.removed_slugs
                    .iter()
                    .map(|slug| render::note_page_file(&site.graph.config, slug)),
            );
            removed_docs.extend(
                done.removed_slugs
                    .iter()
                    .map(|slug| search::documents::key(crate::kind::Kind::Note, slug)),
            );
            if render::sitemap_is_split(&site.graph) != done.was_split {
                self.site = None;
                return Err("the sitemap is split into files, or no longer".to_string());
            }
            if site.graph.has_math() != done.had_math
                || site.graph.has_diagrams() != done.had_diagrams
            {
                self.site = None;
                return Err("the site's math or diagrams came or went".to_string());
            }
        }
        // From here on the graph holds the edit: a failure below must not leave it served as
        // if it were good, so it clears the site and the next change runs every stage.
        let mut edited: Vec<NoteId> = notes.iter().map(|(n, _)| *n).collect();
        if let Some(done) = &restructured {
            edited.extend(&done.inner.added);
            edited.sort();
            edited.dedup();
        }
        let queries = match self.search.read().expect("not poisoned").as_ref() {
            Some(engine) => {
                search::blocks::run(engine, &site.graph, &edited).map_err(|err| err.to_string())
            }
            None => Err("the search index is not open".to_string()),
        };
        let (results, problems) = match queries {
            Ok(found) => found,
            Err(err) => {
                self.site = None;
                return Err(err);
            }
        };
        if !problems.is_empty() {
            self.site = None;
            return Err("a query block has an error".to_string());
        }
        let findings = &mut site.findings;
        findings
            .query_results
            .retain(|(n, _), _| edited.binary_search(n).is_err());
        findings.query_results.extend(results);
        pages.sort();
        pages.dedup();
        let changed = match write_quick(&self.output, site, &pages, &gone_pages) {
            Ok(changed) => changed,
            Err(err) => {
                self.site = None;
                return Err(err);
            }
        };
        diagnostic::sort(&mut warnings);
        site.warnings = warnings.clone();
        let rebuilt = Rebuilt {
            changed,
            diagnostics: warnings,
            failure: None,
            quick: Ok(()),
            base: Some(site.graph.config.base_path()),
            elapsed: started.elapsed(),
        };
        notify(&rebuilt);

        // The search index follows once the page is on its way.
        let docs: Vec<_> = edited
            .iter()
            .map(|&n| search::documents::note_document(&site.graph, n))
            .collect();
        let stamp = search::content_stamp(&self.root, self.options.selection());
        // A read lock: the server goes on searching while the index is written.
        if let Some(engine) = self.search.read().expect("not poisoned").as_ref() {
            if let Err(err) = engine.update_some(&docs, &removed_docs, stamp) {
                self.reporter.warning(&format!(
                    "the search index was not updated: {}",
                    error_chain(&err)
                ));
            }
        }
        Ok(rebuilt)
    }

    /// The quick way for quote files: each source's quotes replaced in place
    /// ([`link::requote`]), the pages that show them rendered again, their search documents
    /// replaced.
    fn rebuild_quotes(
        &mut self,
        files: &[(SourceId, String)],
        started: Instant,
        notify: &dyn Fn(&Rebuilt),
    ) -> Result<Rebuilt, String> {
        let site = self.site.as_mut().expect("quick_change checked");
        // Every file read first: one with an error leaves the site as it was.
        let mut loaded = Vec::new();
        for (s, relative) in files {
            let (source, problems) =
                load::load_source(&self.root, relative).map_err(|err| error_chain(&err))?;
            match source {
                Some(source) if !problems.iter().any(Diagnostic::is_error) => {
                    loaded.push((*s, source, problems))
                }
                _ => return Err(format!("`{relative}` has an error")),
            }
        }
        let was_split = render::sitemap_is_split(&site.graph);
        let (had_math, had_diagrams) = (site.graph.has_math(), site.graph.has_diagrams());
        let page_counts: BTreeMap<String, usize> = site
            .graph
            .concepts
            .keys()
            .map(|name| (name.clone(), render::concept_page_total(&site.graph, name)))
            .collect();
        let mut warnings = site.warnings.clone();
        let mut pages = vec![
            PageKey::Home,
            PageKey::Atom,
            PageKey::Concepts,
            PageKey::Sources,
            PageKey::Sitemap,
        ];
        let mut gone_pages = Vec::new();
        let mut docs = Vec::new();
        let mut removed_docs = Vec::new();
        for (i, (s, source, problems)) in loaded.into_iter().enumerate() {
            let file = source.file.clone();
            let names = site
                .link_names
                .get_or_insert_with(|| LinkNames::of(&site.graph));
            let done =
                link::requote::requote(&mut site.graph, &mut site.linker, s, source, Some(names));
            let done = match done {
                Ok(done) => done,
                Err(why) => {
                    if i > 0 {
                        // An earlier file's change is in the graph, not on the pages.
                        self.site = None;
                    }
                    return Err(why.to_string());
                }
            };
            let graph = &site.graph;
            let names = site.link_names.as_mut().expect("made above");
            for quote in &graph.source(s).quotes {
                if let Some(annotation) = &quote.annotation {
                    names.add_text(&annotation.scan);
                }
            }
            site.findings.renumber_quotes(s, &done.moved);
            warnings.retain(|d| d.path != file);
            warnings.extend(problems);
            warnings.extend(done.warnings);
            let source_id = &graph.source(s).source.id;
            for global in &done.removed {
                let quote = global.split_once('/').map_or(global.as_str(), |(_, q)| q);
                gone_pages.push(render::quote_page_file(&graph.config, source_id, quote));
                removed_docs.push(search::documents::key(crate::kind::Kind::Quote, global));
            }
            let affected = done.affected;
            pages.extend(affected.notes.into_iter().map(PageKey::Note));
            pages.extend(affected.quotes.into_iter().map(PageKey::Quote));
            pages.extend(affected.sources.into_iter().map(PageKey::Source));
            for name in &affected.concepts {
                pages.extend(render::concept_pages(graph, name));
                let before = page_counts.get(name).copied().unwrap_or(1);
                let now = render::concept_page_total(graph, name);
                gone_pages.extend(
                    (now + 1..=before)
                        .map(|page| render::concept_page_file(&graph.config, name, page)),
                );
            }
            docs.extend(search::documents::source_documents(graph, s));
        }
        // From here on the graph holds the change: a failure drops the site kept.
        let graph = &site.graph;
        warnings.retain(|d| !link::is_near_miss(d));
        warnings.extend(link::near_misses(graph, &site.linker));
        let refused = if render::sitemap_is_split(graph) != was_split {
            Some("the sitemap is split into files, or no longer")
        } else if graph.has_math() != had_math || graph.has_diagrams() != had_diagrams {
            Some("the site's math or diagrams came or went")
        } else {
            None
        };
        if let Some(why) = refused {
            self.site = None;
            return Err(why.to_string());
        }
        if was_split {
            let quotes: usize = graph.sources.iter().map(|s| s.quotes.len()).sum();
            let parts = quotes / render::SITEMAP_LIMIT + 1;
            for part in [render::SitemapPart::Quotes, render::SitemapPart::Pages] {
                pages.extend((1..=parts).map(|chunk| PageKey::SitemapPart(part, chunk)));
            }
        }
        let stamp = search::content_stamp(&self.root, self.options.selection());
        // Query blocks list quotes: with any on the site, the index takes the change first and
        // every block runs again.
        let querying: Vec<NoteId> = graph
            .note_ids()
            .filter(|&n| !graph.note(n).outline.scan.queries.is_empty())
            .collect();
        if !querying.is_empty() {
            let guard = self.search.read().expect("not poisoned");
            let found = match guard.as_ref() {
                Some(engine) => engine
                    .update_some(&docs, &removed_docs, stamp)
                    .map_err(|err| error_chain(&err))
                    .and_then(|_| {
                        search::blocks::run(engine, graph, &querying).map_err(|e| e.to_string())
                    }),
                None => Err("the search index is not open".to_string()),
            };
            let (results, problems) = match found {
                Ok(found) => found,
                Err(err) => {
                    drop(guard);
                    self.site = None;
                    return Err(err);
                }
            };
            drop(guard);
            if !problems.is_empty() {
                self.site = None;
                return Err("a query block has an error".to_string());
            }
            site.findings.query_results = results;
            pages.extend(querying.iter().map(|&n| PageKey::Note(n)));
        }
        pages.sort();
        pages.dedup();
        let changed = match write_quick(&self.output, site, &pages, &gone_pages) {
            Ok(changed) => changed,
            Err(err) => {
                self.site = None;
                return Err(err);
            }
        };
        diagnostic::sort(&mut warnings);
        site.warnings = warnings.clone();
        let rebuilt = Rebuilt {
            changed,
            diagnostics: warnings,
            failure: None,
            quick: Ok(()),
            base: Some(site.graph.config.base_path()),
            elapsed: started.elapsed(),
        };
        notify(&rebuilt);
        if querying.is_empty() {
            if let Some(engine) = self.search.read().expect("not poisoned").as_ref() {
                if let Err(err) = engine.update_some(&docs, &removed_docs, stamp) {
                    self.reporter.warning(&format!(
                        "the search index was not updated: {}",
                        error_chain(&err)
                    ));
                }
            }
        }
        Ok(rebuilt)
    }

    /// The quick way for concept files whose description alone changed
    /// ([`link::redescribe`]): the concept's page and the pages its links reach rendered
    /// again, its search document replaced.
    fn rebuild_concepts(
        &mut self,
        files: &[String],
        started: Instant,
        notify: &dyn Fn(&Rebuilt),
    ) -> Result<Rebuilt, String> {
        let site = self.site.as_mut().expect("quick_change checked");
        let mut loaded = Vec::new();
        for relative in files {
            let (file, problems) =
                load::load_concept(&self.root, relative).map_err(|err| error_chain(&err))?;
            match file {
                Some(file) if !problems.iter().any(Diagnostic::is_error) => {
                    loaded.push((file, problems))
                }
                _ => return Err(format!("`{relative}` has an error")),
            }
        }
        let (had_math, had_diagrams) = (site.graph.has_math(), site.graph.has_diagrams());
        let mut warnings = site.warnings.clone();
        let mut pages = vec![PageKey::Home, PageKey::Atom, PageKey::Concepts];
        let mut names = Vec::new();
        for (i, (file, problems)) in loaded.into_iter().enumerate() {
            let path = file.file.clone();
            let name = file.name.clone();
            let done = match link::redescribe::redescribe(&mut site.graph, &site.linker, file) {
                Ok(done) => done,
                Err(why) => {
                    if i > 0 {
                        self.site = None;
                    }
                    return Err(why.to_string());
                }
            };
            if let Some(link_names) = &mut site.link_names {
                if let Some(outline) = &site.graph.concepts[&name].description {
                    link_names.add_text(&outline.scan);
                }
            }
            warnings.retain(|d| d.path != path);
            warnings.extend(problems);
            warnings.extend(done.warnings);
            let affected = done.affected;
            pages.extend(affected.notes.into_iter().map(PageKey::Note));
            pages.extend(affected.quotes.into_iter().map(PageKey::Quote));
            pages.extend(affected.concepts.into_iter().map(PageKey::Concept));
            names.push(name);
        }
        let graph = &site.graph;
        if graph.has_math() != had_math || graph.has_diagrams() != had_diagrams {
            self.site = None;
            return Err("the site's math or diagrams came or went".to_string());
        }
        pages.sort();
        pages.dedup();
        let changed = match write_quick(&self.output, site, &pages, &[]) {
            Ok(changed) => changed,
            Err(err) => {
                self.site = None;
                return Err(err);
            }
        };
        diagnostic::sort(&mut warnings);
        site.warnings = warnings.clone();
        let rebuilt = Rebuilt {
            changed,
            diagnostics: warnings,
            failure: None,
            quick: Ok(()),
            base: Some(site.graph.config.base_path()),
            elapsed: started.elapsed(),
        };
        notify(&rebuilt);
        let docs: Vec<_> = names
            .iter()
            .map(|name| search::documents::concept_document(&site.graph, name))
            .collect();
        let stamp = search::content_stamp(&self.root, self.options.selection());
        if let Some(engine) = self.search.read().expect("not poisoned").as_ref() {
            if let Err(err) = engine.update_some(&docs, &[], stamp) {
                self.reporter.warning(&format!(
                    "the search index was not updated: {}",
                    error_chain(&err)
                ));
            }
        }
        Ok(rebuilt)
    }

    fn rebuild_all_because(
        &mut self,
        started: Instant,
        why: Result<(), String>,
        notify: &dyn Fn(&Rebuilt),
    ) -> Rebuilt {
        let mut rebuilt = match self.build_everything() {
            Ok((site, engine, changed)) => {
                let diagnostics = site.warnings.clone();
                let base = Some(site.graph.config.base_path());
                self.site = Some(site);
                self.failing = false;
                *self.search.write().expect("not poisoned") = Some(engine);
                Rebuilt {
                    changed,
                    diagnostics,
                    failure: None,
                    quick: why,
                    base,
                    elapsed: Duration::ZERO,
                }
            }
            Err(Error::Content { diagnostics }) => {
                self.failing = true;
                Rebuilt::failed(diagnostics, None, why)
            }
            Err(err) => {
                self.failing = true;
                Rebuilt::failed(Vec::new(), Some(error_chain(&err)), why)
            }
        };
        rebuilt.elapsed = started.elapsed();
        notify(&rebuilt);
        rebuilt
    }

    /// Every stage, as `build` runs them ([`crate::prepare`]), writing only what changed.
    fn build_everything(&mut self) -> Result<(Site, Engine, Vec<String>), Error> {
        let prepared = crate::prepare(&self.options, Indexing::Refresh(Compaction::Never))?;
        let Prepared {
            graph,
            findings,
            linker,
            publication,
            diagnostics,
            index,
            ..
        } = prepared;
        let (engine, _) = index.expect("a refreshing prepare has the index");
        // Every file the build read. Removing a withheld or ignored one changes the site too:
        // links to it become broken.
        let mut files: HashSet<PathBuf> = HashSet::from([PathBuf::from(config::FILE_NAME)]);
        files.extend(publication.published);
        files.extend(publication.files);
        files.extend(publication.withheld.into_iter().map(|(file, _)| file));
        let theme = Theme::load(self.root.dir(), &graph.config)?;

        let output = &self.output;
        let written = std::sync::Mutex::new((Vec::new(), HashSet::new()));
        let emit = |page: render::Page| {
            let wrote = output.write_page(&page)?;
            let mut written = written.lock().expect("not poisoned");
            if wrote {
                written.0.push(page.path.clone());
            }
            written.1.insert(page.path);
            Ok::<(), crate::write::WriteError>(())
        };
        render::render(&graph, &findings, &theme, &emit).map_err(|failure| match failure {
            render::RenderFailure::Render(err) => Error::Render(err),
            render::RenderFailure::Emit(err) => Error::Write(err),
        })?;
        let (mut changed, mut keep) = written.into_inner().expect("not poisoned");
        let theme_files = theme.files_for(&graph);
        changed.extend(output.copy_files(&theme_files, &graph.assets)?);
        keep.extend(theme_files.keys().cloned());
        drop(theme_files);
        keep.extend(graph.assets.iter().map(|a| a.path.clone()));
        changed.extend(output.remove_others(&keep)?);
        changed.sort();

        let notes_by_file = graph
            .note_ids()
            .zip(&graph.notes)
            .map(|(n, linked)| (linked.note.content_path(), n))
            .collect();
        // Made now, behind a full rebuild, so that the first note to come or go need not.
        let link_names = Some(LinkNames::of(&graph));
        let folders = render::Folders::of(&graph);
        let site = Site {
            graph,
            findings,
            linker,
            theme,
            warnings: diagnostics,
            notes_by_file,
            files,
            folders,
            link_names,
        };
        Ok((site, engine, changed))
    }
}

/// A note read again for the quick way, with its front matter's problems; why not, when it
/// has an error or the preview does not show it.
/// Writes the pages a quick change rendered again and removes the files it took away; returns
/// the files whose bytes changed, sorted, for the reload event.
fn write_quick(
    output: &LiveOutput,
    site: &Site,
    pages: &[PageKey],
    gone: &[String],
) -> Result<Vec<String>, String> {
    let removed = output.remove(gone).map_err(|err| error_chain(&err))?;
    let changed = std::sync::Mutex::new(removed);
    let rendered = render::render_pages(
        &site.graph,
        &site.findings,
        &site.theme,
        &site.folders,
        pages,
        &|page| {
            if output.write_page(&page)? {
                changed.lock().expect("not poisoned").push(page.path);
            }
            Ok::<(), crate::write::WriteError>(())
        },
    );
    if let Err(failure) = rendered {
        return Err(match failure {
            render::RenderFailure::Render(err) => error_chain(&err),
            render::RenderFailure::Emit(err) => error_chain(&err),
        });
    }
    let mut changed = changed.into_inner().expect("not poisoned");
    changed.sort();
    Ok(changed)
}

fn load_shown_note(
    root: &SiteRoot,
    relative: &str,
    config: &config::Config,
    selection: load::Selection,
) -> Result<(load::Note, Vec<Diagnostic>), String> {
    let (note, problems) =
        load::load_note(root, relative, config, selection).map_err(|e| e.to_string())?;
    let Some(note) = note else {
        return Err(format!("`{relative}` has an error"));
    };
    if note.withheld.is_some() && !selection.withheld {
        return Err(format!("`{relative}` is not published"));
    }
    if problems.iter().any(Diagnostic::is_error) {
        return Err(format!("`{relative}` has an error"));
    }
    Ok((note, problems))
}

/// What adding and removing notes did to the site kept in memory, for the rest of the quick
/// way to finish.
struct Restructured {
    /// What the link stage did: where notes moved, which were added.
    inner: link::restructure::Restructured,
    /// The notes that may link to an added or removed one, to link again (by their ids now).
    relink: Vec<(NoteId, String)>,
    /// The folders the added and removed notes are in, as they were before.
    folders: BTreeMap<String, Option<(String, Option<String>)>>,
    removed_slugs: Vec<String>,
    /// The files added and removed, whose old warnings go.
    files: HashSet<PathBuf>,
    warnings: Vec<Diagnostic>,
    /// The pages the change shows on besides those of changed lists: the added notes', the
    /// indexes', the sitemap.
    pages: Vec<PageKey>,
    had_math: bool,
    had_diagrams: bool,
    was_split: bool,
}

/// Adds the notes at `added` (files under `content/`) to the site kept in memory and removes
/// `removed`, renumbering what names notes by position.
fn restructure(
    root: &SiteRoot,
    selection: load::Selection,
    site: &mut Site,
    added: &[String],
    removed: &[NoteId],
) -> Result<Restructured, String> {
    let mut notes = Vec::new();
    let mut warnings = Vec::new();
    for relative in added {
        let (note, problems) = load_shown_note(root, relative, &site.graph.config, selection)?;
        warnings.extend(problems);
        notes.push(note);
    }
    let names = site
        .link_names
        .get_or_insert_with(|| LinkNames::of(&site.graph));
    let mut holders = BTreeSet::new();
    for &n in removed {
        holders.extend(
            names
                .holders(&site.graph.note(n).note)
                .map_err(str::to_string)?,
        );
        for holder in &site.graph.note(n).backlinks {
            match holder {
                link::Ref::Note(m) => {
                    holders.insert(site.graph.note(*m).note.file.clone());
                }
                _ => return Err("a quote's or concept's text links to a removed note".to_string()),
            }
        }
    }
    for note in &notes {
        holders.extend(names.holders(note).map_err(str::to_string)?);
    }
    let mut files: HashSet<PathBuf> = notes.iter().map(|n| n.file.clone()).collect();
    let mut folders_touched = BTreeSet::new();
    let mut removed_slugs = Vec::new();
    for &n in removed {
        let note = &site.graph.note(n).note;
        files.insert(note.file.clone());
        holders.remove(&note.file);
        removed_slugs.push(note.slug.clone());
    }
    for slug in removed_slugs.iter().chain(notes.iter().map(|n| &n.slug)) {
        let mut above = slug.as_str();
        while let Some((parent, _)) = above.rsplit_once('/') {
            folders_touched.insert(parent.to_string());
            above = parent;
        }
    }
    let folders = folders_touched
        .into_iter()
        .map(|slug| {
            let before = render::folder(&site.graph, &slug);
            (slug, before)
        })
        .collect();
    let was_split = render::sitemap_is_split(&site.graph);
    let had_math = site.graph.has_math();
    let had_diagrams = site.graph.has_diagrams();

    let mut done = link::restructure::restructure(
        &mut site.graph,
        &mut site.linker,
        removed,
        notes,
        selection.withheld,
    )
    .map_err(str::to_string)?;
    // From here on the graph holds the change: the caller drops the site on any failure.
    let moved = &done.moved;
    site.findings.renumber_notes(&|n| moved.note(n));
    site.notes_by_file = site
        .graph
        .note_ids()
        .zip(&site.graph.notes)
        .map(|(n, linked)| (linked.note.content_path(), n))
        .collect();
    for file in &files {
        site.files.remove(file);
    }
    for &n in &done.added {
        let linked = site.graph.note(n);
        site.files.insert(linked.note.file.clone());
        names.add(linked);
    }
    warnings.append(&mut done.warnings);
    warnings.extend(
        link::restructure::check_added_embeds(&site.graph, &done.added).map_err(str::to_string)?,
    );
    let relink = holders
        .into_iter()
        .filter_map(|file| {
            let relative = link::restructure::content_relative(&file);
            let n = *site.notes_by_file.get(&relative)?;
            Some((n, relative))
        })
        .collect();
    let mut pages: Vec<PageKey> = done.added.iter().map(|&n| PageKey::Note(n)).collect();
    pages.extend([PageKey::Concepts, PageKey::Sources, PageKey::Sitemap]);
    // Split by kind, only the notes' part of the sitemap changes (the others are not asked
    // for, and a part that does not exist is not rendered).
    let parts = site.graph.notes.len() / render::SITEMAP_LIMIT + 1;
    pages.extend((1..=parts).map(|chunk| PageKey::SitemapPart(render::SitemapPart::Notes, chunk)));
    Ok(Restructured {
        inner: done,
        relink,
        folders,
        removed_slugs,
        files,
        warnings,
        pages,
        had_math,
        had_diagrams,
        was_split,
    })
}
