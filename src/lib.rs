//! commonplace turns a commonplace book (Markdown notes and tagged quotes) into a cross-linked
//! static site.
//!
//! The pipeline, one stage per module, each a plain function of the previous stage's output:
//!
//! ```text
//! load    content/ + commonplace.yaml -> Corpus                    (load)
//! link    Corpus                      -> Graph                     (link)
//! search  Graph                       -> .commonplace/index/, and  (search)
//!                                        Findings: ```query results, related notes and quotes
//! render  Graph + Findings + Theme    -> pages, streamed           (render)
//! write   pages + assets              -> public/                   (write)
//! ```
//!
//! [`prepare`] runs the first three (for [`check`], only load and link, and the query blocks
//! read without an index), and is all that [`check`], [`build`] and `serve` share: after it
//! they differ only in where the pages go. [`search()`] reads the index, updating it first
//! when the content changed.

pub mod config;
pub mod diagnostic;
pub mod fs;
pub mod import;
pub mod init;
pub mod kind;
pub mod link;
pub mod load;
pub mod lock;
pub mod new;
pub mod quote_file;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;
pub mod slug;
pub mod syntax;
pub mod text;
pub mod write;
pub mod yaml;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use diagnostic::Diagnostic;
use load::publish::Publication;
use site::SiteRoot;

/// Which site, and which of its texts: what every command that reads a site is given.
#[derive(Debug, Clone, Default)]
pub struct SiteOptions {
    pub root: PathBuf,
    /// Include notes marked `draft: true`.
    pub drafts: bool,
    /// Take every note, each the published site leaves out marked with why (a preview's
    /// view), rather than the published site's. Ignored files stay out either way.
    pub withheld: bool,
    /// Overrides `base_url` from `commonplace.yaml`.
    pub base_url: Option<String>,
}

impl SiteOptions {
    pub fn selection(&self) -> load::Selection {
        load::Selection {
            drafts: self.drafts,
            withheld: self.withheld,
        }
    }

    /// The index this selection of the site is searched with.
    pub fn index_dir(&self, site: &SiteRoot) -> PathBuf {
        match self.withheld {
            false => site.index_dir(),
            true => site.preview_index_dir(),
        }
    }

    fn load_options(&self) -> load::LoadOptions {
        load::LoadOptions {
            selection: self.selection(),
            base_url: self.base_url.clone(),
        }
    }
}

/// What to build: a site, and where its pages go.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub site: SiteOptions,
    /// Defaults to `<root>/public`.
    pub output: Option<PathBuf>,
}

impl BuildOptions {
    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.site.root.join(site::OUTPUT_DIR))
    }
}

/// Told how far a build's writing has got, for a progress display (the binary draws one on a
/// terminal; the library draws nothing), and when it waits for another writer of the site.
pub trait Progress: Sync + lock::Waiting {
    /// Pages are about to be written: this many.
    fn writing(&self, _pages: usize) {}
    /// One more page is written (called from several threads).
    fn page_written(&self) {}
}

/// No display.
impl Progress for () {}

/// What a successful build made, and the warnings it found.
#[derive(Debug)]
pub struct BuildReport {
    pub diagnostics: Vec<Diagnostic>,
    pub pages: usize,
    pub notes: usize,
    pub quotes: usize,
    pub concepts: usize,
    pub sources: usize,
    pub assets: usize,
    /// What the search index update did.
    pub index: search::IndexReport,
    pub output: PathBuf,
    pub elapsed: Duration,
    /// Wall time of each stage, in order.
    pub timings: Vec<Lap>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    NotASite(#[from] site::NotASite),
    #[error(transparent)]
    Load(#[from] load::LoadError),
    #[error(transparent)]
    Theme(#[from] render::ThemeError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error(transparent)]
    Write(#[from] write::WriteError),
    #[error(transparent)]
    Io(#[from] fs::IoError),
    #[error(transparent)]
    Index(#[from] search::IndexError),
    #[error(transparent)]
    Search(#[from] search::SearchError),
    /// The content has errors; every diagnostic (warnings too) is here, sorted.
    #[error(
        "{} in the content",
        text::plural(diagnostic::count_errors(diagnostics), "error")
    )]
    Content { diagnostics: Vec<Diagnostic> },
}

impl From<search::QueryError> for Error {
    fn from(err: search::QueryError) -> Self {
        Error::Search(err.into())
    }
}

/// How [`prepare`] treats the search index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indexing {
    /// Leave it alone (`check` writes nothing): ```` ```query ```` blocks are only read, the
    /// pages find nothing in the index, and content errors come back with the warnings.
    None,
    /// Bring it up to date, run the query blocks against it and find the related notes and
    /// quotes. Content errors stop before the index is touched, as [`Error::Content`].
    Refresh(search::Compaction),
}

/// A site loaded, linked and searched: everything its pages are made of.
pub struct Prepared {
    pub graph: link::Graph,
    /// What the pages show from the index (nothing with [`Indexing::None`]).
    pub findings: render::Findings,
    /// The link stage's name lookup, which a preview keeps to relink one edited note.
    pub linker: link::Linker,
    /// What the site publishes and leaves out, file by file.
    pub publication: Publication,
    /// Every problem found, sorted: only warnings, unless with [`Indexing::None`].
    pub diagnostics: Vec<Diagnostic>,
    /// The index, up to date, and what bringing it up to date did ([`Indexing::Refresh`]).
    pub index: Option<(search::Engine, search::IndexReport)>,
    /// Wall time of each stage, in order.
    pub timings: Vec<Lap>,
}

/// The stages every command that makes pages shares: load, link and, unless told not to,
/// search; with every diagnostic sorted.
pub fn prepare(options: &SiteOptions, indexing: Indexing) -> Result<Prepared, Error> {
    let site = SiteRoot::open(&options.root)?;
    let mut timings = Timings::start();
    // Taken before loading, so an edit made during the build shows as a change next time.
    let stamp = match indexing {
        Indexing::Refresh(_) => search::content_stamp(&site, options.selection()),
        Indexing::None => 0,
    };
    let (corpus, mut diagnostics) = load::load(&site, &options.load_options())?;
    timings.lap("load");
    let withheld = corpus.withheld.files();
    let (graph, problems, linker) = link::link_keeping_names(corpus);
    timings.lap("link");
    diagnostics.extend(problems);
    let publication = publication(withheld, &graph);
    let mut prepared = Prepared {
        graph,
        findings: render::Findings::default(),
        linker,
        publication,
        diagnostics,
        index: None,
        timings: Vec::new(),
    };
    let compaction = match indexing {
        Indexing::Refresh(compaction) => compaction,
        Indexing::None => {
            let problems = search::blocks::check(&prepared.graph);
            prepared.diagnostics.extend(problems);
            diagnostic::sort(&mut prepared.diagnostics);
            prepared.timings = timings.done();
            return Ok(prepared);
        }
    };
    prepared.check_content()?;
    // The index comes before rendering: ```query blocks in notes are rendered from it. It is a
    // cache, not part of the site, so updating it before the site is written loses nothing.
    let graph = &prepared.graph;
    let mut engine = search::Engine::open(&options.index_dir(&site), &graph.config.language)?;
    let report = search::refresh(&mut engine, graph, stamp, compaction)?;
    let notes: Vec<link::NoteId> = graph.note_ids().collect();
    let (query_results, problems) = search::blocks::run(&engine, graph, &notes)?;
    prepared.diagnostics.extend(problems);
    prepared.check_content()?;
    timings.lap("index");
    let similar = search::related::similar(&engine, &prepared.graph)?;
    timings.lap("related");
    prepared.findings = render::Findings {
        query_results,
        similar_notes: similar.notes,
        similar_quotes: similar.quotes,
    };
    prepared.index = Some((engine, report));
    prepared.timings = timings.done();
    Ok(prepared)
}

impl Prepared {
    /// Sorts the diagnostics, and stops with them all when one is an error.
    fn check_content(&mut self) -> Result<(), Error> {
        diagnostic::sort(&mut self.diagnostics);
        if diagnostic::count_errors(&self.diagnostics) > 0 {
            return Err(Error::Content {
                diagnostics: std::mem::take(&mut self.diagnostics),
            });
        }
        Ok(())
    }
}

/// What the site publishes: the texts and files the graph holds. What it leaves out: what the
/// loader set apart, and the files only those use.
fn publication(withheld: Vec<(PathBuf, load::Withholding)>, graph: &link::Graph) -> Publication {
    let content = |asset: &load::Asset| std::path::Path::new(site::CONTENT_DIR).join(&asset.path);
    let concept_files = graph
        .concepts
        .values()
        .filter_map(|c| Some(c.file.as_ref()?.file.clone()));
    let mut publication = Publication {
        published: graph
            .notes
            .iter()
            .map(|n| n.note.file.clone())
            .chain(graph.sources.iter().map(|s| s.source.file.clone()))
            .chain(concept_files)
            .collect(),
        files: graph.assets.iter().map(content).collect(),
        withheld,
    };
    publication.withheld.extend(
        graph
            .withheld_assets
            .iter()
            .map(|(asset, why)| (content(asset), why.clone())),
    );
    publication.published.sort();
    publication.files.sort();
    publication.withheld.sort();
    publication
}

/// Builds the site: every stage, then an atomic write of the output folder. Content errors
/// leave the previous output untouched.
pub fn build(options: &BuildOptions, progress: &dyn Progress) -> Result<BuildReport, Error> {
    let started = Instant::now();
    let site = SiteRoot::open(&options.site.root)?;
    let output = write::checked_output_dir(&options.site.root, &options.output_dir())?;
    // One build of a site at a time: the index, the staging folders and the swap are shared.
    let _lock = lock::acquire(&site, "build", progress)?;
    let prepared = prepare(
        &options.site,
        Indexing::Refresh(search::Compaction::AfterDeletes),
    )?;
    let Prepared {
        graph,
        findings,
        linker,
        diagnostics,
        index,
        timings,
        ..
    } = prepared;
    drop(linker);
    let (engine, index) = index.expect("a refreshing prepare has the index");
    let mut timings = Timings::resume(timings);
    let theme = render::Theme::load(&options.site.root, &graph.config)?;
    progress.writing(render::page_count(&graph));

    // Pages stream from the renderer straight into the staging folder, so a large site is never
    // held in memory whole, and rendering overlaps with the disk.
    let staging = write::Staging::begin(&output)?;
    staging.copy_files(&theme.files_for(&graph), &graph.assets)?;
    let pages = render::render(&graph, &findings, &theme, &|page| {
        staging.write_page(&page)?;
        progress.page_written();
        Ok(())
    })
    .map_err(|failure| match failure {
        render::RenderFailure::Render(err) => Error::Render(err),
        render::RenderFailure::Emit(err) => Error::Write(err),
    })?;
    timings.lap("render+write");
    // The browser's search, from the index as it is now (up to date, compacted).
    let bundle = search::bundle::export(&engine)?;
    for (path, bytes) in &bundle.files {
        staging.write_file(path, bytes)?;
    }
    timings.lap("search bundle");
    staging.commit()?;
    timings.lap("swap");

    Ok(BuildReport {
        diagnostics,
        pages,
        notes: graph.notes.len(),
        quotes: graph.sources.iter().map(|s| s.quotes.len()).sum(),
        concepts: graph.concepts.len(),
        sources: graph.sources.len(),
        assets: graph.assets.len(),
        index,
        output,
        elapsed: started.elapsed(),
        timings: timings.done(),
    })
}

/// Loads and links the site, reads its query blocks and renders every page into nothing (to
/// find template errors), and returns every diagnostic, sorted, and what the site would
/// publish. Writes nothing, the search index included.
pub fn check(options: &SiteOptions) -> Result<(Vec<Diagnostic>, Publication), Error> {
    let prepared = prepare(options, Indexing::None)?;
    let theme = render::Theme::load(&options.root, &prepared.graph.config)?;
    if diagnostic::count_errors(&prepared.diagnostics) == 0 {
        // Rendering finds template errors that only show with real content.
        let discard = |_page| Ok::<(), std::convert::Infallible>(());
        match render::render(&prepared.graph, &prepared.findings, &theme, &discard) {
            Ok(_) => {}
            Err(render::RenderFailure::Render(err)) => return Err(err.into()),
            Err(render::RenderFailure::Emit(never)) => match never {},
        }
    }
    Ok((prepared.diagnostics, prepared.publication))
}

/// The outcome of a search, and the content problems met while bringing the index up to date
/// (none when it already was).
pub struct SearchOutcome {
    pub results: search::SearchResults,
    pub lookups: search::Lookups,
    pub diagnostics: Vec<Diagnostic>,
}

/// Searches the site. When the content changed since the index was made, it is loaded and
/// the index brought up to date first; otherwise only the index is read. Content problems do
/// not stop a search; they are returned beside the results.
pub fn search(
    options: &SiteOptions,
    request: &search::SearchRequest,
    waiting: &dyn lock::Waiting,
) -> Result<SearchOutcome, Error> {
    let site = SiteRoot::open(&options.root)?;
    let index_dir = options.index_dir(&site);
    let language = load::read_config(&site)?.0.language;
    let current = || {
        let stamp = search::content_stamp(&site, options.selection());
        let engine = search::Engine::open_current(&index_dir, &language, stamp)?;
        Some(engine.search(request).map(|results| SearchOutcome {
            results,
            lookups: engine.lookups().clone(),
            diagnostics: Vec::new(),
        }))
    };
    if let Some(outcome) = current() {
        return Ok(outcome?);
    }
    // Updating the index writes: wait for any other writer, who may be bringing it up to date.
    let _lock = lock::acquire(&site, "search", waiting)?;
    if let Some(outcome) = current() {
        return Ok(outcome?);
    }
    let stamp = search::content_stamp(&site, options.selection());
    let (corpus, mut diagnostics) = load::load(&site, &options.load_options())?;
    let (graph, problems) = link::link(corpus);
    diagnostics.extend(problems);
    diagnostic::sort(&mut diagnostics);
    let mut engine = search::Engine::open(&index_dir, &graph.config.language)?;
    search::refresh(&mut engine, &graph, stamp, search::Compaction::AfterDeletes)?;
    Ok(SearchOutcome {
        results: engine.search(request)?,
        lookups: engine.lookups().clone(),
        diagnostics,
    })
}

/// Wall time by stage: each lap is the time since the one before.
/// One stage of a build, as `--timings` shows it.
#[derive(Debug, Clone)]
pub struct Lap {
    pub stage: &'static str,
    pub time: Duration,
    /// The process's peak resident memory so far, where the system tells it (Linux).
    pub peak_memory_kib: Option<u64>,
}

struct Timings {
    laps: Vec<Lap>,
    lap: Instant,
}

impl Timings {
    fn start() -> Self {
        Timings::resume(Vec::new())
    }

    fn resume(laps: Vec<Lap>) -> Self {
        Timings {
            laps,
            lap: Instant::now(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        self.laps.push(Lap {
            stage,
            time: self.lap.elapsed(),
            peak_memory_kib: peak_memory_kib(),
        });
        self.lap = Instant::now();
    }

    fn done(self) -> Vec<Lap> {
        self.laps
    }
}

/// `VmHWM` of `/proc/self/status`: the most memory this process has held.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
