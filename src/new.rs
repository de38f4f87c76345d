//! `commonplace new note` and `commonplace new quote`: a note file with its front matter, or a
//! quote appended to its source's file as text (the file's formatting and comments stay).

use std::path::{Path, PathBuf};

use crate::lock::{self, Waiting};
use crate::quote_file::{self, normalize_text, Place, QuoteEntry, QuoteFileError};
use crate::site::{NotASite, SiteRoot};
use crate::slug::slugify;

/// Why nothing was added; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    #[error(transparent)]
    NotASite(#[from] NotASite),
    #[error(transparent)]
    QuoteFile(#[from] QuoteFileError),
    #[error(transparent)]
    Io(#[from] crate::fs::IoError),
    /// The message says what to change.
    #[error("{0}")]
    Content(String),
}

/// Makes `content/notes/<slug>.md` with a title, today's date and the concepts; never
/// overwrites a note. Returns the new file's path.
pub fn note(
    root: &Path,
    title: &str,
    concepts: &[String],
    waiting: &dyn Waiting,
) -> Result<PathBuf, NewError> {
    let site = SiteRoot::open(root)?;
    let slug = slugify(title);
    if slug.is_empty() {
        return Err(NewError::Content(format!(
            "`{}` has no letters or digits to name the note's file with",
            crate::text::excerpt(title, 80)
        )));
    }
    let path = site.notes_dir().join(format!("{slug}.md"));
    if path.exists() {
        return Err(NewError::Content(format!(
            "{} already exists; choose another title or edit that note",
            path.display()
        )));
    }
    let mut text = String::from("---\n");
    text.push_str(&format!("title: {}\n", quote_file::yaml_scalar(title, 2)));
    text.push_str(&format!(
        "date: {}\n",
        crate::text::iso_date(chrono::Local::now().date_naive())
    ));
    if !concepts.is_empty() {
        let names: Vec<String> = concepts
            .iter()
            .map(|c| quote_file::yaml_flow_item(c))
            .collect();
        text.push_str(&format!("concepts: [{}]\n", names.join(", ")));
    }
    text.push_str("---\n\n");
    // Under the lock, so two notes of one title never overwrite each other.
    let _lock = lock::acquire(&site, "new note", waiting)?;
    if path.exists() {
        return Err(NewError::Content(format!(
            "{} already exists; choose another title or edit that note",
            path.display()
        )));
    }
    quote_file::write_all(&[(path.clone(), text)])?;
    Ok(path)
}

/// Appends a quote to the file of source `source` (its id); returns the quote's global id
/// (`source/quote`), what links and embeds name it by.
pub fn quote(
    root: &Path,
    source: &str,
    text: &str,
    locator: Option<&str>,
    concepts: &[String],
    waiting: &dyn Waiting,
) -> Result<String, NewError> {
    let site = SiteRoot::open(root)?;
    if text.trim().is_empty() {
        return Err(NewError::Content("the quote has no text".to_string()));
    }
    // The file is read, changed and written under the lock: another append made meanwhile
    // is in the text this one starts from, so neither is lost.
    let lock = lock::acquire(&site, "new quote", waiting)?;
    quote_file::remove_interrupted_writes(&site, &lock);
    let files = quote_file::source_files(&site)?;
    let wanted = slugify(source);
    let Some(file) = files.iter().find(|f| f.source.id == wanted) else {
        let mut known: Vec<&str> = files.iter().map(|f| f.source.id.as_str()).collect();
        known.sort_by(|a, b| {
            strsim::jaro_winkler(b, &wanted)
                .total_cmp(&strsim::jaro_winkler(a, &wanted))
                .then(a.cmp(b))
        });
        let hint = match known.first() {
            Some(best) => format!("; did you mean `{best}`? (sources: {})", known.join(", ")),
            None => "; there are no quote files in content/quotes/ yet".to_string(),
        };
        return Err(NewError::Content(format!("no source `{source}`{hint}")));
    };
    if let Some(same) = file
        .source
        .quotes
        .iter()
        .find(|q| normalize_text(&q.text) == normalize_text(text))
    {
        return Err(NewError::Content(format!(
            "{} already has this text, as `{}/{}`",
            file.path.display(),
            file.source.id,
            same.id
        )));
    }
    // The id starts with where the quote is: `l120`/`p8` for locators as imports write them,
    // else the locator's first words (`ch-3`), else `q`.
    let place = locator.map(Place::from_locator).unwrap_or_default();
    let mut id = quote_file::quote_id(&place, text);
    if place.location.is_none() && place.page.is_none() {
        let start: String = slugify(locator.unwrap_or("")).chars().take(16).collect();
        let start = start.trim_end_matches('-');
        if !start.is_empty() {
            id = format!("{start}{}", id.strip_prefix('q').unwrap_or(&id));
        }
    }
    if file.source.quotes.iter().any(|q| q.id == id) {
        id = format!("{id}-{}", file.source.quotes.len() + 1);
    }
    let entry = QuoteEntry {
        id: id.clone(),
        text: text.trim().to_string(),
        locator: locator.map(str::to_string).filter(|l| !l.trim().is_empty()),
        date: Some(chrono::Local::now().date_naive()),
        concepts: concepts.to_vec(),
        note: None,
    };
    let new_text = quote_file::append_quotes(&file.text, vec![entry.to_yaml()])
        .map_err(|message| NewError::Content(format!("{}: {message}", file.path.display())))?;
    quote_file::check_written(&site, &file.path, &new_text, file.source.quotes.len() + 1)?;
    quote_file::write_all(&[(file.path.clone(), new_text)])?;
    Ok(format!("{}/{id}", file.source.id))
}
