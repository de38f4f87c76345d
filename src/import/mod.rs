//! Highlights from other tools (a Kindle's `My Clippings.txt`, a Readwise CSV export) into the
//! site's quote files, appended as text by [`crate::quote_file`], so a file's formatting,
//! comments, order and every hand edit stay as they were.
//!
//! An imported quote's id comes from where it is and what it says (`l120-3f9a2c`: location
//! 120, then a hash of the text), so importing the same highlights again finds them, and a
//! quote's page never moves. A highlight whose id, or text, a source file already has is
//! unchanged; one that re-marks a passage already imported (overlapping locations) is skipped,
//! and the summary names the quote it overlaps.

pub mod kindle;
pub mod readwise;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::diagnostic::{Diagnostic, Pos};
use crate::load::SourceKind;
use crate::lock::{self, Waiting};
use crate::quote_file::{self, normalize_text, quote_id, QuoteEntry, QuoteFileError, SourceFile};
pub use crate::quote_file::{Place, Span};
use crate::site::{NotASite, SiteRoot};
use crate::slug::slugify;

/// One passage from an export, before it becomes a quote.
#[derive(Debug, Clone, PartialEq)]
pub struct Highlight {
    pub book: Book,
    pub text: String,
    /// The reader's note on it.
    pub note: Option<String>,
    pub place: Place,
    pub date: Option<NaiveDate>,
    pub concepts: Vec<String>,
    /// The line of the export it starts on, for messages.
    pub line: usize,
}

impl Highlight {
    /// The highlight as a new entry of its book's quote file, with this id.
    fn entry(&self, id: String) -> QuoteEntry {
        QuoteEntry {
            id,
            text: self.text.clone(),
            locator: self.place.locator(),
            date: self.date,
            concepts: self.concepts.clone(),
            note: self.note.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Book {
    pub title: String,
    /// As the export writes it; several authors as `A; B`.
    pub author: Option<String>,
    pub kind: SourceKind,
}

/// Whether `later` marks again a passage `earlier` marked: the same book, and locations that
/// share more than a boundary, or (without locations) pages that meet, and either way one text
/// holding the other when the overlap is that thin. Two passages side by side often share a
/// boundary location; a re-marked one shares more, or is the same words extended.
/// The texts are given with their white space collapsed ([`normalize_text`]); they are
/// compared only when the places meet, which most pairs do not.
fn remarks(earlier: &Place, earlier_text: &str, later: &Place, later_text: &str) -> bool {
    let contains = || earlier_text.contains(later_text) || later_text.contains(earlier_text);
    match (earlier.location, later.location) {
        (Some(x), Some(y)) => {
            let shared = x.shared(y);
            shared > 1 || (shared == 1 && contains())
        }
        _ => match (earlier.page, later.page) {
            (Some(x), Some(y)) => x.shared(y) > 0 && contains(),
            _ => false,
        },
    }
}

/// The quotes a source's file holds, looked up the ways an import asks: by id or text (the
/// same quote), and by place (a passage marked again). Each answer is the first such quote in
/// the file, as a scan would find it, without a scan: a 60,000-highlight export must not
/// compare every highlight with every quote.
struct KnownQuotes {
    by_id: HashMap<String, usize>,
    by_text: HashMap<String, usize>,
    texts: Vec<String>,
    places: Vec<Place>,
    index: PlaceIndex,
}

impl KnownQuotes {
    fn of(source: &crate::load::Source) -> KnownQuotes {
        let mut known = KnownQuotes {
            by_id: HashMap::new(),
            by_text: HashMap::new(),
            texts: Vec::new(),
            places: Vec::new(),
            index: PlaceIndex::default(),
        };
        for (i, quote) in source.quotes.iter().enumerate() {
            let text = normalize_text(&quote.text);
            let place = quote.locator.as_deref().map(Place::from_locator);
            let place = place.unwrap_or_default();
            known.by_id.entry(quote.id.clone()).or_insert(i);
            known.by_text.entry(text.clone()).or_insert(i);
            known.index.add(&place, i);
            known.texts.push(text);
            known.places.push(place);
        }
        known.index.sort();
        known
    }

    /// The first quote with this id or this text.
    fn same(&self, id: &str, text: &str) -> Option<usize> {
        let by_id = self.by_id.get(id).copied();
        let by_text = self.by_text.get(text).copied();
        by_id.into_iter().chain(by_text).min()
    }

    /// The first quote that a highlight at `place` marks again ([`remarks`]).
    fn remarked(&self, place: &Place, text: &str) -> Option<usize> {
        self.index
            .meeting(place)
            .into_iter()
            .find(|&i| remarks(&self.places[i], &self.texts[i], place, text))
    }
}

/// Places (locations and pages) by where they are, each with an index into a list: what
/// finds the passages another one meets without comparing it with every passage.
#[derive(Default)]
pub(crate) struct PlaceIndex {
    locations: Intervals,
    pages: Intervals,
}

impl PlaceIndex {
    pub(crate) fn add(&mut self, place: &Place, item: usize) {
        if let Some(span) = place.location {
            self.locations.add(span, item);
        }
        if let Some(span) = place.page {
            self.pages.add(span, item);
        }
    }

    /// To be called once every place is added, before [`PlaceIndex::meeting`].
    pub(crate) fn sort(&mut self) {
        self.locations.sort();
        self.pages.sort();
    }

    /// In ascending order, the items whose locations share a position with `place`'s, or
    /// whose pages share one with its pages: every item two places can be compared as.
    pub(crate) fn meeting(&self, place: &Place) -> Vec<usize> {
        let mut items: Vec<usize> = Vec::new();
        if let Some(span) = place.location {
            items.extend(self.locations.meeting(span));
        }
        if let Some(span) = place.page {
            items.extend(self.pages.meeting(span));
        }
        items.sort_unstable();
        items.dedup();
        items
    }
}

/// Spans of pages or locations, each with an item's index, found by where they meet another.
#[derive(Default)]
struct Intervals {
    /// Sorted by start.
    spans: Vec<(Span, usize)>,
    longest: u32,
}

impl Intervals {
    fn add(&mut self, span: Span, item: usize) {
        self.longest = self.longest.max(span.end - span.start);
        self.spans.push((span, item));
    }

    fn sort(&mut self) {
        self.spans.sort_by_key(|(span, item)| (span.start, *item));
    }

    /// The items whose spans share at least one position with `span`: among those that
    /// start between `span.start - longest` and `span.end`.
    fn meeting(&self, span: Span) -> impl Iterator<Item = usize> + '_ {
        let from = span.start.saturating_sub(self.longest);
        let first = self.spans.partition_point(|(s, _)| s.start < from);
        let last = self.spans.partition_point(|(s, _)| s.start <= span.end);
        self.spans[first..last]
            .iter()
            .filter(move |(s, _)| s.shared(span) > 0)
            .map(|(_, item)| *item)
    }
}

/// The first author's surname, as a slug: from "Kleppmann, Martin" or "Martin Kleppmann".
fn surname(author: &str) -> Option<String> {
    let first = author.split(';').next()?.trim();
    let surname = match first.split_once(',') {
        Some((last, _)) => last.trim(),
        None => first.split_whitespace().last()?,
    };
    Some(slugify(surname)).filter(|s| !s.is_empty())
}

/// The id of a new source: its title (without a subtitle) and the first author's surname.
pub fn source_id(book: &Book) -> String {
    let title = book.title.split(':').next().unwrap_or(&book.title);
    let surname = book.author.as_deref().and_then(surname);
    let id = match surname {
        Some(surname) => format!("{}-{surname}", slugify(title)),
        _ => slugify(title),
    };
    if id.is_empty() {
        "untitled".to_string()
    } else {
        id
    }
}

/// Why a highlight was not added.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skip {
    Bookmark,
    /// A Kindle note whose location no highlight of its book covers.
    LoneNote {
        line: usize,
    },
    /// Marked again later in the same export; the later one was kept.
    Remarked {
        line: usize,
    },
    /// Re-marks a passage the site already has.
    AlreadyImported {
        quote: String,
    },
    /// A note on a highlight imported before, which the site's quote does not have.
    NoteOnImported {
        quote: String,
    },
    Empty {
        line: usize,
    },
}

impl Skip {
    /// What kind of skip this is, without its line or quote: the order kinds are listed in.
    fn kind(&self) -> &'static str {
        match self {
            Skip::Bookmark => "bookmark",
            Skip::LoneNote { .. } => "note with no highlight",
            Skip::Remarked { .. } => "marked again later",
            Skip::AlreadyImported { .. } => "re-marks",
            Skip::Empty { .. } => "no text",
            Skip::NoteOnImported { .. } => "a note on",
        }
    }

    /// Several skips of one kind: how many, and the first few of their lines (in order) or
    /// quotes.
    fn summarize(skips: &[&Skip]) -> String {
        const SHOWN: usize = 5;
        let n = skips.len();
        let mut lines: Vec<usize> = Vec::new();
        let mut quotes: Vec<&str> = Vec::new();
        for skip in skips {
            match skip {
                Skip::LoneNote { line } | Skip::Remarked { line } | Skip::Empty { line } => {
                    lines.push(*line)
                }
                Skip::AlreadyImported { quote } | Skip::NoteOnImported { quote } => {
                    quotes.push(quote)
                }
                Skip::Bookmark => {}
            }
        }
        lines.sort_unstable();
        let some = |items: Vec<String>| {
            let more = items.len().saturating_sub(SHOWN);
            let shown = items[..items.len().min(SHOWN)].join(", ");
            match more {
                0 => shown,
                more => format!("{shown} and {more} more"),
            }
        };
        let lines = some(lines.iter().map(usize::to_string).collect());
        let quotes = some(quotes.iter().map(|q| q.to_string()).collect());
        match skips[0] {
            Skip::Bookmark => format!("{n} × bookmark"),
            Skip::LoneNote { .. } => {
                format!("{n} × note with no highlight at its location, lines {lines}")
            }
            Skip::Remarked { .. } => format!("{n} × marked again later, lines {lines}"),
            Skip::Empty { .. } => format!("{n} × no text, lines {lines}"),
            Skip::AlreadyImported { .. } => format!(
                "{n} × re-marks {quotes}, already imported (edit them by hand to take the new text)"
            ),
            Skip::NoteOnImported { .. } => {
                format!("{n} × a note on {quotes}, already imported (add them by hand)")
            }
        }
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::Bookmark => write!(f, "bookmark"),
            Skip::LoneNote { line } => {
                write!(f, "note with no highlight at its location, line {line}")
            }
            Skip::Remarked { line } => write!(f, "marked again later, line {line}"),
            Skip::AlreadyImported { quote } => {
                write!(
                    f,
                    "re-marks {quote}, already imported (edit it by hand to take the new text)"
                )
            }
            Skip::Empty { line } => write!(f, "no text, line {line}"),
            Skip::NoteOnImported { quote } => {
                write!(f, "a note on {quote}, already imported (add it by hand)")
            }
        }
    }
}

/// What an export holds, read: highlights in order, what was skipped on the way, and warnings
/// (`file:line: warning:`) for what was kept but not fully understood.
#[derive(Debug, Default)]
pub struct Export {
    pub highlights: Vec<Highlight>,
    pub skipped: Vec<Skip>,
    pub warnings: Vec<Diagnostic>,
}

/// An export that cannot be read at all; nothing is written.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: {message}", crate::diagnostic::display_path(.file))]
pub struct ExportError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

/// Keeps the last of the highlights that mark the same passage, in export order.
pub fn drop_remarked(export: &mut Export) {
    let highlights = &export.highlights;
    let texts: Vec<String> = highlights.iter().map(|h| normalize_text(&h.text)).collect();
    // Each book's highlights by place: only those that meet can mark the same passage.
    let mut books: HashMap<&Book, PlaceIndex> = HashMap::new();
    for (i, highlight) in highlights.iter().enumerate() {
        books
            .entry(&highlight.book)
            .or_default()
            .add(&highlight.place, i);
    }
    books.values_mut().for_each(PlaceIndex::sort);
    let keep: Vec<bool> = highlights
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let later = books[&a.book].meeting(&a.place).into_iter().any(|j| {
                let b = &highlights[j];
                j > i && remarks(&a.place, &texts[i], &b.place, &texts[j])
            });
            if later {
                export.skipped.push(Skip::Remarked { line: a.line });
            }
            !later
        })
        .collect();
    let mut kept = keep.iter();
    export
        .highlights
        .retain(|_| *kept.next().expect("one flag each"));
}

/// What an import did (or, with `--dry-run`, would do).
#[derive(Debug, Default)]
pub struct Outcome {
    pub added: usize,
    pub unchanged: usize,
    pub skipped: Vec<Skip>,
    /// Files written (or to write), with how many quotes each gains; new files marked.
    pub files: Vec<(PathBuf, usize, bool)>,
    pub warnings: Vec<Diagnostic>,
}

impl Outcome {
    /// `added 3, unchanged 12, skipped 2 (1 bookmark, 1 note with ...)`.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "added {}, unchanged {}, skipped {}",
            self.added,
            self.unchanged,
            self.skipped.len()
        );
        if self.skipped.is_empty() {
            return line;
        }
        // Skips of one kind together, each kind on a few of its lines or quotes: an export of
        // thousands of bookmarks and re-marks still sums up in one short line.
        let mut kinds: BTreeMap<&'static str, Vec<&Skip>> = BTreeMap::new();
        for skip in &self.skipped {
            kinds.entry(skip.kind()).or_default().push(skip);
        }
        let reasons: Vec<String> = kinds
            .into_values()
            .map(|skips| match skips.as_slice() {
                [one] => one.to_string(),
                many => Skip::summarize(many),
            })
            .collect();
        line.push_str(&format!(" ({})", reasons.join("; ")));
        line
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    NotASite(#[from] NotASite),
    #[error(transparent)]
    QuoteFile(#[from] QuoteFileError),
    #[error(transparent)]
    Io(#[from] crate::fs::IoError),
    #[error("{0}")]
    Content(String),
}

fn same_name(a: &str, b: &str) -> bool {
    normalize_text(a).to_lowercase() == normalize_text(b).to_lowercase()
}

/// Adds highlights to the site's quote files: each book's file is found by title and author
/// (or made, named after [`source_id`]), and new quotes are appended to it as text. Every
/// file is written only once every file's new text has been read back by the loader without
/// errors, each by a rename, so a failure changes nothing.
pub fn import(
    root: &Path,
    export: Export,
    dry_run: bool,
    waiting: &dyn Waiting,
) -> Result<Outcome, ImportError> {
    let site = SiteRoot::open(root)?;
    // The files are read, changed and written under the lock, so a `new quote` or another
    // import meanwhile is neither lost nor overwritten. A dry run writes nothing.
    let _lock = match dry_run {
        false => {
            let lock = lock::acquire(&site, "import", waiting)?;
            quote_file::remove_interrupted_writes(&site, &lock);
            Some(lock)
        }
        true => None,
    };
    let mut outcome = Outcome {
        skipped: export.skipped,
        warnings: first_warnings(export.warnings),
        ..Outcome::default()
    };
    let mut files = quote_file::source_files(&site)?;
    // Books in order of their first highlight.
    let mut books: Vec<(Book, Vec<Highlight>)> = Vec::new();
    let mut book_index: HashMap<Book, usize> = HashMap::new();
    for highlight in export.highlights {
        match book_index.get(&highlight.book) {
            Some(&i) => books[i].1.push(highlight),
            None => {
                book_index.insert(highlight.book.clone(), books.len());
                books.push((highlight.book.clone(), vec![highlight]));
            }
        }
    }
    // Each book's file, found or made. Two spellings of one book in an export ("Brandon
    // Sanderson" and "Sanderson, Brandon") find the same file, and its highlights are taken
    // together, so the file is written once, holding both.
    let mut by_file: Vec<(usize, bool, Vec<Highlight>)> = Vec::new();
    // Files by title as compared, and the ids taken: looked up once per book, not scanned (an
    // export of one highlight each from 16,000 books took 29 s).
    let title_key = |title: &str| normalize_text(title).to_lowercase();
    let mut by_title: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, f) in files.iter().enumerate() {
        by_title
            .entry(title_key(&f.source.title))
            .or_default()
            .push(i);
    }
    let mut ids_taken: HashSet<String> = files.iter().map(|f| f.source.id.clone()).collect();
    let mut file_position: HashMap<usize, usize> = HashMap::new();
    for (book, highlights) in books {
        let same_title = by_title.get(&title_key(&book.title));
        let found = same_title.into_iter().flatten().copied().find(|&i| {
            let f = &files[i];
            match (&f.source.author, &book.author) {
                // "Martin Kleppmann" in the file, "Kleppmann, Martin" in the export.
                (Some(a), Some(b)) => {
                    same_name(a, b) || surname(a).is_some_and(|s| surname(b) == Some(s))
                }
                (None, None) => true,
                _ => false,
            }
        });
        let (index, is_new) = match found {
            Some(index) => (index, false),
            None => {
                let mut id = source_id(&book);
                // Not a source's id, nor the name of a file already there.
                let quotes_dir = site.quotes_dir();
                let taken = |id: &str| {
                    ids_taken.contains(id) || quotes_dir.join(format!("{id}.yaml")).exists()
                };
                if taken(&id) {
                    let base = id.clone();
                    let mut n = 2;
                    while taken(&id) {
                        id = format!("{base}-{n}");
                        n += 1;
                    }
                }
                let path = quotes_dir.join(format!("{id}.yaml"));
                let text =
                    quote_file::new_file_text(&id, &book.title, book.author.as_deref(), book.kind);
                let relative = format!("quotes/{id}.yaml");
                let (source, _) = crate::load::quote::parse(&text, &path, &relative);
                let source = source.ok_or_else(|| {
                    ImportError::Content(format!("could not write a source for {}", book.title))
                })?;
                ids_taken.insert(id);
                by_title
                    .entry(title_key(&source.title))
                    .or_default()
                    .push(files.len());
                files.push(SourceFile { path, text, source });
                (files.len() - 1, true)
            }
        };
        match file_position.get(&index) {
            Some(&at) => by_file[at].2.extend(highlights),
            None => {
                file_position.insert(index, by_file.len());
                by_file.push((index, is_new, highlights));
            }
        }
    }
    // Each file's new text, written only when all are ready.
    let mut writes: Vec<(PathBuf, String)> = Vec::new();
    for (index, is_new, highlights) in by_file {
        let file = &mut files[index];
        let known = KnownQuotes::of(&file.source);
        let mut entries: Vec<QuoteEntry> = Vec::new();
        let mut ids: HashSet<String> = file.source.quotes.iter().map(|q| q.id.clone()).collect();
        // The entries to add, by text: the same words marked twice are one quote.
        let mut queued: HashMap<String, usize> = HashMap::new();
        for highlight in highlights {
            let text = normalize_text(&highlight.text);
            let id = quote_id(&highlight.place, &highlight.text);
            if let Some(quote) = known.same(&id, &text).map(|i| &file.source.quotes[i]) {
                // The quote stays as it is; a note made on it since is reported, not lost.
                let has = quote.note.as_ref().map(|n| normalize_text(&n.text));
                // Compared as the loader reads a note: its comments (`%%…`) blanked.
                let note = highlight.note.as_deref().map(|note| {
                    let masked = crate::syntax::mask_comments(note).map(|m| m.text);
                    normalize_text(masked.as_deref().unwrap_or(note))
                });
                if note.is_some_and(|note| has.is_none_or(|has| !has.contains(&note))) {
                    outcome.skipped.push(Skip::NoteOnImported {
                        quote: file.source.quote_id(quote),
                    });
                }
                outcome.unchanged += 1;
                continue;
            }
            if let Some(&earlier) = queued.get(&text) {
                // Its note, if any, goes with the quote the words already make.
                if let Some(note) = highlight.note {
                    let entry: &mut QuoteEntry = &mut entries[earlier];
                    entry.note = Some(match entry.note.take() {
                        Some(has) if is_paragraph_of(&has, &note) => has,
                        Some(has) => format!("{has}\n\n{note}"),
                        None => note,
                    });
                }
                outcome.unchanged += 1;
                continue;
            }
            if let Some(i) = known.remarked(&highlight.place, &text) {
                outcome.skipped.push(Skip::AlreadyImported {
                    quote: file.source.quote_id(&file.source.quotes[i]),
                });
                continue;
            }
            let mut id = id;
            if ids.contains(&id) {
                // Another text with the same start and hash prefix.
                id = quote_file::long_quote_id(&highlight.place, &highlight.text);
            }
            ids.insert(id.clone());
            queued.insert(text, entries.len());
            entries.push(highlight.entry(id));
        }
        if entries.is_empty() {
            continue;
        }
        let added = entries.len();
        let entries = entries.iter().map(QuoteEntry::to_yaml).collect();
        let new_text = quote_file::append_quotes(&file.text, entries).map_err(|message| {
            ImportError::Content(format!("{}: {message}", file.path.display()))
        })?;
        quote_file::check_written(
            &site,
            &file.path,
            &new_text,
            file.source.quotes.len() + added,
        )?;
        outcome.added += added;
        outcome.files.push((file.path.clone(), added, is_new));
        writes.push((file.path.clone(), new_text));
    }
    if !dry_run {
        quote_file::write_all(&writes)?;
    }
    Ok(outcome)
}

/// Whether `note` is already one of the paragraphs of `notes` (notes joined by a blank line),
/// white space aside: "important" is not in "not important".
pub(crate) fn is_paragraph_of(notes: &str, note: &str) -> bool {
    let note = normalize_text(note);
    notes.split("\n\n").any(|p| normalize_text(p) == note)
}

/// The first warnings about an export, the last of them saying how many more there were: an
/// export in a format this import half reads (a Kindle in a language it does not know) has a
/// warning on every entry, and thousands of lines help nobody.
fn first_warnings(mut warnings: Vec<Diagnostic>) -> Vec<Diagnostic> {
    const SHOWN: usize = 20;
    if warnings.len() > SHOWN {
        let more = warnings.len() - SHOWN;
        warnings.truncate(SHOWN);
        let last = warnings.last_mut().expect("SHOWN > 0");
        last.message.push_str(&format!(
            " (and {more} more warnings about this export, not shown)"
        ));
    }
    warnings
}

/// A file's line (1-based) as a diagnostic position.
pub fn at_line(line: usize) -> Pos {
    Pos::new(line, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(title: &str, author: Option<&str>) -> Book {
        Book {
            title: title.to_string(),
            author: author.map(str::to_string),
            kind: SourceKind::Book,
        }
    }

    #[test]
    fn source_ids_come_from_the_title_and_the_first_surname() {
        let ddia = book(
            "Designing Data-Intensive Applications: The Big Ideas",
            Some("Kleppmann, Martin"),
        );
        assert_eq!(
            source_id(&ddia),
            "designing-data-intensive-applications-kleppmann"
        );
        let two = book("Raft", Some("Diego Ongaro; John Ousterhout"));
        assert_eq!(source_id(&two), "raft-ongaro");
        assert_eq!(source_id(&book("???", None)), "untitled");
        assert_eq!(surname("Martin Kleppmann"), surname("Kleppmann, Martin"));
    }
}
