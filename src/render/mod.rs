//! Stage 4, render: the [`Graph`], what the search stage found for it ([`Findings`]) and a
//! [`Theme`] become pages (URL and HTML). No disk I/O but the theme's loading.

mod context;
mod findings;
mod highlight;
pub mod markdown;
mod sanitize;
pub mod text;
pub mod theme;
pub mod urls;

use std::collections::BTreeMap;

use rayon::prelude::*;
use tera::Context;

use crate::kind::Kind;
use crate::link::{Graph, NoteId, QuoteRef, Ref, SourceId};
use crate::text::{iso_date, long_date, shorten};
use context::{
    ConceptCtx, ConceptListItem, CountedLink, Crumb, FeedEntry, FolderCtx, FolderListCtx,
    FolderNoteCtx, LinkCtx, NoteCtx, NoteSummary, PaginationCtx, PropertyCtx, PropertyLinkCtx,
    QuoteCtx, QuoteGroup, QuoteItem, SiteCtx, SourceCtx, SourceRefCtx, TocEntry,
};
pub use findings::{Findings, RELATED};
use markdown::MarkdownRenderer;
pub use theme::{StaticFile, Theme, ThemeError};
use urls::Urls;

/// One output file: its path under the output folder and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub path: String,
    pub content: String,
}

#[derive(Debug, thiserror::Error)]
#[error("couldn't render `{page}` with template `{template}`")]
pub struct RenderError {
    pub page: String,
    pub template: &'static str,
    #[source]
    pub source: tera::Error,
}

struct Renderer<'g> {
    graph: &'g Graph,
    findings: &'g Findings,
    theme: &'g Theme,
    urls: Urls,
    folders: &'g BTreeMap<String, Folder>,
}

/// Every folder that holds notes, by slug, as pages show them: made once per full render, and
/// kept by a live preview between the changes that leave folders as they are (a note's text
/// edited), since making it walks every note.
pub struct Folders(BTreeMap<String, Folder>);

impl Folders {
    pub fn of(graph: &Graph) -> Folders {
        Folders(folders(graph))
    }
}

/// A folder of notes, which has a page at `/notes/<folder>/`: its folder note's, else a list.
#[derive(Debug, Default)]
struct Folder {
    /// The folder's name as written (`Projects`).
    name: String,
    /// The notes directly in it, but its folder note.
    notes: Vec<NoteId>,
    /// The folders directly in it, by slug.
    folders: Vec<String>,
    /// The note whose page is the folder's (`Projects/Index.md`, or `Projects.md` beside it).
    note: Option<NoteId>,
}

/// Every folder that holds notes, by slug (`projects/2024`).
fn folders(graph: &Graph) -> BTreeMap<String, Folder> {
    let mut folders: BTreeMap<String, Folder> = BTreeMap::new();
    for (n, linked) in graph.note_ids().zip(&graph.notes) {
        let slug = &linked.note.slug;
        let Some((parent, _)) = slug.rsplit_once('/') else {
            continue;
        };
        folders.entry(parent.to_string()).or_default().notes.push(n);
        // The folders on the way, each named as its files' paths write it.
        let file = linked.note.notes_path();
        let written: Vec<&str> = file.split('/').collect();
        let parts: Vec<&str> = parent.split('/').collect();
        for depth in 1..=parts.len() {
            let folder = parts[..depth].join("/");
            let entry = folders.entry(folder.clone()).or_default();
            if entry.name.is_empty() {
                entry.name = written
                    .get(depth - 1)
                    .filter(|w| crate::slug::slugify(w) == parts[depth - 1])
                    .map_or_else(|| parts[depth - 1].to_string(), |w| w.to_string());
            }
            if depth > 1 {
                let above = parts[..depth - 1].join("/");
                let list = &mut folders.entry(above).or_default().folders;
                if !list.contains(&folder) {
                    list.push(folder);
                }
            }
        }
    }
    for (n, linked) in graph.note_ids().zip(&graph.notes) {
        if let Some(folder) = folders.get_mut(&linked.note.slug) {
            folder.note = Some(n);
        }
    }
    for folder in folders.values_mut() {
        folder.folders.sort();
    }
    folders
}

/// Why rendering stopped: a template failed, or the receiver of the pages did.
#[derive(Debug)]
pub enum RenderFailure<E> {
    Render(RenderError),
    Emit(E),
}

/// Renders every page and hands each to `emit` as soon as it is ready, in parallel and in no
/// particular order, so the pages of a large site never sit in memory all at once. Returns the
/// number of pages.
pub fn render<E: Send>(
    graph: &Graph,
    findings: &Findings,
    theme: &Theme,
    emit: &(dyn Fn(Page) -> Result<(), E> + Sync),
) -> Result<usize, RenderFailure<E>> {
    let folders = Folders::of(graph);
    let renderer = Renderer::new(graph, findings, theme, &folders);
    let mut jobs = jobs(graph, renderer.folders);
    let parts = sitemap_parts(&jobs);
    jobs.push(PageKey::Sitemap);
    jobs.extend(
        parts
            .into_iter()
            .map(|(part, chunk)| PageKey::SitemapPart(part, chunk)),
    );
    render_jobs(&renderer, &jobs, emit)?;
    Ok(jobs.len())
}

/// The folder at `slug`, if notes are in it: its name as its pages show it (as the first of
/// its notes' paths writes it), and the slug of its folder note if it has one, as
/// [`folders`] finds them. A live preview compares them before and after notes came or went.
pub fn folder(graph: &Graph, slug: &str) -> Option<(String, Option<String>)> {
    let prefix = format!("{slug}/");
    let at = graph
        .notes
        .partition_point(|l| l.note.slug.as_str() < prefix.as_str());
    let first = graph
        .notes
        .get(at)
        .filter(|l| l.note.slug.starts_with(&prefix))?;
    let parts: Vec<&str> = slug.split('/').collect();
    let last = parts[parts.len() - 1];
    let file = first.note.notes_path();
    let name = file
        .split('/')
        .nth(parts.len() - 1)
        .filter(|w| crate::slug::slugify(w) == last)
        .unwrap_or(last)
        .to_string();
    let note = graph.note_by_slug(slug).map(|_| slug.to_string());
    Some((name, note))
}

/// The file of one part of a split sitemap: `sitemap-notes-1.xml`.
fn sitemap_file(part: SitemapPart, chunk: usize) -> String {
    format!("sitemap-{}-{chunk}.xml", part.name())
}

/// The file of the page at `/notes/<slug>/` (a note's or a folder's): `notes/a/index.html`.
pub fn note_page_file(config: &crate::config::Config, slug: &str) -> String {
    let urls = Urls::of(config);
    urls::output_path(&urls.base, &urls.note(slug))
}

/// The file of a quote's page, by its source's id and its own: `quotes/ddia/q1/index.html`.
pub fn quote_page_file(config: &crate::config::Config, source: &str, quote: &str) -> String {
    let urls = Urls::of(config);
    urls::output_path(&urls.base, &urls.quote(source, quote))
}

/// The file of page `page` (from 2) of a concept's quotes.
pub fn concept_page_file(config: &crate::config::Config, name: &str, page: usize) -> String {
    let urls = Urls::of(config);
    urls::output_path(&urls.base, &urls.concept_page(name, page))
}

/// Every page of concept `name`: its own, then those of its later quotes.
pub fn concept_pages(graph: &Graph, name: &str) -> Vec<PageKey> {
    let count = graph.concepts.get(name).map_or(1, concept_page_count);
    let mut pages = vec![PageKey::Concept(name.to_string())];
    pages.extend((2..=count).map(|page| PageKey::ConceptPage(name.to_string(), page)));
    pages
}

/// How many pages concept `name` takes (1 for a concept the site does not have).
pub fn concept_page_total(graph: &Graph, name: &str) -> usize {
    graph.concepts.get(name).map_or(1, concept_page_count)
}

/// A page of the site: what [`render`] renders one by one, and what [`render_pages`] takes to
/// render some pages again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PageKey {
    Home,
    Note(NoteId),
    Quote(QuoteRef),
    Concept(String),
    Concepts,
    Source(SourceId),
    Sources,
    Search,
    NotFound,
    Atom,
    /// A folder without a folder note, by slug.
    Folder(String),
    /// `sitemap.xml`, which lists every HTML page, or on a site of more than
    /// [`SITEMAP_LIMIT`] pages the files that do ([`PageKey::SitemapPart`]).
    Sitemap,
    /// A file of a sitemap split by kind of page: chunk `1`, `2`, ... of one part's URLs
    /// (`sitemap-notes-1.xml`).
    SitemapPart(SitemapPart, usize),
    /// A page of a concept's quotes after its first (`/concepts/<name>/page/2/`): the concept's
    /// page is [`PageKey::Concept`], which alone shows its notes and other lists.
    ConceptPage(String, usize),
}

/// The most URLs one sitemap file may list (sitemaps.org); a site with more pages gets a
/// sitemap index, `sitemap.xml`, of files by kind of page, each of at most this many. Split by
/// kind, a note that comes or goes changes only the notes' file.
pub const SITEMAP_LIMIT: usize = 50_000;

/// The kinds of page a split sitemap lists apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SitemapPart {
    /// Notes and folders.
    Notes,
    Quotes,
    /// Every other page: the home page, concepts, sources, the indexes.
    Pages,
}

impl SitemapPart {
    const ALL: [SitemapPart; 3] = [SitemapPart::Notes, SitemapPart::Quotes, SitemapPart::Pages];

    fn name(self) -> &'static str {
        match self {
            SitemapPart::Notes => "notes",
            SitemapPart::Quotes => "quotes",
            SitemapPart::Pages => "pages",
        }
    }

    fn of(job: &PageKey) -> SitemapPart {
        match job {
            PageKey::Note(_) | PageKey::Folder(_) => SitemapPart::Notes,
            PageKey::Quote(_) => SitemapPart::Quotes,
            _ => SitemapPart::Pages,
        }
    }
}

/// The files of a split sitemap, each part's chunks from 1, given every page's job; none
/// when one file can list them all.
fn sitemap_parts(jobs: &[PageKey]) -> Vec<(SitemapPart, usize)> {
    let with_url = |job: &&PageKey| !matches!(job, PageKey::NotFound | PageKey::Atom);
    if jobs.iter().filter(with_url).count() <= SITEMAP_LIMIT {
        return Vec::new();
    }
    SitemapPart::ALL
        .into_iter()
        .flat_map(|part| {
            let count = jobs
                .iter()
                .filter(with_url)
                .filter(|job| SitemapPart::of(job) == part)
                .count();
            (1..=count.div_ceil(SITEMAP_LIMIT)).map(move |chunk| (part, chunk))
        })
        .collect()
}

/// Whether the site's sitemap is split into files by kind of page.
pub fn sitemap_is_split(graph: &Graph) -> bool {
    // The home page, the search page, the two indexes, and every page but folders', which
    // are fewer than the notes: counted before the folders, this settles most sites.
    let quotes: usize = graph.sources.iter().map(|s| s.quotes.len()).sum();
    let concepts: usize = graph.concepts.values().map(concept_page_count).sum();
    let pages = 4 + graph.notes.len() + graph.sources.len() + quotes + concepts;
    if pages > SITEMAP_LIMIT {
        return true;
    }
    if pages + graph.notes.len() <= SITEMAP_LIMIT {
        return false;
    }
    !sitemap_parts(&jobs(graph, &folders(graph))).is_empty()
}

/// How many quotes a concept's page shows; the rest follow on pages of their own, so that a
/// concept on thousands of quotes is not one page of megabytes (to read, and to render again
/// whenever a note joins it).
pub const QUOTES_PER_PAGE: usize = 100;

/// How many pages a concept's quotes take.
fn concept_page_count(concept: &crate::link::Concept) -> usize {
    concept.quotes.len().div_ceil(QUOTES_PER_PAGE).max(1)
}

/// Renders only the given pages, in parallel, handing each to `emit`: a
/// live preview re-renders what an edit can change. Pages that no longer exist are skipped.
pub fn render_pages<E: Send>(
    graph: &Graph,
    findings: &Findings,
    theme: &Theme,
    folders: &Folders,
    pages: &[PageKey],
    emit: &(dyn Fn(Page) -> Result<(), E> + Sync),
) -> Result<usize, RenderFailure<E>> {
    let renderer = Renderer::new(graph, findings, theme, folders);
    let exists = |key: &PageKey| match key {
        PageKey::Note(n) => n.0 < graph.notes.len(),
        PageKey::Quote(at) => graph
            .sources
            .get(at.source.0)
            .is_some_and(|s| at.quote < s.quotes.len()),
        PageKey::Source(s) => s.0 < graph.sources.len(),
        PageKey::Concept(name) => graph.concepts.contains_key(name),
        PageKey::SitemapPart(part, chunk) => {
            sitemap_parts(&jobs(graph, renderer.folders)).contains(&(*part, *chunk))
        }
        PageKey::ConceptPage(name, page) => graph
            .concepts
            .get(name)
            .is_some_and(|c| *page >= 2 && *page <= concept_page_count(c)),
        PageKey::Folder(slug) => renderer.folders.get(slug).is_some_and(|f| f.note.is_none()),
        _ => true,
    };
    let jobs: Vec<PageKey> = pages.iter().filter(|k| exists(k)).cloned().collect();
    render_jobs(&renderer, &jobs, emit)?;
    Ok(jobs.len())
}

/// Renders `jobs` in parallel. When templates fail, the error reported is the first failing
/// page in job order, not whichever a thread met first, so the same broken template gives the
/// same message every time.
fn render_jobs<E: Send>(
    renderer: &Renderer,
    jobs: &[PageKey],
    emit: &(dyn Fn(Page) -> Result<(), E> + Sync),
) -> Result<(), RenderFailure<E>> {
    let outcome = jobs.par_iter().try_for_each(|job| {
        let page = renderer.page(job).map_err(RenderFailure::Render)?;
        emit(page).map_err(RenderFailure::Emit)
    });
    if let Err(RenderFailure::Render(_)) = outcome {
        for job in jobs {
            renderer.page(job).map_err(RenderFailure::Render)?;
        }
    }
    outcome
}

/// Every page but the sitemap, as work to do.
fn jobs(graph: &Graph, folders: &BTreeMap<String, Folder>) -> Vec<PageKey> {
    let mut jobs = vec![
        PageKey::Home,
        PageKey::Concepts,
        PageKey::Sources,
        PageKey::Search,
        PageKey::NotFound,
    ];
    jobs.extend(graph.note_ids().map(PageKey::Note));
    for s in graph.source_ids() {
        jobs.push(PageKey::Source(s));
        let quotes = 0..graph.source(s).quotes.len();
        jobs.extend(quotes.map(|quote| PageKey::Quote(QuoteRef { source: s, quote })));
    }
    for (name, concept) in &graph.concepts {
        jobs.push(PageKey::Concept(name.clone()));
        let later = 2..=concept_page_count(concept);
        jobs.extend(later.map(|page| PageKey::ConceptPage(name.clone(), page)));
    }
    jobs.extend(
        folders
            .iter()
            .filter(|(_, f)| f.note.is_none())
            .map(|(slug, _)| PageKey::Folder(slug.clone())),
    );
    jobs.push(PageKey::Atom);
    jobs
}

/// How many pages [`render`] will emit.
pub fn page_count(graph: &Graph) -> usize {
    jobs(graph, &folders(graph)).len() + 1
}

impl<'g> Renderer<'g> {
    fn new(
        graph: &'g Graph,
        findings: &'g Findings,
        theme: &'g Theme,
        folders: &'g Folders,
    ) -> Self {
        Renderer {
            graph,
            findings,
            theme,
            urls: Urls::of(&graph.config),
            folders: &folders.0,
        }
    }

    fn markdown(&self) -> MarkdownRenderer<'_> {
        MarkdownRenderer {
            graph: self.graph,
            findings: self.findings,
            urls: &self.urls,
        }
    }

    fn context(&self) -> Context {
        let config = &self.graph.config;
        let site = SiteCtx {
            title: &config.title,
            description: config.description.as_deref(),
            author: config.author.as_deref(),
            base: &self.urls.base,
            base_url: &config.base_url,
            language: &config.language,
            generator: concat!("commonplace ", env!("CARGO_PKG_VERSION")),
        };
        let mut context = Context::new();
        context.insert("site", &site);
        context
    }

    fn template(
        &self,
        template: &'static str,
        path: &str,
        context: &Context,
    ) -> Result<Page, RenderError> {
        let content = self
            .theme
            .tera
            .render(template, context)
            .map_err(|source| RenderError {
                page: path.to_string(),
                template,
                source,
            })?;
        Ok(Page {
            path: path.to_string(),
            content,
        })
    }

    /// The URL of a job's HTML page; `None` for the 404 page and the feed.
    fn url(&self, job: &PageKey) -> Option<String> {
        let g = self.graph;
        Some(match job {
            PageKey::Home => self.urls.home(),
            PageKey::Note(n) => self.urls.note(&g.note(*n).note.slug),
            PageKey::Quote(at) => self
                .urls
                .quote(&g.source(at.source).source.id, &g.quote(*at).quote.id),
            PageKey::Concept(name) => self.urls.concept(name),
            PageKey::ConceptPage(name, page) => self.urls.concept_page(name, *page),
            PageKey::Concepts => self.urls.concepts(),
            PageKey::Source(s) => self.urls.source(&g.source(*s).source.id),
            PageKey::Sources => self.urls.sources(),
            PageKey::Search => self.urls.search(),
            PageKey::Folder(slug) => self.urls.note(slug),
            PageKey::NotFound | PageKey::Atom | PageKey::Sitemap | PageKey::SitemapPart(..) => {
                return None
            }
        })
    }

    fn page(&self, job: &PageKey) -> Result<Page, RenderError> {
        let mut context = self.context();
        let template = match job {
            PageKey::Home => {
                self.home(&mut context);
                "index.html"
            }
            PageKey::Note(n) => {
                context.insert("note", &self.note(*n));
                "note.html"
            }
            PageKey::Quote(at) => {
                context.insert("quote", &self.quote(*at));
                "quote.html"
            }
            PageKey::Concept(name) => {
                context.insert("concept", &self.concept(name, 1));
                "concept.html"
            }
            PageKey::ConceptPage(name, page) => {
                context.insert("concept", &self.concept(name, *page));
                "concept.html"
            }
            PageKey::Concepts => {
                context.insert("concepts", &self.concept_list());
                "concepts.html"
            }
            PageKey::Source(s) => {
                context.insert("source", &self.source(*s));
                "source.html"
            }
            PageKey::Sources => {
                let sources: Vec<CountedLink> = self
                    .graph
                    .sources
                    .iter()
                    .map(|s| CountedLink {
                        title: s.source.title.clone(),
                        url: self.urls.source(&s.source.id),
                        count: s.quotes.len(),
                    })
                    .collect();
                context.insert("sources", &sources);
                "sources.html"
            }
            PageKey::Search => "search.html",
            PageKey::Folder(slug) => {
                context.insert("folder", &self.folder_page(slug));
                "folder.html"
            }
            PageKey::NotFound => return self.template("404.html", "404.html", &context),
            PageKey::Atom => {
                self.feed(&mut context);
                return self.template("atom.xml", "atom.xml", &context);
            }
            PageKey::Sitemap => {
                let jobs = jobs(self.graph, self.folders);
                let parts = sitemap_parts(&jobs);
                if parts.is_empty() {
                    context.insert("urls", &self.sitemap_urls(&jobs, None));
                    return self.template("sitemap.xml", "sitemap.xml", &context);
                }
                let files: Vec<String> = parts
                    .into_iter()
                    .map(|(part, chunk)| {
                        let file = sitemap_file(part, chunk);
                        self.urls.absolute(&format!("{}/{file}", self.urls.base))
                    })
                    .collect();
                context.insert("sitemaps", &files);
                return self.template("sitemap_index.xml", "sitemap.xml", &context);
            }
            PageKey::SitemapPart(part, chunk) => {
                let jobs = jobs(self.graph, self.folders);
                let urls = self.sitemap_urls(&jobs, Some(*part));
                let shown = urls
                    .chunks(SITEMAP_LIMIT)
                    .nth(chunk - 1)
                    .unwrap_or_default();
                context.insert("urls", shown);
                return self.template("sitemap.xml", &sitemap_file(*part, *chunk), &context);
            }
        };
        let url = self.url(job).expect("every HTML page but 404 has a URL");
        let path = urls::output_path(&self.urls.base, &url);
        context.insert("page_url", &url);
        if self.graph.config.base_url.contains("://") {
            context.insert("canonical_url", &self.urls.absolute(&url));
        }
        self.template(template, &path, &context)
    }

    /// The absolute URLs of the pages among `jobs` (of one part of the sitemap, if given),
    /// sorted.
    fn sitemap_urls(&self, jobs: &[PageKey], part: Option<SitemapPart>) -> Vec<String> {
        let mut urls: Vec<String> = jobs
            .iter()
            .filter(|job| part.is_none_or(|part| SitemapPart::of(job) == part))
            .filter_map(|job| self.url(job))
            .map(|url| self.urls.absolute(&url))
            .collect();
        urls.sort();
        urls
    }

    /// The home page and the folders above a page at `slug`, outermost first; nothing for a
    /// page at the top.
    fn breadcrumbs(&self, slug: &str) -> Vec<Crumb> {
        let parts: Vec<&str> = slug.split('/').collect();
        if parts.len() < 2 {
            return Vec::new();
        }
        let home = Crumb {
            title: "Home".to_string(),
            url: self.urls.home(),
        };
        let folders = (1..parts.len()).filter_map(|depth| {
            let folder = parts[..depth].join("/");
            let title = match self.folders.get(&folder)? {
                Folder { note: Some(n), .. } => self.graph.note(*n).note.title.clone(),
                Folder { name, .. } => name.clone(),
            };
            Some(Crumb {
                title,
                url: self.urls.note(&folder),
            })
        });
        std::iter::once(home).chain(folders).collect()
    }

    /// What a folder holds: its folders by name, then its notes by title.
    fn folder_list(&self, folder: &Folder) -> FolderListCtx {
        let mut folders: Vec<LinkCtx> = folder
            .folders
            .iter()
            .filter_map(|slug| {
                let inner = self.folders.get(slug)?;
                Some(match inner.note {
                    Some(n) => LinkCtx {
                        kind: "folder",
                        ..self.note_link(n)
                    },
                    None => LinkCtx {
                        title: inner.name.clone(),
                        url: self.urls.note(slug),
                        kind: "folder",
                    },
                })
            })
            .collect();
        folders.sort_by_key(|f| f.title.to_lowercase());
        let mut notes: Vec<FolderNoteCtx> = folder
            .notes
            .iter()
            .filter(|&&n| !self.folders.contains_key(&self.graph.note(n).note.slug))
            .map(|&n| FolderNoteCtx {
                link: self.note_link(n),
                date: self.graph.note(n).note.date.map(iso_date),
            })
            .collect();
        notes.sort_by(|a, b| {
            a.link
                .title
                .to_lowercase()
                .cmp(&b.link.title.to_lowercase())
                .then_with(|| a.link.url.cmp(&b.link.url))
        });
        FolderListCtx { folders, notes }
    }

    fn folder_page(&self, slug: &str) -> FolderCtx {
        let folder = &self.folders[slug];
        FolderCtx {
            title: folder.name.clone(),
            url: self.urls.note(slug),
            breadcrumbs: self.breadcrumbs(slug),
            list: self.folder_list(folder),
        }
    }

    /// A note's linking properties, each key once with its links in order.
    fn properties(&self, n: NoteId) -> Vec<PropertyCtx> {
        let markdown = self.markdown();
        let mut out: Vec<PropertyCtx> = Vec::new();
        for property in &self.graph.note(n).properties {
            let link = PropertyLinkCtx {
                title: property.label.clone(),
                url: markdown.target_url(&property.target),
                broken: property.target == crate::link::Target::Broken,
            };
            match out.iter_mut().find(|p| p.key == property.key) {
                Some(existing) => existing.links.push(link),
                None => out.push(PropertyCtx {
                    key: property.key.clone(),
                    links: vec![link],
                }),
            }
        }
        out
    }

    /// A note's summary: its own `summary`, else its first paragraph's text.
    fn summary(&self, n: NoteId) -> String {
        let linked = self.graph.note(n);
        match linked.note.summary.as_deref() {
            Some(s) if !s.trim().is_empty() => s.trim().to_string(),
            _ => text::summary(self.graph, &linked.outline),
        }
    }

    fn note_link(&self, n: NoteId) -> LinkCtx {
        let note = &self.graph.note(n).note;
        LinkCtx {
            title: note.title.clone(),
            url: self.urls.note(&note.slug),
            kind: Kind::Note.name(),
        }
    }

    fn concept_link(&self, name: &str) -> LinkCtx {
        let title = self
            .graph
            .concepts
            .get(name)
            .map_or_else(|| name.to_string(), |c| c.title.clone());
        LinkCtx {
            title,
            url: self.urls.concept(name),
            kind: Kind::Concept.name(),
        }
    }

    fn source_link(&self, s: SourceId) -> LinkCtx {
        let source = &self.graph.source(s).source;
        LinkCtx {
            title: source.title.clone(),
            url: self.urls.source(&source.id),
            kind: Kind::Source.name(),
        }
    }

    fn ref_link(&self, r: &Ref) -> LinkCtx {
        match r {
            Ref::Note(n) => self.note_link(*n),
            Ref::Quote(at) => {
                let source = self.graph.source(at.source);
                let quote = &self.graph.quote(*at).quote;
                LinkCtx {
                    title: shorten(&quote.text, 80),
                    url: self.urls.quote(&source.source.id, &quote.id),
                    kind: Kind::Quote.name(),
                }
            }
            Ref::Concept(name) => self.concept_link(name),
        }
    }

    fn quote_item(&self, at: QuoteRef) -> QuoteItem {
        let source = self.graph.source(at.source);
        let quote = self.graph.quote(at);
        QuoteItem {
            id: quote.quote.id.clone(),
            text: quote.quote.text.clone(),
            url: self.urls.quote(&source.source.id, &quote.quote.id),
            locator: quote.quote.locator.clone(),
            source_title: source.source.title.clone(),
            source_url: self.urls.source(&source.source.id),
            concepts: quote
                .concepts
                .iter()
                .map(|c| self.concept_link(c))
                .collect(),
        }
    }

    fn source_ref(&self, s: SourceId) -> SourceRefCtx {
        let source = &self.graph.source(s).source;
        SourceRefCtx {
            id: source.id.clone(),
            title: source.title.clone(),
            url: self.urls.source(&source.id),
            author: source.author.clone(),
            year: source.year.clone(),
            kind: source.kind,
            link: source.url.clone(),
        }
    }

    fn note(&self, n: NoteId) -> NoteCtx {
        let linked = self.graph.note(n);
        let note = &linked.note;
        let scan = &linked.outline.scan;
        NoteCtx {
            title: note.title.clone(),
            url: self.urls.note(&note.slug),
            slug: note.slug.clone(),
            breadcrumbs: self.breadcrumbs(&note.slug),
            properties: self.properties(n),
            withheld: note.withheld.as_ref().map(ToString::to_string),
            title_id: note.title_heading.and_then(|offset| {
                scan.headings
                    .iter()
                    .find(|h| h.start == offset)
                    .map(|h| h.id.clone())
            }),
            folder: self
                .folders
                .get(&note.slug)
                .map(|folder| self.folder_list(folder)),
            date: note.date.map(iso_date),
            date_display: note.date.map(long_date),
            summary: self.summary(n),
            concepts: linked
                .concepts
                .iter()
                .map(|c| self.concept_link(c))
                .collect(),
            sources: linked
                .sources
                .iter()
                .map(|&s| self.source_link(s))
                .collect(),
            content: self.markdown().render(&note.body, &linked.outline, Some(n)),
            toc: scan
                .headings
                .iter()
                .filter(|h| h.level >= 2 && h.level <= 4)
                .map(|h| TocEntry {
                    level: h.level,
                    title: h.text.clone(),
                    id: h.id.clone(),
                })
                .collect(),
            words: scan.words,
            reading_time: scan.words.div_ceil(200).max(1),
            backlinks: linked.backlinks.iter().map(|r| self.ref_link(r)).collect(),
            related: self
                .related_notes(n)
                .into_iter()
                .map(|other| self.note_link(other))
                .collect(),
            extra: note.extra.clone(),
        }
    }

    fn quote(&self, at: QuoteRef) -> QuoteCtx {
        let source = self.graph.source(at.source);
        let linked = self.graph.quote(at);
        let quote = &linked.quote;
        QuoteCtx {
            id: quote.id.clone(),
            short: shorten(&quote.text, 60),
            global_id: source.source.quote_id(quote),
            text: quote.text.clone(),
            text_html: markdown::quote_paragraphs(&quote.text),
            url: self.urls.quote(&source.source.id, &quote.id),
            locator: quote.locator.clone(),
            date: quote.date.map(iso_date),
            source: self.source_ref(at.source),
            concepts: linked
                .concepts
                .iter()
                .map(|c| self.concept_link(c))
                .collect(),
            annotation: match (&quote.note, &linked.annotation) {
                (Some(note), Some(outline)) => Some(self.markdown().render(note, outline, None)),
                _ => None,
            },
            cited_by: linked.cited_by.iter().map(|r| self.ref_link(r)).collect(),
            related: self
                .findings
                .similar_quotes(at)
                .iter()
                .map(|&other| self.quote_item(other))
                .collect(),
        }
    }

    /// Page `page` (from 1) of a concept: its quotes in source order, each source's in locator
    /// order, [`QUOTES_PER_PAGE`] at a time; the first page also shows what else the concept
    /// has (its description, narrower concepts, notes, related concepts).
    fn concept(&self, name: &str, page: usize) -> ConceptCtx {
        let concept = &self.graph.concepts[name];
        let mut by_source: BTreeMap<SourceId, Vec<usize>> = BTreeMap::new();
        for at in &concept.quotes {
            by_source.entry(at.source).or_default().push(at.quote);
        }
        let mut ordered: Vec<QuoteRef> = Vec::with_capacity(concept.quotes.len());
        for (s, mut quotes) in by_source {
            let order = &self.graph.source(s).order;
            let mut rank = vec![0; order.len()];
            for (i, &q) in order.iter().enumerate() {
                rank[q] = i;
            }
            quotes.sort_by_key(|&q| rank[q]);
            ordered.extend(
                quotes
                    .into_iter()
                    .map(|quote| QuoteRef { source: s, quote }),
            );
        }
        let count = concept_page_count(concept);
        let shown = ordered
            .chunks(QUOTES_PER_PAGE)
            .nth(page - 1)
            .unwrap_or_default();
        let mut groups: Vec<QuoteGroup> = Vec::new();
        for &at in shown {
            let item = self.quote_item(at);
            match groups.last_mut() {
                Some(group) if group.source.url == item.source_url => group.quotes.push(item),
                _ => groups.push(QuoteGroup {
                    source: self.source_link(at.source),
                    quotes: vec![item],
                }),
            }
        }
        let pagination = PaginationCtx {
            number: page,
            count,
            previous: (page > 1).then(|| self.urls.concept_page(name, page - 1)),
            next: (page < count).then(|| self.urls.concept_page(name, page + 1)),
        };
        if page > 1 {
            return ConceptCtx {
                name: concept.name.clone(),
                title: concept.title.clone(),
                url: self.urls.concept(name),
                description: None,
                aliases: Vec::new(),
                broader: Vec::new(),
                narrower: Vec::new(),
                quote_count: concept.quotes.len(),
                groups,
                pagination,
                notes: Vec::new(),
                related: Vec::new(),
                extra: BTreeMap::new(),
            };
        }
        let mut notes: Vec<LinkCtx> = concept.notes.iter().map(|&n| self.note_link(n)).collect();
        notes.sort_by_key(|a| a.title.to_lowercase());
        ConceptCtx {
            name: concept.name.clone(),
            title: concept.title.clone(),
            url: self.urls.concept(name),
            description: match (&concept.file, &concept.description) {
                (Some(file), Some(outline)) if !file.body.text.trim().is_empty() => {
                    Some(self.markdown().render(&file.body, outline, None))
                }
                _ => None,
            },
            aliases: concept
                .file
                .as_ref()
                .map(|f| f.aliases.clone())
                .unwrap_or_default(),
            broader: concept
                .broader
                .iter()
                .map(|b| self.concept_link(b))
                .collect(),
            narrower: concept
                .narrower
                .iter()
                .map(|c| {
                    let link = self.concept_link(c);
                    let count = self.graph.concepts.get(c).map_or(0, use_count);
                    CountedLink {
                        title: link.title,
                        url: link.url,
                        count,
                    }
                })
                .collect(),
            quote_count: concept.quotes.len(),
            groups,
            pagination,
            notes,
            related: concept
                .appears_with
                .iter()
                .map(|(c, count)| {
                    let link = self.concept_link(c);
                    CountedLink {
                        title: link.title,
                        url: link.url,
                        count: *count,
                    }
                })
                .collect(),
            extra: concept
                .file
                .as_ref()
                .map(|f| f.extra.clone())
                .unwrap_or_default(),
        }
    }

    /// Concepts as a tree: roots (no broader concept) in name order, each followed by its
    /// narrower concepts, indented by depth.
    fn concept_list(&self) -> Vec<ConceptListItem> {
        let concepts = &self.graph.concepts;
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        fn visit(
            r: &Renderer,
            name: &str,
            depth: usize,
            seen: &mut std::collections::BTreeSet<String>,
            out: &mut Vec<ConceptListItem>,
        ) {
            if !seen.insert(name.to_string()) {
                return;
            }
            let concept = &r.graph.concepts[name];
            out.push(ConceptListItem {
                title: concept.title.clone(),
                url: r.urls.concept(name),
                count: use_count(concept),
                depth,
            });
            let mut narrower = concept.narrower.clone();
            narrower.sort();
            for child in narrower {
                visit(r, &child, depth + 1, seen, out);
            }
        }
        for (name, concept) in concepts {
            let is_root = concept
                .broader
                .iter()
                .all(|b| b == name || !concepts.contains_key(b));
            if is_root {
                visit(self, name, 0, &mut seen, &mut out);
            }
        }
        // Concepts only reachable through a cycle still get listed.
        for name in concepts.keys() {
            visit(self, name, 0, &mut seen, &mut out);
        }
        out
    }

    fn source(&self, s: SourceId) -> SourceCtx {
        let source = self.graph.source(s);
        SourceCtx {
            reference: self.source_ref(s),
            quotes: source
                .order
                .iter()
                .map(|&quote| self.quote_item(QuoteRef { source: s, quote }))
                .collect(),
            notes: source.notes.iter().map(|&n| self.note_link(n)).collect(),
        }
    }

    /// Notes most like this one by their words, then, to fill the list, notes that share its
    /// concepts.
    fn related_notes(&self, n: NoteId) -> Vec<NoteId> {
        let mut out: Vec<NoteId> = self.findings.similar_notes(n).to_vec();
        for &(other, _) in &self.graph.note(n).shares_concepts_with {
            if out.len() >= RELATED {
                break;
            }
            if !out.contains(&other) {
                out.push(other);
            }
        }
        out
    }

    fn home(&self, context: &mut Context) {
        let g = self.graph;
        let mut recent: Vec<NoteId> = g.note_ids().collect();
        recent.sort_by(|&a, &b| {
            let (na, nb) = (&g.note(a).note, &g.note(b).note);
            nb.date
                .cmp(&na.date)
                .then_with(|| na.title.to_lowercase().cmp(&nb.title.to_lowercase()))
        });
        let recent: Vec<NoteSummary> = recent
            .into_iter()
            .take(10)
            .map(|n| {
                let linked = g.note(n);
                NoteSummary {
                    link: self.note_link(n),
                    date: linked.note.date.map(iso_date),
                    summary: self.summary(n),
                }
            })
            .collect();
        let mut by_use: Vec<CountedLink> = g
            .concepts
            .values()
            .map(|c| CountedLink {
                title: c.title.clone(),
                url: self.urls.concept(&c.name),
                count: use_count(c),
            })
            .collect();
        by_use.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.title.cmp(&b.title)));
        by_use.truncate(30);
        let sources: Vec<CountedLink> = g
            .sources
            .iter()
            .map(|s| CountedLink {
                title: s.source.title.clone(),
                url: self.urls.source(&s.source.id),
                count: s.quotes.len(),
            })
            .collect();
        context.insert("recent_notes", &recent);
        context.insert("concepts", &by_use);
        context.insert("sources", &sources);
        context.insert(
            "counts",
            &BTreeMap::from([
                ("notes", g.notes.len()),
                ("quotes", g.sources.iter().map(|s| s.quotes.len()).sum()),
                ("concepts", g.concepts.len()),
                ("sources", g.sources.len()),
            ]),
        );
    }

    fn feed(&self, context: &mut Context) {
        let g = self.graph;
        let mut dated: Vec<NoteId> = g
            .note_ids()
            .filter(|&n| g.note(n).note.date.is_some())
            .collect();
        dated.sort_by(|&a, &b| {
            let (na, nb) = (&g.note(a).note, &g.note(b).note);
            nb.date.cmp(&na.date).then_with(|| na.slug.cmp(&nb.slug))
        });
        dated.truncate(20);
        let entries: Vec<FeedEntry> = dated
            .iter()
            .map(|&n| {
                let linked = g.note(n);
                let date = linked.note.date.expect("filtered to dated notes");
                FeedEntry {
                    title: linked.note.title.clone(),
                    url: self.urls.absolute(&self.urls.note(&linked.note.slug)),
                    updated: format!("{}T00:00:00Z", iso_date(date)),
                    summary: self.summary(n),
                    content: self
                        .markdown()
                        .render(&linked.note.body, &linked.outline, Some(n)),
                }
            })
            .collect();
        let updated = entries
            .first()
            .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |e| e.updated.clone());
        context.insert("entries", &entries);
        context.insert("updated", &updated);
        context.insert(
            "feed_url",
            &self.urls.absolute(&format!("{}/atom.xml", self.urls.base)),
        );
        context.insert("home_url", &self.urls.absolute(&self.urls.home()));
    }
}

fn use_count(concept: &crate::link::Concept) -> usize {
    concept.quotes.len() + concept.notes.len()
}
