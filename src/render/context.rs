//! What each template is given: typed, serializable contexts, one per kind of page and part
//! of a page. Their field names are the contract with themes (a site's own templates read
//! `note.backlinks`, `quote.related`, ...), so they change only with the default theme's.

use std::collections::BTreeMap;

use serde::Serialize;

/// The site, as every template sees it (`site.title`, `site.base`, ...).
#[derive(Debug, Clone, Serialize)]
pub(super) struct SiteCtx<'a> {
    pub(super) title: &'a str,
    pub(super) description: Option<&'a str>,
    pub(super) author: Option<&'a str>,
    /// The base path (`""` or `/kb`): templates write `{{ site.base }}/concepts/`.
    pub(super) base: &'a str,
    pub(super) base_url: &'a str,
    pub(super) language: &'a str,
    pub(super) generator: &'static str,
}

#[derive(Serialize, Clone)]
pub(super) struct LinkCtx {
    pub(super) title: String,
    pub(super) url: String,
    /// What the link points at: a [`crate::kind::Kind`]'s name, or `folder`.
    pub(super) kind: &'static str,
}

#[derive(Serialize, Clone)]
pub(super) struct CountedLink {
    pub(super) title: String,
    pub(super) url: String,
    pub(super) count: usize,
}

#[derive(Serialize)]
pub(super) struct TocEntry {
    pub(super) level: u8,
    pub(super) title: String,
    pub(super) id: String,
}

/// A folder on the way from the home page to a page.
#[derive(Serialize, Clone)]
pub(super) struct Crumb {
    pub(super) title: String,
    pub(super) url: String,
}

/// What a folder holds, for its page (or its folder note's page).
#[derive(Serialize)]
pub(super) struct FolderListCtx {
    pub(super) folders: Vec<LinkCtx>,
    pub(super) notes: Vec<FolderNoteCtx>,
}

#[derive(Serialize)]
pub(super) struct FolderNoteCtx {
    #[serde(flatten)]
    pub(super) link: LinkCtx,
    pub(super) date: Option<String>,
}

#[derive(Serialize)]
pub(super) struct FolderCtx {
    pub(super) title: String,
    pub(super) url: String,
    pub(super) breadcrumbs: Vec<Crumb>,
    #[serde(flatten)]
    pub(super) list: FolderListCtx,
}

/// A front matter property whose values are links (`categories: ["[[Books]]"]`).
#[derive(Serialize)]
pub(super) struct PropertyCtx {
    pub(super) key: String,
    pub(super) links: Vec<PropertyLinkCtx>,
}

#[derive(Serialize)]
pub(super) struct PropertyLinkCtx {
    pub(super) title: String,
    /// `None` for a link whose target does not exist or is not published.
    pub(super) url: Option<String>,
    /// Whether the target does not exist (one that is not published shows as plain text).
    pub(super) broken: bool,
}

#[derive(Serialize)]
pub(super) struct NoteCtx {
    pub(super) title: String,
    pub(super) url: String,
    pub(super) slug: String,
    /// The folders the note is in, outermost first, each a link to its page.
    pub(super) breadcrumbs: Vec<Crumb>,
    /// For a folder note (`ch1/index.md`), what its folder holds.
    pub(super) folder: Option<FolderListCtx>,
    /// Front matter properties that link, in the order written.
    pub(super) properties: Vec<PropertyCtx>,
    /// The id of the opening heading the title stands for, which links to it land on.
    pub(super) title_id: Option<String>,
    /// Why the published site leaves the note out, in a preview that shows it anyway.
    pub(super) withheld: Option<String>,
    pub(super) date: Option<String>,
    pub(super) date_display: Option<String>,
    pub(super) summary: String,
    pub(super) concepts: Vec<LinkCtx>,
    pub(super) sources: Vec<LinkCtx>,
    pub(super) content: String,
    pub(super) toc: Vec<TocEntry>,
    pub(super) words: usize,
    pub(super) reading_time: usize,
    pub(super) backlinks: Vec<LinkCtx>,
    pub(super) related: Vec<LinkCtx>,
    pub(super) extra: BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize)]
pub(super) struct SourceRefCtx {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) url: String,
    pub(super) author: Option<String>,
    pub(super) year: Option<String>,
    pub(super) kind: crate::load::SourceKind,
    pub(super) link: Option<String>,
}

#[derive(Serialize)]
pub(super) struct QuoteItem {
    pub(super) id: String,
    pub(super) text: String,
    pub(super) url: String,
    pub(super) locator: Option<String>,
    pub(super) source_title: String,
    pub(super) source_url: String,
    pub(super) concepts: Vec<LinkCtx>,
}

#[derive(Serialize)]
pub(super) struct QuoteCtx {
    pub(super) id: String,
    /// The text cut to about 60 characters at a word, for the page title and lists.
    pub(super) short: String,
    pub(super) global_id: String,
    pub(super) text: String,
    pub(super) text_html: String,
    pub(super) url: String,
    pub(super) locator: Option<String>,
    /// When the reader marked it, `YYYY-MM-DD`.
    pub(super) date: Option<String>,
    pub(super) source: SourceRefCtx,
    pub(super) concepts: Vec<LinkCtx>,
    pub(super) annotation: Option<String>,
    pub(super) cited_by: Vec<LinkCtx>,
    /// Quotes most like this one, by their words.
    pub(super) related: Vec<QuoteItem>,
}

#[derive(Serialize)]
pub(super) struct QuoteGroup {
    pub(super) source: LinkCtx,
    pub(super) quotes: Vec<QuoteItem>,
}

#[derive(Serialize)]
pub(super) struct ConceptCtx {
    pub(super) name: String,
    pub(super) title: String,
    pub(super) url: String,
    pub(super) description: Option<String>,
    pub(super) aliases: Vec<String>,
    pub(super) broader: Vec<LinkCtx>,
    pub(super) narrower: Vec<CountedLink>,
    pub(super) quote_count: usize,
    /// This page's quotes, by source.
    pub(super) groups: Vec<QuoteGroup>,
    /// Which page of the concept's quotes this is.
    pub(super) pagination: PaginationCtx,
    pub(super) notes: Vec<LinkCtx>,
    pub(super) related: Vec<CountedLink>,
    pub(super) extra: BTreeMap<String, serde_json::Value>,
}

/// Where a page stands among the pages of one list (a concept's quotes): `number` from 1 of
/// `count`, with the pages before and after it.
#[derive(Serialize)]
pub(super) struct PaginationCtx {
    pub(super) number: usize,
    pub(super) count: usize,
    pub(super) previous: Option<String>,
    pub(super) next: Option<String>,
}

#[derive(Serialize)]
pub(super) struct SourceCtx {
    #[serde(flatten)]
    pub(super) reference: SourceRefCtx,
    pub(super) quotes: Vec<QuoteItem>,
    pub(super) notes: Vec<LinkCtx>,
}

#[derive(Serialize)]
pub(super) struct ConceptListItem {
    pub(super) title: String,
    pub(super) url: String,
    pub(super) count: usize,
    pub(super) depth: usize,
}

#[derive(Serialize)]
pub(super) struct FeedEntry {
    pub(super) title: String,
    pub(super) url: String,
    pub(super) updated: String,
    pub(super) summary: String,
    pub(super) content: String,
}

#[derive(Serialize)]
pub(super) struct NoteSummary {
    #[serde(flatten)]
    pub(super) link: LinkCtx,
    pub(super) date: Option<String>,
    pub(super) summary: String,
}
