//! A Kindle's `My Clippings.txt`: entries of a title line (`Title (Author)`), a metadata line
//! (`- Your Highlight on page 8 | Location 120-122 | Added on Monday, March 4, 2024 ...`), a
//! blank line, the text, and a line of ten `=`. Metadata lines differ by firmware and by the
//! Kindle's language; English, Spanish, German, French, Italian and Portuguese are read, and a
//! line that cannot be read keeps its text, with no locator and a warning naming the line.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use super::{drop_remarked, Book, Export, ExportError, Highlight, Place, PlaceIndex, Skip, Span};
use crate::diagnostic::Diagnostic;
use crate::load::SourceKind;
use crate::text::excerpt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Highlight,
    Note,
    Bookmark,
}

/// Words that say what an entry is, in the languages read.
const HIGHLIGHT: &[&str] = &[
    "highlight",
    "subrayado",
    "markierung",
    "surlignement",
    "evidenziazione",
    "destaque",
    "clip",
];
const NOTE: &[&str] = &["note", "nota", "notiz"];
const BOOKMARK: &[&str] = &[
    "bookmark",
    "marcador",
    "lesezeichen",
    "signet",
    "segnalibro",
];
const PAGE: &[&str] = &["page", "página", "pagina", "seite"];
const LOCATION: &[&str] = &[
    "location",
    "loc.",
    "posición",
    "posicion",
    "position",
    "emplacement",
    "posizione",
    "posição",
    "posicao",
];
const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("enero", 1),
    ("febrero", 2),
    ("marzo", 3),
    ("abril", 4),
    ("mayo", 5),
    ("junio", 6),
    ("julio", 7),
    ("agosto", 8),
    ("septiembre", 9),
    ("setiembre", 9),
    ("octubre", 10),
    ("noviembre", 11),
    ("diciembre", 12),
    ("januar", 1),
    ("jänner", 1),
    ("februar", 2),
    ("märz", 3),
    ("mai", 5),
    ("juni", 6),
    ("juli", 7),
    ("oktober", 10),
    ("dezember", 12),
    ("janvier", 1),
    ("février", 2),
    ("mars", 3),
    ("avril", 4),
    ("juin", 6),
    ("juillet", 7),
    ("août", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("gennaio", 1),
    ("febbraio", 2),
    ("aprile", 4),
    ("maggio", 5),
    ("giugno", 6),
    ("luglio", 7),
    ("settembre", 9),
    ("ottobre", 10),
    ("dicembre", 12),
    ("janeiro", 1),
    ("fevereiro", 2),
    ("março", 3),
    ("maio", 5),
    ("junho", 6),
    ("julho", 7),
    ("setembro", 9),
    ("outubro", 10),
    ("novembro", 11),
    ("dezembro", 12),
];

/// The entries of a clippings file, as highlights: notes attached to the highlight whose
/// locations hold theirs, bookmarks skipped, passages marked again kept once (the last).
pub fn parse(text: &str, file: &Path) -> Result<Export, ExportError> {
    let mut export = Export::default();
    let lines: Vec<&str> = text.lines().collect();
    let mut notes: Vec<(Book, Place, String, usize)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        // Skip blank lines and stray separators between entries.
        let line = clean(lines[i]);
        if line.is_empty() || is_separator(line) {
            i += 1;
            continue;
        }
        let title_line = i + 1;
        let book = book(line);
        let Some(meta) = lines.get(i + 1).map(|l| clean(l)) else {
            return Err(ExportError {
                file: file.to_path_buf(),
                line: title_line,
                message: format!(
                    "`{}` is not followed by a line starting `- ` (`- Your Highlight on ...`); is this a Kindle's My Clippings.txt?",
                    excerpt(line, 80)
                ),
            });
        };
        if !meta.starts_with('-') {
            return Err(ExportError {
                file: file.to_path_buf(),
                line: title_line + 1,
                message: format!(
                    "expected the line after a book's title to start `- ` (`- Your Highlight on page 8 | ...`), found `{}`; is this a Kindle's My Clippings.txt?",
                    excerpt(meta, 80)
                ),
            });
        }
        // The text runs from after the blank line to the separator.
        let mut end = i + 2;
        while end < lines.len() && !is_separator(clean(lines[end])) {
            end += 1;
        }
        let body: Vec<&str> = lines[(i + 2).min(end)..end]
            .iter()
            .map(|l| clean(l))
            .collect();
        let content = body.join("\n").trim().to_string();
        let meta_line = title_line + 1;
        let (kind, place, date, understood) = metadata(meta);
        i = end + 1;
        let read = kind.is_some();
        let kind = match kind {
            Some(kind) => kind,
            None => {
                export.warnings.push(Diagnostic::warning(
                    file,
                    super::at_line(meta_line),
                    format!("can't read this metadata line, so the text is kept as a highlight with no locator: `{}`", excerpt(meta, 80)),
                ));
                Kind::Highlight
            }
        };
        let place = if understood || kind == Kind::Bookmark {
            place
        } else if kind == Kind::Highlight && read {
            export.warnings.push(Diagnostic::warning(
                file,
                super::at_line(meta_line),
                format!(
                    "can't find a page or location in `{}`; the text is kept with no locator",
                    excerpt(meta, 80)
                ),
            ));
            Place::default()
        } else {
            place
        };
        match kind {
            Kind::Bookmark => export.skipped.push(Skip::Bookmark),
            _ if content.is_empty() => export.skipped.push(Skip::Empty { line: title_line }),
            Kind::Note => notes.push((book, place, content, title_line)),
            Kind::Highlight => export.highlights.push(Highlight {
                book,
                text: content,
                note: None,
                place,
                date,
                concepts: Vec::new(),
                line: title_line,
            }),
        }
    }
    drop_remarked(&mut export);
    // Each book's highlights by place, to find the one a note belongs to.
    let mut books: HashMap<Book, PlaceIndex> = HashMap::new();
    for (i, highlight) in export.highlights.iter().enumerate() {
        let index = books.entry(highlight.book.clone()).or_default();
        index.add(&highlight.place, i);
    }
    books.values_mut().for_each(PlaceIndex::sort);
    for (book, place, note, line) in notes {
        // A note sits at the location (or page) where its highlight ends.
        let at = |h: &Highlight| -> bool {
            if h.book != book {
                return false;
            }
            match (h.place.location, place.location, h.place.page, place.page) {
                (Some(range), Some(spot), _, _) => {
                    spot.start >= range.start && spot.start <= range.end
                }
                (_, _, Some(range), Some(spot)) => {
                    spot.start >= range.start && spot.start <= range.end
                }
                _ => false,
            }
        };
        // The spot where the note is, as a place of one position.
        let spot = Place {
            location: place.location.map(|s| Span::new(s.start, s.start)),
            page: place.page.map(|s| Span::new(s.start, s.start)),
            ..Place::default()
        };
        let candidates = books.get(&book).map(|index| index.meeting(&spot));
        let last = candidates
            .unwrap_or_default()
            .into_iter()
            .rev()
            .find(|&i| at(&export.highlights[i]));
        match last {
            Some(i) => {
                let highlight = &mut export.highlights[i];
                highlight.note = Some(match highlight.note.take() {
                    // The same note twice (an export that repeats an entry) is one note.
                    Some(earlier) if super::is_paragraph_of(&earlier, &note) => earlier,
                    Some(earlier) => format!("{earlier}\n\n{note}"),
                    None => note,
                })
            }
            None => export.skipped.push(Skip::LoneNote { line }),
        }
    }
    Ok(export)
}

/// A line without the byte-order marks and carriage returns Kindles leave in it.
fn clean(line: &str) -> &str {
    line.trim_start_matches('\u{feff}')
        .trim_end_matches('\r')
        .trim_end()
}

fn is_separator(line: &str) -> bool {
    line.len() >= 10 && line.chars().all(|c| c == '=')
}

/// `Title (Author)`: the author is in the last parentheses that end the line; titles may hold
/// parentheses of their own.
fn book(line: &str) -> Book {
    let line = line.trim();
    if let Some(inner) = line.strip_suffix(')') {
        let mut depth = 0;
        for (at, c) in inner.char_indices().rev() {
            match c {
                ')' => depth += 1,
                '(' if depth > 0 => depth -= 1,
                '(' => {
                    let title = inner[..at].trim();
                    let author = inner[at + 1..].trim();
                    if !title.is_empty() {
                        return Book {
                            title: title.to_string(),
                            author: (!author.is_empty()).then(|| author.to_string()),
                            kind: SourceKind::Book,
                        };
                    }
                    break;
                }
                _ => {}
            }
        }
    }
    Book {
        title: line.to_string(),
        author: None,
        kind: SourceKind::Book,
    }
}

/// What a metadata line says: the kind of entry, its place, its date, and whether a page or
/// location was found.
fn metadata(line: &str) -> (Option<Kind>, Place, Option<NaiveDate>, bool) {
    let lower = line.trim_start_matches('-').trim().to_lowercase();
    let segments: Vec<&str> = lower.split('|').map(str::trim).collect();
    let first_words: Vec<&str> = segments
        .first()
        .map(|s| s.split_whitespace().collect())
        .unwrap_or_default();
    let has = |words: &[&str]| first_words.iter().take(3).any(|w| words.contains(w));
    let kind = if has(BOOKMARK) {
        Some(Kind::Bookmark)
    } else if has(HIGHLIGHT) {
        Some(Kind::Highlight)
    } else if has(NOTE) {
        Some(Kind::Note)
    } else {
        None
    };
    let mut place = Place::default();
    let mut date = None;
    for segment in &segments {
        let words: Vec<&str> = segment.split_whitespace().collect();
        for (w, word) in words.iter().enumerate() {
            let Some(next) = words.get(w + 1) else {
                continue;
            };
            if PAGE.contains(word) && place.page.is_none() && place.page_label.is_none() {
                match span(next) {
                    Some(s) => place.page = Some(s),
                    None if next.chars().all(|c| "ivxlcdm".contains(c)) => {
                        place.page_label = Some(next.to_string())
                    }
                    None => {}
                }
            }
            if LOCATION.contains(word) && place.location.is_none() {
                place.location = span(next);
            }
        }
        // Old firmware: `Highlight Loc. 1234-36`, the location in the first segment too,
        // which the loop above reads; a date is the segment with a year and a month name.
        if date.is_none() {
            date = parse_date(segment);
        }
    }
    let understood = place.page.is_some() || place.page_label.is_some() || place.location.is_some();
    (kind, place, date, understood)
}

/// `120`, `120-122`, and old firmware's `1234-36` (the end written with its last digits).
fn span(text: &str) -> Option<Span> {
    let text = text.trim_end_matches([',', '.', ';']);
    let (a, b) = match text.split_once(['-', '–']) {
        Some((a, b)) => (a, b),
        None => (text, text),
    };
    let start: u32 = a.parse().ok()?;
    let written: u32 = b.parse().ok()?;
    let mut end = written;
    if end < start {
        let scale = 10u32.checked_pow(b.len() as u32)?;
        end = start - start % scale + written;
        if end < start {
            end += scale;
        }
    }
    Some(Span::new(start, end))
}

/// A date in any of the languages read: a year of four digits, a month by name, and the day
/// (the number of one or two digits nearest the month).
fn parse_date(segment: &str) -> Option<NaiveDate> {
    let words: Vec<&str> = segment
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let year: i32 = words
        .iter()
        .find(|w| w.len() == 4 && w.chars().all(|c| c.is_ascii_digit()))?
        .parse()
        .ok()?;
    let (month_at, month) = words.iter().enumerate().find_map(|(i, w)| {
        let w = w.trim_end_matches('.');
        MONTHS
            .iter()
            .find(|(name, _)| *name == w)
            .map(|(_, m)| (i, *m))
    })?;
    let day_of = |w: &&str| -> Option<u32> {
        let w = w.trim_end_matches('.');
        (w.len() <= 2).then(|| w.parse().ok()).flatten()
    };
    // English puts the day after the month, the others before it.
    let day = words
        .get(month_at + 1)
        .and_then(day_of)
        .or_else(|| {
            month_at
                .checked_sub(1)
                .and_then(|i| words.get(i))
                .and_then(day_of)
        })
        .or_else(|| {
            month_at
                .checked_sub(2)
                .and_then(|i| words.get(i))
                .and_then(day_of)
        })?;
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_keep_their_own_parentheses() {
        let b = book("The (Mis)Behavior of Markets (Mandelbrot, Benoit; Hudson, Richard)");
        assert_eq!(b.title, "The (Mis)Behavior of Markets");
        assert_eq!(
            b.author.as_deref(),
            Some("Mandelbrot, Benoit; Hudson, Richard")
        );
        assert_eq!(book("notes-on-consensus").author, None);
    }

    #[test]
    fn old_firmware_writes_the_end_of_a_range_short() {
        assert_eq!(span("1234-36"), Some(Span::new(1234, 1236)));
        assert_eq!(span("1298-302"), Some(Span::new(1298, 1302)));
        assert_eq!(span("120-122"), Some(Span::new(120, 122)));
        assert_eq!(span("99"), Some(Span::new(99, 99)));
    }

    #[test]
    fn dates_are_read_in_several_languages() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 4);
        for text in [
            "added on monday, march 4, 2024 9:05:12 pm",
            "añadido el lunes, 4 de marzo de 2024 21:05:12",
            "hinzugefügt am montag, 4. märz 2024 21:05:12",
            "ajouté le lundi 4 mars 2024 21:05:12",
        ] {
            assert_eq!(parse_date(text), date, "{text}");
        }
    }
}
