//! Readwise's CSV export: one highlight a row, with the columns `Highlight, Book Title, Book
//! Author, Amazon Book ID, Note, Color, Tags, Location Type, Location, Highlighted at, Document
//! tags`. A highlight's tags become its concepts.

use std::path::Path;

use chrono::NaiveDate;

use super::{drop_remarked, Book, Export, ExportError, Highlight, Place, Skip, Span};
use crate::load::SourceKind;

/// The columns read; Readwise writes others too (`Color`, `Document tags`), which are left.
const COLUMNS: [&str; 8] = [
    "Highlight",
    "Book Title",
    "Book Author",
    "Amazon Book ID",
    "Note",
    "Tags",
    "Location Type",
    "Location",
];

pub fn parse(bytes: &[u8], file: &Path) -> Result<Export, ExportError> {
    let error = |line: usize, message: String| ExportError {
        file: file.to_path_buf(),
        line,
        message,
    };
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| error(1, format!("can't read the header row: {e}")))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let mut at = std::collections::HashMap::new();
    let mut missing = Vec::new();
    for name in COLUMNS {
        match column(name) {
            Some(i) => {
                at.insert(name, i);
            }
            None => missing.push(name),
        }
    }
    if !missing.is_empty() {
        return Err(error(
            1,
            format!(
                "this is not a Readwise CSV export: no {} column{} (found: {})",
                missing.join(", "),
                if missing.len() == 1 { "" } else { "s" },
                crate::text::excerpt(&headers.iter().collect::<Vec<_>>().join(", "), 80)
            ),
        ));
    }
    let highlighted_at = column("Highlighted at");
    let mut export = Export::default();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            error(line, format!("not a well-formed CSV row: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let field = |name: &str| record.get(at[name]).unwrap_or("").trim().to_string();
        let text = field("Highlight");
        if text.is_empty() {
            export.skipped.push(Skip::Empty { line });
            continue;
        }
        let title = field("Book Title");
        if title.is_empty() {
            return Err(error(
                line,
                "this highlight has no `Book Title`".to_string(),
            ));
        }
        let author = Some(field("Book Author")).filter(|a| !a.is_empty());
        let location_type = field("Location Type").to_lowercase();
        let location = field("Location");
        let mut place = Place::default();
        let number = || -> Option<Span> {
            let n: u32 = location.parse().ok()?;
            Some(Span::new(n, n))
        };
        match location_type.as_str() {
            _ if location.is_empty() => {}
            "location" => place.location = number(),
            "page" => place.page = number(),
            // Articles number highlights by order, podcasts by time: kept as written.
            "order" => {}
            other => place.other = Some(format!("{other} {location}").trim().to_string()),
        }
        let kind = if !field("Amazon Book ID").is_empty()
            || location_type == "location"
            || location_type == "page"
        {
            SourceKind::Book
        } else if location_type == "time" {
            SourceKind::Talk
        } else {
            SourceKind::Article
        };
        let date = highlighted_at
            .and_then(|i| record.get(i))
            .and_then(|d| NaiveDate::parse_from_str(d.trim().get(..10)?, "%Y-%m-%d").ok());
        let concepts = field("Tags")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        export.highlights.push(Highlight {
            book: Book {
                title,
                author,
                kind,
            },
            text,
            note: Some(field("Note")).filter(|n| !n.is_empty()),
            place,
            date,
            concepts,
            line,
        });
    }
    drop_remarked(&mut export);
    Ok(export)
}
