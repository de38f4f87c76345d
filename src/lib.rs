//! commonplace turns a commonplace book (Markdown notes and tagged quotes) into a cross-linked
//! static site.
//!
//! The pipeline, one stage per module, each a plain function of the previous stage's output:
//!
//! ```text
//! load    content/ + commonplace.yaml -> Corpus              (load)
//! link    Corpus                      -> Graph               (link)
//! index   Graph                       -> .commonplace/index/ (search), and back into the
//!                                        Graph: ```query results, related notes and quotes
//! render  Graph + Theme               -> pages, streamed     (render)
//! write   pages + assets              -> public/             (write)
//! ```
//!
//! [`build`] runs them all; [`check`] runs load, link and render without writing anything;
//! [`search()`] reads the index, updating it first when the content changed.

pub mod config;
pub mod diagnostic;
pub mod fs;
pub mod import;
pub mod init;
pub mod link;
pub mod load;
pub mod new;
pub mod render;
pub mod search;
pub mod serve;
pub mod slug;
pub mod syntax;
pub mod write;
pub mod yaml;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diagnostic::Diagnostic;

/// What to build and how.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Defaults to `<root>/public`.
    pub output: Option<PathBuf>,
    pub drafts: bool,
    /// Take every note, each the published site leaves out marked with why (a preview's
    /// view), rather than the published site's. Ignored files stay out either way.
    pub withheld: bool,
    /// Overrides `base_url` from `commonplace.yaml`.
    pub base_url: Option<String>,
    /// Show a progress bar on a terminal when the build runs longer than a second.
    pub progress: bool,
}

impl BuildOptions {
    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("public"))
    }

    pub fn selection(&self) -> load::Selection {
        load::Selection {
            drafts: self.drafts,
            withheld: self.withheld,
        }
    }

    fn load_options(&self) -> load::LoadOptions {
        load::LoadOptions {
            selection: self.selection(),
            base_url: self.base_url.clone(),
        }
    }
}

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
    pub index: search::index::IndexReport,
    pub output: PathBuf,
    pub elapsed: Duration,
    /// Wall time of each stage, in order.
    pub timings: Vec<(&'static str, Duration)>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] load::LoadError),
    #[error(transparent)]
    Theme(#[from] render::ThemeError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error(transparent)]
    Write(#[from] write::WriteError),
    #[error(transparent)]
    Index(#[from] search::index::IndexError),
    #[error(transparent)]
    Search(#[from] search::SearchError),
    /// The content has errors; every diagnostic (warnings too) is here, sorted.
    #[error(
        "{} in the content",
        plural(diagnostic::count_errors(diagnostics), "error")
    )]
    Content { diagnostics: Vec<Diagnostic> },
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Builds the site: every stage, then an atomic write of the output folder. Content errors
/// leave the previous output untouched.
pub fn build(options: &BuildOptions) -> Result<BuildReport, Error> {
    let started = Instant::now();
    let mut timings = Vec::new();
    let mut lap = Instant::now();
    let mut record = |stage: &'static str| {
        timings.push((stage, lap.elapsed()));
        lap = Instant::now();
    };
    let output = write::checked_output_dir(&options.root, &options.output_dir())?;
    // Taken before loading, so an edit made during the build shows as a change next time.
    let stamp = search::index::content_stamp(&options.root, options.selection());
    let index_dir = search::index::dir(&options.root, options.selection());
    let (mut graph, mut diagnostics) = load_and_link(options, &mut record)?;
    if diagnostic::count_errors(&diagnostics) > 0 {
        return Err(Error::Content { diagnostics });
    }
    // The index comes before rendering: ```query blocks in notes are rendered from it. It is a
    // cache, not part of the site, so updating it before the site is written loses nothing.
    let search::Refreshed {
        report: index,
        lookups,
        docs,
    } = search::refresh(
        &index_dir,
        &graph,
        stamp,
        search::index::Compaction::AfterDeletes,
    )?;
    diagnostics.extend(search::run_query_blocks(&index_dir, &mut graph, &lookups)?);
    diagnostic::sort(&mut diagnostics);
    if diagnostic::count_errors(&diagnostics) > 0 {
        return Err(Error::Content { diagnostics });
    }
    record("index");
    search::related::fill(&index_dir, &mut graph, &docs)?;
    drop(docs);
    record("related");
    let theme = render::Theme::load(&options.root, &graph.config)?;
    let progress = Progress::new(options.progress, started, render::page_count(&graph) as u64);

    // Pages stream from the renderer straight into the staging folder, so a large site is never
    // held in memory whole, and rendering overlaps with the disk.
    let staging = write::Staging::begin(&output)?;
    staging.copy_files(&theme.files_for(&graph), &graph.assets)?;
    let pages = render::render(&graph, &theme, &|page| {
        staging.write_page(&page)?;
        progress.tick();
        Ok(())
    })
    .map_err(|failure| match failure {
        render::RenderFailure::Render(err) => Error::Render(err),
        render::RenderFailure::Emit(err) => Error::Write(err),
    })?;
    record("render+write");
    // The browser's search, from the index as it is now (up to date, compacted).
    let bundle = search::bundle::export(&index_dir, &graph.config.language, &lookups)?;
    for (path, bytes) in &bundle.files {
        staging.write_file(path, bytes)?;
    }
    record("search bundle");
    staging.commit()?;
    progress.finish();
    record("swap");

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
        timings,
    })
}

/// The first two stages, with every diagnostic they found, sorted.
fn load_and_link(
    options: &BuildOptions,
    record: &mut impl FnMut(&'static str),
) -> Result<(link::Graph, Vec<Diagnostic>), Error> {
    let (corpus, mut diagnostics) = load::load(&options.root, &options.load_options())?;
    record("load");
    let (graph, problems) = link::link(corpus);
    record("link");
    diagnostics.extend(problems);
    diagnostic::sort(&mut diagnostics);
    Ok((graph, diagnostics))
}

/// The outcome of a search, and the content problems met while bringing the index up to date
/// (none when it already was).
pub struct SearchOutcome {
    pub results: search::query::SearchResults,
    pub lookups: search::index::Lookups,
    pub diagnostics: Vec<Diagnostic>,
}

/// Searches the site at `options.root`. When the content changed since the index was made, it
/// is loaded and the index brought up to date first; otherwise only the index is read. Content
/// problems do not stop a search; they are returned beside the results.
pub fn search(
    options: &BuildOptions,
    request: &search::query::SearchRequest,
) -> Result<SearchOutcome, Error> {
    let stamp = search::index::content_stamp(&options.root, options.selection());
    let index_dir = search::index::dir(&options.root, options.selection());
    let config_language = || -> Result<String, Error> {
        let text = std::fs::read_to_string(options.root.join(config::FILE_NAME))
            .map_err(|_| load::LoadError::NoConfig(options.root.clone()))?;
        let (config, _) = config::Config::parse(&text, std::path::Path::new(config::FILE_NAME));
        Ok(config.language)
    };
    let language = config_language()?;
    if let Some(lookups) = search::index::current(&index_dir, &language, stamp) {
        let results = search::search(&index_dir, &language, &lookups, request)?;
        return Ok(SearchOutcome {
            results,
            lookups,
            diagnostics: Vec::new(),
        });
    }
    let (graph, diagnostics) = load_and_link(options, &mut |_| {})?;
    let lookups = search::refresh(
        &index_dir,
        &graph,
        stamp,
        search::index::Compaction::AfterDeletes,
    )?
    .lookups;
    let results = search::search(&index_dir, &graph.config.language, &lookups, request)?;
    Ok(SearchOutcome {
        results,
        lookups,
        diagnostics,
    })
}

/// Runs every stage but the write and returns every diagnostic, sorted, and what the site
/// would publish.
pub fn check(
    options: &BuildOptions,
) -> Result<(Vec<Diagnostic>, load::publish::Publication), Error> {
    let (corpus, mut diagnostics) = load::load(&options.root, &options.load_options())?;
    let mut publication = load::publish::Publication {
        withheld: corpus.withheld.files(),
        ..Default::default()
    };
    let (graph, problems) = link::link(corpus);
    diagnostics.extend(problems);
    let published = graph
        .notes
        .iter()
        .map(|n| n.note.file.clone())
        .chain(graph.sources.iter().map(|s| s.source.file.clone()))
        .chain(
            graph
                .concepts
                .values()
                .filter_map(|c| Some(c.file.as_ref()?.file.clone())),
        );
    publication.published = published.collect();
    publication.published.sort();
    publication.files = graph
        .assets
        .iter()
        .map(|a| std::path::Path::new(load::CONTENT_DIR).join(&a.path))
        .collect();
    publication.files.sort();
    publication
        .withheld
        .extend(graph.withheld_assets.iter().map(|(a, why)| {
            (
                std::path::Path::new(load::CONTENT_DIR).join(&a.path),
                why.clone(),
            )
        }));
    publication.withheld.sort();
    diagnostics.extend(search::check_query_blocks(&graph));
    diagnostic::sort(&mut diagnostics);
    let theme = render::Theme::load(&options.root, &graph.config)?;
    if diagnostic::count_errors(&diagnostics) == 0 {
        // Rendering finds template errors that only show with real content.
        let discard = |_page| Ok::<(), std::convert::Infallible>(());
        match render::render(&graph, &theme, &discard) {
            Ok(_) => {}
            Err(render::RenderFailure::Render(err)) => return Err(err.into()),
            Err(render::RenderFailure::Emit(never)) => match never {},
        }
    }
    Ok((diagnostics, publication))
}

/// A progress bar that stays hidden for the first second, so quick builds print one line.
struct Progress {
    bar: indicatif::ProgressBar,
    enabled: bool,
    shown: AtomicBool,
    started: Instant,
}

impl Progress {
    fn new(enabled: bool, started: Instant, length: u64) -> Self {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_length(length);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {wide_bar} {pos}/{len}")
                .expect("the template is valid"),
        );
        Progress {
            bar,
            enabled,
            shown: AtomicBool::new(false),
            started,
        }
    }

    fn tick(&self) {
        if !self.enabled {
            return;
        }
        if !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() > Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_message("writing pages");
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        self.bar.inc(1);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
