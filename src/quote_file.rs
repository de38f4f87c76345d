//! Quote files as text: `commonplace import` and `commonplace new quote` both add quotes to
//! `content/quotes/*.yaml` by appending list items to the file's text, never by serializing
//! it again, so its formatting, comments, order and every hand edit stay as they were. Every
//! new text is read back by the loader before any is written, and all are written by rename.
//!
//! Also here: how a quote's place is written (`p. 8, loc. 120–122`) and read back, and the
//! ids quotes get from their place and text.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::load::{Source, SourceKind};
use crate::site::{SiteRoot, CONTENT_DIR};

/// A quote file that cannot be added to as asked; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum QuoteFileError {
    #[error(transparent)]
    Io(#[from] crate::fs::IoError),
    /// The message names the file and what to do.
    #[error("{0}")]
    Content(String),
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
    pub(crate) fn shared(self, other: Span) -> u32 {
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
    pub(crate) fn id_prefix(&self) -> String {
        match (self.location, self.page) {
            (Some(location), _) => format!("l{}", location.start),
            (None, Some(page)) => format!("p{}", page.start),
            (None, None) => "q".to_string(),
        }
    }
}

/// Text with its white space collapsed, for comparing and hashing; without control
/// characters, as the loader reads it and [`yaml_scalar`] writes it.
pub(crate) fn normalize_text(text: &str) -> String {
    let (text, _) = crate::text::remove_controls(text);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A quote id from the place and the text: stable across imports, so importing the same
/// highlights again finds them, and a quote's page never moves.
pub fn quote_id(place: &Place, text: &str) -> String {
    let hash = xxhash_rust::xxh3::xxh3_64(normalize_text(text).as_bytes());
    format!("{}-{:06x}", place.id_prefix(), hash >> 40)
}

/// [`quote_id`] with the whole hash, for a text whose short id another text at the same place
/// already has.
pub fn long_quote_id(place: &Place, text: &str) -> String {
    let hash = xxhash_rust::xxh3::xxh3_64(normalize_text(text).as_bytes());
    format!("{}-{hash:016x}", place.id_prefix())
}

/// A quote file as the site has it: its text and what the loader read from it.
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    pub source: crate::load::Source,
}

/// Removes the temporary files of writes a killed `import` or `new quote` did not finish
/// (each holds a whole new text that was never renamed into place). Only under the site lock:
/// a live writer's temporary file must not go.
pub fn remove_interrupted_writes(site: &SiteRoot, _lock: &crate::lock::SiteLock) {
    let dir = site.quotes_dir();
    for entry in walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file()
            && name.starts_with('.')
            && name.ends_with(crate::fs::TEMPORARY_SUFFIX)
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The quote files under `content/quotes/`. A file with errors stops whatever was to add to
/// it (the message names them): appending to a file the loader cannot read could not be
/// checked.
pub fn source_files(site: &SiteRoot) -> Result<Vec<SourceFile>, QuoteFileError> {
    let dir = site.quotes_dir();
    let mut files = Vec::new();
    if !dir.is_dir() {
        return Ok(files);
    }
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let entry =
            entry.map_err(|e| QuoteFileError::Content(format!("{}: {e}", dir.display())))?;
        let path = entry.path();
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if !entry.file_type().is_file() || !is_yaml {
            continue;
        }
        let text = String::from_utf8_lossy(&crate::fs::read(path)?).into_owned();
        let (source, errors) = read_quote_file(site, path, &text);
        match source {
            Some(source) if errors.is_empty() => files.push(SourceFile {
                path: path.to_path_buf(),
                text,
                source,
            }),
            _ => {
                return Err(QuoteFileError::Content(format!(
                    "{}\nfix this quote file first; nothing was imported",
                    errors.join("\n")
                )))
            }
        }
    }
    Ok(files)
}

/// Reads a file's new text back with the loader: it must hold every quote it held plus the
/// new ones, with no errors, or nothing is written.
pub fn check_written(
    site: &SiteRoot,
    path: &Path,
    text: &str,
    quotes: usize,
) -> Result<(), QuoteFileError> {
    let (source, errors) = read_quote_file(site, path, text);
    match source {
        Some(source) if errors.is_empty() && source.quotes.len() == quotes => Ok(()),
        _ => Err(QuoteFileError::Content(format!(
            "the new text of {} would not read back ({}); nothing was written",
            path.strip_prefix(site.dir()).unwrap_or(path).display(),
            errors.join("; ")
        ))),
    }
}

/// A quote file's text read as the loader reads it, with its errors as `file:line:col` lines.
pub fn read_quote_file(site: &SiteRoot, path: &Path, text: &str) -> (Option<Source>, Vec<String>) {
    let shown = path.strip_prefix(site.dir()).unwrap_or(path);
    let relative = shown
        .strip_prefix(CONTENT_DIR)
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
pub fn write_all(files: &[(PathBuf, String)]) -> Result<(), QuoteFileError> {
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

/// The start of a new quote file, for a source with this id.
pub fn new_file_text(id: &str, title: &str, author: Option<&str>, kind: SourceKind) -> String {
    let mut text = String::from("source:\n");
    text.push_str(&format!("  id: {}\n", yaml_scalar(id, 2)));
    text.push_str(&format!("  title: {}\n", yaml_scalar(title, 2)));
    if let Some(author) = author {
        text.push_str(&format!("  author: {}\n", yaml_scalar(author, 2)));
    }
    let kind = serde_yaml_ng::to_string(&kind).unwrap_or_default();
    text.push_str(&format!("  kind: {}\n", kind.trim()));
    text.push_str("quotes:\n");
    text
}

/// A new quote, as its file will hold it.
#[derive(Debug, Clone, Default)]
pub struct QuoteEntry {
    pub id: String,
    pub text: String,
    pub locator: Option<String>,
    /// When the reader marked it.
    pub date: Option<NaiveDate>,
    pub concepts: Vec<String>,
    /// The reader's note on it.
    pub note: Option<String>,
}

impl QuoteEntry {
    /// The quote as a list item, its keys indented two more than the dash (which is at column
    /// 0; [`append_quotes`] indents it to the file's list).
    pub fn to_yaml(&self) -> String {
        let mut entry = format!("- id: {}\n", yaml_scalar(&self.id, 2));
        entry.push_str(&format!("  text: {}\n", yaml_scalar(&self.text, 2)));
        if let Some(locator) = &self.locator {
            entry.push_str(&format!("  locator: {}\n", yaml_scalar(locator, 2)));
        }
        if let Some(date) = self.date {
            entry.push_str(&format!("  date: {}\n", crate::text::iso_date(date)));
        }
        if !self.concepts.is_empty() {
            let names: Vec<String> = self.concepts.iter().map(|c| yaml_flow_item(c)).collect();
            entry.push_str(&format!("  concepts: [{}]\n", names.join(", ")));
        }
        if let Some(note) = &self.note {
            entry.push_str(&format!("  note: {}\n", yaml_scalar(note, 2)));
        }
        entry
    }
}

/// A string as a YAML value after `key: `, with any continuation lines indented by `indent`
/// (serde_yaml chooses plain, quoted or a block, whichever reads back as the same text).
/// Control characters are left out (the loader would remove them with a warning on every
/// build): what an export or a terminal pasted in with the text is not part of it.
pub fn yaml_scalar(value: &str, indent: usize) -> String {
    let (value, _) = crate::text::remove_controls(value);
    let written = serde_yaml_ng::to_string(&*value).unwrap_or_default();
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            yaml_scalar("pasted\u{1b}[0m \u{0}text", 2),
            "pasted[0m text"
        );
        assert_eq!(yaml_flow_item("fault tolerance"), "fault tolerance");
        assert_eq!(yaml_flow_item("a, b"), "\"a, b\"");
    }
}
