//! Highlights from other tools (a Kindle's `My Clippings.txt`, a Readwise CSV export) into the
//! site's quote files, and `commonplace new quote`: both append to `content/quotes/*.yaml` as
//! text, so a file's formatting, comments, order and every hand edit stay as they were.
//!
//! An imported quote's id comes from where it is and what it says (`l120-3f9a2c`: location
//! 120, then a hash of the text), so importing the same highlights again finds them, and a
//! quote's page never moves. A highlight whose id, or text, a source file already has is
//! unchanged; one that re-marks a passage already imported (overlapping locations) is skipped,
//! and the summary names the quote it overlaps.

pub mod kindle;
pub mod readwise;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::diagnostic::{Diagnostic, Pos};
use crate::load::SourceKind;
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    pub title: String,
    /// As the export writes it; several authors as `A; B`.
    pub author: Option<String>,
    pub kind: SourceKind,
}

/// Where a passage is: Kindle locations and printed pages (either, both or neither), or some
/// other position an export gives (a time in a podcast), kept as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub page: Option<Span>,
    /// Pages as printed when they are not numbers (`xiv`).
    pub page_label: Option<String>,
    pub location: Option<Span>,
    pub other: Option<String>,
}

/// A range of pages or locations, `start..=end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// How many positions two spans share.
    fn shared(self, other: Span) -> u32 {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        if start > end {
            0
        } else {
            end - start + 1
        }
    }

    fn text(self, one: &str, many: &str) -> String {
        if self.start == self.end {
            format!("{one} {}", self.start)
        } else {
            format!("{many} {}–{}", self.start, self.end)
        }
    }
}

impl Place {
    /// The quote's `locator`: `p. 8, loc. 120–122`.
    pub fn locator(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(page) = self.page {
            parts.push(page.text("p.", "pp."));
        } else if let Some(label) = &self.page_label {
            parts.push(format!("p. {label}"));
        }
        if let Some(location) = self.location {
            parts.push(location.text("loc.", "loc."));
        }
        if let Some(other) = &self.other {
            parts.push(other.clone());
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// Reads a locator written by [`Place::locator`] back (for quotes already in a file).
    pub fn from_locator(locator: &str) -> Place {
        let mut place = Place::default();
        for part in locator.split(',').map(str::trim) {
            let numbers = |rest: &str| -> Option<Span> {
                let (a, b) = rest.split_once(['–', '-']).unwrap_or((rest, rest));
                Some(Span::new(a.trim().parse().ok()?, b.trim().parse().ok()?))
            };
            if let Some(rest) = part.strip_prefix("loc.") {
                place.location = numbers(rest.trim());
            } else if let Some(rest) = part.strip_prefix("pp.").or_else(|| part.strip_prefix("p."))
            {
                place.page = numbers(rest.trim());
            }
        }
        place
    }

    /// The start of a quote's id: `l120`, `p8`, or `q` when there is no number to go by.
    fn id_prefix(&self) -> String {
        match (self.location, self.page) {
            (Some(location), _) => format!("l{}", location.start),
            (None, Some(page)) => format!("p{}", page.start),
            (None, None) => "q".to_string(),
        }
    }
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

/// Text with its white space collapsed, for comparing and hashing.
pub(crate) fn normalize_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A quote id from the place and the text: stable across imports.
pub fn quote_id(place: &Place, text: &str) -> String {
    let hash = xxhash_rust::xxh3::xxh3_64(normalize_text(text).as_bytes());
    format!("{}-{:06x}", place.id_prefix(), hash >> 40)
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
    let keep: Vec<bool> = highlights
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let later = (i + 1..highlights.len()).any(|j| {
                let b = &highlights[j];
                a.book == b.book && remarks(&a.place, &texts[i], &b.place, &texts[j])
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
        if !self.skipped.is_empty() {
            let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
            for skip in &self.skipped {
                *reasons.entry(skip.to_string()).or_default() += 1;
            }
            let reasons: Vec<String> = reasons
                .into_iter()
                .map(|(reason, n)| {
                    if n == 1 {
                        reason
                    } else {
                        format!("{n} × {reason}")
                    }
                })
                .collect();
            line.push_str(&format!(" ({})", reasons.join("; ")));
        }
        line
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Io(#[from] crate::fs::IoError),
    #[error("{0}")]
    Content(String),
}

/// A quote file as the site has it: its text and what the loader read from it.
pub(crate) struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    pub source: crate::load::Source,
}

/// The quote files under `content/quotes/`. A file with errors stops the import (it names
/// them): appending to a file the loader cannot read could not be checked.
pub(crate) fn source_files(root: &Path) -> Result<Vec<SourceFile>, ImportError> {
    let dir = root.join("content").join("quotes");
    let mut files = Vec::new();
    if !dir.is_dir() {
        return Ok(files);
    }
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let entry = entry.map_err(|e| ImportError::Content(format!("{}: {e}", dir.display())))?;
        let path = entry.path();
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if !entry.file_type().is_file() || !is_yaml {
            continue;
        }
        let text = String::from_utf8_lossy(&crate::fs::read(path)?).into_owned();
        let (source, errors) = read_quote_file(root, path, &text);
        match source {
            Some(source) if errors.is_empty() => files.push(SourceFile {
                path: path.to_path_buf(),
                text,
                source,
            }),
            _ => {
                return Err(ImportError::Content(format!(
                    "{}\nfix this quote file first; nothing was imported",
                    errors.join("\n")
                )))
            }
        }
    }
    Ok(files)
}

fn same_name(a: &str, b: &str) -> bool {
    normalize_text(a).to_lowercase() == normalize_text(b).to_lowercase()
}

/// Adds highlights to the site's quote files: each book's file is found by title and author
/// (or made, named after [`source_id`]), and new quotes are appended to it as text. Every
/// file is written only once every file's new text has been read back by the loader without
/// errors, each by a rename, so a failure changes nothing.
pub fn import(root: &Path, export: Export, dry_run: bool) -> Result<Outcome, ImportError> {
    crate::new::require_site(root)?;
    let mut outcome = Outcome {
        skipped: export.skipped,
        warnings: export.warnings,
        ..Outcome::default()
    };
    let mut files = source_files(root)?;
    // Books in order of their first highlight.
    let mut books: Vec<(Book, Vec<Highlight>)> = Vec::new();
    for highlight in export.highlights {
        match books.iter_mut().find(|(b, _)| *b == highlight.book) {
            Some((_, list)) => list.push(highlight),
            None => books.push((highlight.book.clone(), vec![highlight])),
        }
    }
    // Each file's new text, written only when all are ready.
    let mut writes: Vec<(PathBuf, String)> = Vec::new();
    for (book, highlights) in books {
        let found = files.iter().position(|f| {
            same_name(&f.source.title, &book.title)
                && match (&f.source.author, &book.author) {
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
                let quotes_dir = root.join("content").join("quotes");
                let taken = |id: &str| {
                    files.iter().any(|f| f.source.id == id)
                        || quotes_dir.join(format!("{id}.yaml")).exists()
                };
                if taken(&id) {
                    let base = id.clone();
                    let mut n = 2;
                    while taken(&id) {
                        id = format!("{base}-{n}");
                        n += 1;
                    }
                }
                let path = root
                    .join("content")
                    .join("quotes")
                    .join(format!("{id}.yaml"));
                let text = new_source_text(&book, &id);
                let relative = format!("quotes/{id}.yaml");
                let (source, _) = crate::load::quote::parse(&text, &path, &relative);
                let source = source.ok_or_else(|| {
                    ImportError::Content(format!("could not write a source for {}", book.title))
                })?;
                files.push(SourceFile { path, text, source });
                (files.len() - 1, true)
            }
        };
        let file = &mut files[index];
        // What the file holds, read once: each quote's text as compared and its place.
        let known: Vec<(String, Place)> = file
            .source
            .quotes
            .iter()
            .map(|q| {
                let place = q.locator.as_deref().map(Place::from_locator);
                (normalize_text(&q.text), place.unwrap_or_default())
            })
            .collect();
        let mut entries = Vec::new();
        let mut ids: Vec<String> = file.source.quotes.iter().map(|q| q.id.clone()).collect();
        let mut queued: Vec<String> = Vec::new();
        for highlight in highlights {
            let text = normalize_text(&highlight.text);
            let id = quote_id(&highlight.place, &highlight.text);
            let existing = file
                .source
                .quotes
                .iter()
                .zip(&known)
                .find(|(q, (known_text, _))| q.id == id || *known_text == text);
            if let Some((quote, _)) = existing {
                // The quote stays as it is; a note made on it since is reported, not lost.
                let has = quote.note.as_ref().map(|n| normalize_text(&n.text));
                let note = highlight.note.as_deref().map(normalize_text);
                if note.is_some_and(|note| has.is_none_or(|has| !has.contains(&note))) {
                    outcome.skipped.push(Skip::NoteOnImported {
                        quote: format!("{}/{}", file.source.id, quote.id),
                    });
                }
                outcome.unchanged += 1;
                continue;
            }
            if queued.contains(&text) {
                outcome.unchanged += 1;
                continue;
            }
            let overlapped =
                file.source
                    .quotes
                    .iter()
                    .zip(&known)
                    .find(|(_, (known_text, place))| {
                        remarks(place, known_text, &highlight.place, &text)
                    });
            if let Some((quote, _)) = overlapped {
                outcome.skipped.push(Skip::AlreadyImported {
                    quote: format!("{}/{}", file.source.id, quote.id),
                });
                continue;
            }
            let mut id = id;
            if ids.contains(&id) {
                // Another text with the same start and hash prefix: lengthen the hash.
                let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
                id = format!("{}-{:016x}", highlight.place.id_prefix(), hash);
            }
            ids.push(id.clone());
            entries.push(quote_entry(&id, &highlight));
            queued.push(text);
        }
        if entries.is_empty() {
            continue;
        }
        let added = entries.len();
        let new_text = append_quotes(&file.text, entries).map_err(|message| {
            ImportError::Content(format!("{}: {message}", file.path.display()))
        })?;
        check_written(
            &file.path,
            root,
            &new_text,
            file.source.quotes.len() + added,
        )?;
        outcome.added += added;
        outcome.files.push((file.path.clone(), added, is_new));
        writes.push((file.path.clone(), new_text));
    }
    if !dry_run {
        write_all(&writes)?;
    }
    Ok(outcome)
}

/// Reads a file's new text back with the loader: it must hold every quote it held plus the
/// new ones, with no errors, or nothing is written.
pub(crate) fn check_written(
    path: &Path,
    root: &Path,
    text: &str,
    quotes: usize,
) -> Result<(), ImportError> {
    let (source, errors) = read_quote_file(root, path, text);
    match source {
        Some(source) if errors.is_empty() && source.quotes.len() == quotes => Ok(()),
        _ => Err(ImportError::Content(format!(
            "the new text of {} would not read back ({}); nothing was written",
            path.strip_prefix(root).unwrap_or(path).display(),
            errors.join("; ")
        ))),
    }
}

/// A quote file's text read as the loader reads it, with its errors as `file:line:col` lines.
fn read_quote_file(
    root: &Path,
    path: &Path,
    text: &str,
) -> (Option<crate::load::Source>, Vec<String>) {
    let shown = path.strip_prefix(root).unwrap_or(path);
    let relative = shown
        .strip_prefix("content")
        .unwrap_or(shown)
        .to_string_lossy()
        .replace('\\', "/");
    let (source, problems) = crate::load::quote::parse(text, shown, &relative);
    let errors = problems
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    (source, errors)
}

/// Writes every file through a temporary file beside it, then renames them all: either all
/// new texts are in place or (on an error before the renames) none is.
pub(crate) fn write_all(files: &[(PathBuf, String)]) -> Result<(), ImportError> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        for (path, text) in files {
            let temporary = crate::fs::temporary_beside(path);
            crate::fs::write_with_parents(&temporary, text)?;
            staged.push((temporary, path.clone()));
        }
        Ok::<(), crate::fs::IoError>(())
    })();
    if let Err(err) = result {
        for (temporary, _) in &staged {
            let _ = std::fs::remove_file(temporary);
        }
        return Err(err.into());
    }
    for (temporary, path) in &staged {
        crate::fs::rename(temporary, path)?;
    }
    Ok(())
}

/// The start of a new quote file.
fn new_source_text(book: &Book, id: &str) -> String {
    let mut text = String::from("source:\n");
    text.push_str(&format!("  id: {}\n", yaml_scalar(id, 2)));
    text.push_str(&format!("  title: {}\n", yaml_scalar(&book.title, 2)));
    if let Some(author) = &book.author {
        text.push_str(&format!("  author: {}\n", yaml_scalar(author, 2)));
    }
    let kind = serde_yaml_ng::to_string(&book.kind).unwrap_or_default();
    text.push_str(&format!("  kind: {}\n", kind.trim()));
    text.push_str("quotes:\n");
    text
}

/// One quote as a list item, its keys indented two more than the dash (which is at column 0;
/// [`append_quotes`] indents it to the file's list).
pub(crate) fn quote_entry(id: &str, highlight: &Highlight) -> String {
    let mut entry = format!("- id: {}\n", yaml_scalar(id, 2));
    entry.push_str(&format!("  text: {}\n", yaml_scalar(&highlight.text, 2)));
    if let Some(locator) = highlight.place.locator() {
        entry.push_str(&format!("  locator: {}\n", yaml_scalar(&locator, 2)));
    }
    if let Some(date) = highlight.date {
        entry.push_str(&format!("  date: {}\n", date.format("%Y-%m-%d")));
    }
    if !highlight.concepts.is_empty() {
        let names: Vec<String> = highlight
            .concepts
            .iter()
            .map(|c| yaml_flow_item(c))
            .collect();
        entry.push_str(&format!("  concepts: [{}]\n", names.join(", ")));
    }
    if let Some(note) = &highlight.note {
        entry.push_str(&format!("  note: {}\n", yaml_scalar(note, 2)));
    }
    entry
}

/// A string as a YAML value after `key: `, with any continuation lines indented by `indent`
/// (serde_yaml chooses plain, quoted or a block, whichever reads back as the same text).
pub fn yaml_scalar(value: &str, indent: usize) -> String {
    let written = serde_yaml_ng::to_string(value).unwrap_or_default();
    let written = written.strip_suffix('\n').unwrap_or(&written);
    let mut lines = written.lines();
    let first = lines.next().unwrap_or("''").to_string();
    let mut out = first;
    for line in lines {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(line);
    }
    out
}

/// A name in a flow list (`concepts: [a, b]`), where a plain value must not hold `,`, `[`,
/// `]`, `{` or `}`: such names are quoted.
pub fn yaml_flow_item(value: &str) -> String {
    let plain = yaml_scalar(value, 0);
    if plain.contains('\n')
        || !plain.starts_with(['\'', '"']) && plain.contains([',', '[', ']', '{', '}'])
    {
        serde_json::to_string(value).unwrap_or_default()
    } else {
        plain
    }
}

/// Appends list items (each written with its dash at column 0) to the `quotes:` list of a
/// quote file's text, as text: nothing else in the file changes. The items take the
/// indentation of the list's existing items (two spaces for a new list), and the file's line
/// endings.
pub fn append_quotes(text: &str, entries: Vec<String>) -> Result<String, String> {
    let crlf = text.contains("\r\n");
    let lines: Vec<&str> = text.lines().collect();
    let header = lines.iter().position(|l| {
        let l = l.trim_end();
        l == "quotes:" || l.starts_with("quotes:") && l[7..].trim_start().starts_with('#')
    });
    let flow = lines
        .iter()
        .position(|l| l.starts_with("quotes:") && l[7..].trim_start().starts_with('['));
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let (insert_at, indent) = match (header, flow) {
        (Some(header), _) => {
            let items = crate::yaml::Lines::new(text).block_list_items("quotes");
            match items.last() {
                None => (header + 1, 2),
                Some(&last) => {
                    let dash = lines[last].len() - lines[last].trim_start().len();
                    // The last item runs while lines are blank, comments, or indented past its
                    // dash; it ends at its last line that is not blank.
                    let mut end = last + 1;
                    let mut i = last + 1;
                    while i < lines.len() {
                        let line = lines[i];
                        let trimmed = line.trim_start();
                        let line_indent = line.len() - trimmed.len();
                        if trimmed.is_empty() {
                            i += 1;
                            continue;
                        }
                        if line_indent <= dash && !(trimmed.starts_with('#') && line_indent > 0) {
                            break;
                        }
                        i += 1;
                        end = i;
                    }
                    (end, dash)
                }
            }
        }
        (None, Some(flow)) => {
            let value = lines[flow][7..].trim();
            if !(value == "[]"
                || value.starts_with("[]") && value[2..].trim_start().starts_with('#'))
            {
                return Err(format!(
                    "line {}: `quotes:` is a list written in brackets; write it one `- ` item a line to add to it",
                    flow + 1
                ));
            }
            out[flow] = "quotes:".to_string();
            (flow + 1, 2)
        }
        (None, None) => {
            out.push("quotes:".to_string());
            (out.len(), 2)
        }
    };
    let pad = " ".repeat(indent);
    let new_lines: Vec<String> = entries
        .iter()
        .flat_map(|entry| {
            entry
                .lines()
                .map(|l| {
                    if l.is_empty() {
                        String::new()
                    } else {
                        format!("{pad}{l}")
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect();
    out.splice(insert_at..insert_at, new_lines);
    let newline = if crlf { "\r\n" } else { "\n" };
    let mut joined = out.join(newline);
    joined.push_str(newline);
    Ok(joined)
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

    #[test]
    fn quotes_are_appended_to_any_shape_of_list() {
        let entry = "- id: a\n  text: A.\n".to_string();
        assert_eq!(
            append_quotes(
                "source:\n  title: T\nquotes: []  # none yet\n",
                vec![entry.clone()]
            )
            .unwrap(),
            "source:\n  title: T\nquotes:\n  - id: a\n    text: A.\n"
        );
        assert_eq!(
            append_quotes("source:\n  title: T\n", vec![entry.clone()]).unwrap(),
            "source:\n  title: T\nquotes:\n  - id: a\n    text: A.\n"
        );
        // Before a top-level key that follows the list.
        assert_eq!(
            append_quotes(
                "quotes:\n  - id: z\n    text: Z.\n\nsource:\n  title: T\n",
                vec![entry.clone()]
            )
            .unwrap(),
            "quotes:\n  - id: z\n    text: Z.\n  - id: a\n    text: A.\n\nsource:\n  title: T\n"
        );
        let flow = append_quotes(
            "source:\n  title: T\nquotes: [{id: z, text: Z.}]\n",
            vec![entry],
        );
        assert!(flow
            .unwrap_err()
            .contains("line 3: `quotes:` is a list written in brackets"));
    }

    #[test]
    fn values_are_quoted_only_where_yaml_needs_it() {
        assert_eq!(yaml_scalar("p. 8, loc. 120–122", 2), "p. 8, loc. 120–122");
        assert_eq!(yaml_scalar("Note: this", 2), "'Note: this'");
        assert_eq!(yaml_scalar("two\nlines", 2), "|-\n    two\n    lines");
        assert_eq!(yaml_flow_item("fault tolerance"), "fault tolerance");
        assert_eq!(yaml_flow_item("a, b"), "\"a, b\"");
    }
}
