//! Front matter: the optional `---` YAML block at the top of a note or concept file, read
//! field by field so each wrong value is reported at its own line.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use serde_yaml_ng::{Mapping, Value};

use crate::diagnostic::{Diagnostic, Pos};
use crate::yaml;

/// A Markdown file cut into its front matter and its body.
pub struct Split<'a> {
    /// The YAML between the fences, if the file has front matter.
    pub yaml: Option<&'a str>,
    pub body: &'a str,
    /// The file line on which the body starts.
    pub body_line: usize,
}

/// Cuts `text` at its front matter fences. Front matter must open on the first line.
pub fn split<'a>(text: &'a str, path: &Path) -> Result<Split<'a>, Diagnostic> {
    let Some(after_open) = strip_fence_line(text, "---") else {
        return Ok(Split {
            yaml: None,
            body: text,
            body_line: 1,
        });
    };
    let mut offset = text.len() - after_open.len();
    // The opening fence is line 1, so the first YAML line is line 2.
    for (line, content) in (2..).zip(after_open.split_inclusive('\n')) {
        let trimmed = content.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let yaml = &text[text.len() - after_open.len()..offset];
            let body_start = offset + content.len();
            return Ok(Split {
                yaml: Some(yaml),
                body: &text[body_start..],
                body_line: line + 1,
            });
        }
        offset += content.len();
    }
    Err(Diagnostic::error(
        path,
        Pos::START,
        "front matter is never closed: add a line `---` after its last key",
    ))
}

fn strip_fence_line<'a>(text: &'a str, fence: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(fence)?;
    let line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
    rest[..line_end]
        .trim()
        .is_empty()
        .then(|| &rest[line_end..])
}

/// A yes-or-no value: not there (or empty), said, or neither yes nor no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YesNo {
    Missing,
    Said(bool),
    Unreadable,
}

/// Parsed front matter: typed getters that report wrong values as diagnostics.
pub struct FrontMatter<'a> {
    map: Mapping,
    yaml: &'a str,
    path: &'a Path,
    /// Whether a value of the wrong shape is a warning and left out, as Obsidian shows such a
    /// property and the note all the same, rather than an error (`strict: true`).
    lenient: bool,
}

/// The file line of front matter's first YAML line (line 1 is the opening `---`).
const FIRST_LINE: usize = 2;

impl<'a> FrontMatter<'a> {
    pub fn empty(path: &'a Path) -> Self {
        FrontMatter {
            map: Mapping::new(),
            yaml: "",
            path,
            lenient: false,
        }
    }

    pub fn parse(yaml: &'a str, path: &'a Path) -> Result<Self, Diagnostic> {
        let value: Value = serde_yaml_ng::from_str(yaml)
            .map_err(|err| yaml::error_diagnostic(&err, path, FIRST_LINE, "in front matter"))?;
        let map = match value {
            Value::Null => Mapping::new(),
            Value::Mapping(map) => map,
            other => {
                return Err(Diagnostic::error(
                    path,
                    Pos::new(FIRST_LINE, 1),
                    format!(
                        "front matter must be `key: value` lines, found {}",
                        yaml::describe(&other)
                    ),
                ))
            }
        };
        Ok(FrontMatter {
            map,
            yaml,
            path,
            lenient: false,
        })
    }

    /// Makes values of the wrong shape warnings (see [`FrontMatter::lenient`]).
    pub fn lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }

    /// A problem with a value: an error, or when lenient a warning, the value left out.
    pub fn problem(&self, pos: Pos, message: String) -> Diagnostic {
        if self.lenient {
            Diagnostic::warning(self.path, pos, format!("{message}; leaving it out"))
        } else {
            Diagnostic::error(self.path, pos, message)
        }
    }

    fn value(&self, key: &str) -> Option<&Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn pos(&self, key: &str) -> Pos {
        yaml::key_value_pos(self.yaml, key, FIRST_LINE).unwrap_or(Pos::new(FIRST_LINE, 1))
    }

    fn wrong_type(&self, key: &str, expected: &str, found: &Value) -> Diagnostic {
        self.problem(
            self.pos(key),
            format!(
                "`{key}` must be {expected}, found {}",
                yaml::describe(found)
            ),
        )
    }

    /// A text value; numbers and booleans are read as their text.
    pub fn string(&self, key: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
        match self.value(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                diagnostics.push(self.wrong_type(key, "text", other));
                None
            }
        }
    }

    /// A list of texts; a single text is read as a list of one, as Obsidian does for tags.
    /// Empty items (`- ` with nothing after it, as templates leave them) mean no value.
    pub fn list(&self, key: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<String> {
        let item = |value: &Value| match value {
            Value::String(s) => Some(Some(s.trim().to_string())),
            Value::Number(n) => Some(Some(n.to_string())),
            Value::Null => Some(None),
            _ => None,
        };
        let mut out = Vec::new();
        match self.value(key) {
            None => {}
            Some(Value::Sequence(items)) => {
                for value in items {
                    match item(value) {
                        Some(text) => out.extend(text),
                        None => diagnostics.push(self.wrong_type(key, "a list of names", value)),
                    }
                }
            }
            Some(value) => match item(value) {
                Some(text) => out.extend(text),
                None => diagnostics.push(self.wrong_type(key, "a list of names", value)),
            },
        }
        out.retain(|text| !text.is_empty());
        out
    }

    /// A yes or no, for the keys that decide what is published (`draft`, `publish`). A value
    /// that is neither is an error when strict; when lenient a warning, and the caller must
    /// not publish the text, since guessing could publish a private note.
    pub fn bool(&self, key: &str, diagnostics: &mut Vec<Diagnostic>) -> YesNo {
        match self.value(key) {
            None => YesNo::Missing,
            Some(Value::Bool(b)) => YesNo::Said(*b),
            // YAML 1.1's words for yes and no, which some vaults still write (`publish: no`):
            // their meaning is plain, and an error would stop a build for nothing.
            Some(Value::String(word)) if yes_or_no(word).is_some() => {
                YesNo::Said(yes_or_no(word).expect("just checked"))
            }
            Some(other) => {
                let message = format!(
                    "`{key}` must be true or false, found {}",
                    yaml::describe(other)
                );
                diagnostics.push(match self.lenient {
                    true => Diagnostic::warning(
                        self.path,
                        self.pos(key),
                        format!("{message}; not publishing the text until it is"),
                    ),
                    false => Diagnostic::error(self.path, self.pos(key), message),
                });
                YesNo::Unreadable
            }
        }
    }

    /// A `YYYY-MM-DD` date, optionally with a time after it, which is ignored.
    pub fn date(&self, key: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<NaiveDate> {
        let text = match self.value(key)? {
            Value::String(s) => s.clone(),
            other => {
                diagnostics.push(self.wrong_type(key, "a date written YYYY-MM-DD", other));
                return None;
            }
        };
        match parse_date(&text) {
            Ok(date) => Some(date),
            Err(problem) => {
                diagnostics.push(self.problem(self.pos(key), problem.message(key, &text)));
                None
            }
        }
    }

    /// Keys that differ from `key` only in case (`Publish`), which Obsidian Publish would not
    /// read but whose author meant it.
    pub fn misspelt(&self, key: &str) -> Option<&str> {
        self.map
            .keys()
            .filter_map(|k| k.as_str())
            .find(|k| *k != key && k.eq_ignore_ascii_case(key))
    }

    pub fn path(&self) -> &Path {
        self.path
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The wikilinks in the values of keys not in `known`, texts or lists of texts, in the
    /// order written.
    pub fn links(&self, known: &[&str]) -> Vec<PropertyLink> {
        let mut out = Vec::new();
        for (k, v) in &self.map {
            let Some(key) = k.as_str() else { continue };
            if known.contains(&key) {
                continue;
            }
            let texts: Vec<&str> = match v {
                Value::String(s) => vec![s.as_str()],
                Value::Sequence(items) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            for text in texts {
                for (target, label) in wikilinks_in(text) {
                    out.push(PropertyLink {
                        key: key.to_string(),
                        target,
                        label,
                        pos: self.pos(key),
                    });
                }
            }
        }
        out
    }

    /// Every key not in `known`, as JSON for templates (`page.extra.<key>`).
    pub fn extra(&self, known: &[&str]) -> BTreeMap<String, serde_json::Value> {
        self.map
            .iter()
            .filter_map(|(k, v)| {
                let key = k.as_str()?;
                if known.contains(&key) {
                    return None;
                }
                Some((key.to_string(), serde_json::to_value(v).ok()?))
            })
            .collect()
    }
}

fn yes_or_no(word: &str) -> Option<bool> {
    match word.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Some(true),
        "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// What the top-level `publish`, `dg-publish` and `draft` lines of front matter that could not
/// be read as a whole say: (publish, draft). `Unreadable` when such a line has a value that is
/// no yes or no, since then nobody can tell whether the note may be published.
pub fn publication_lines(yaml: &str) -> (super::publish::PublishFlag, bool) {
    use super::publish::PublishFlag;
    let mut publish = PublishFlag::Unsaid;
    let mut draft = false;
    let mut unreadable = false;
    for line in yaml.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().trim_matches(['"', '\'']);
        let read = yes_or_no(value);
        match key.trim_end().to_ascii_lowercase().as_str() {
            key @ ("publish" | "dg-publish") => match read {
                // `publish` over `dg-publish`, as when the front matter can be read.
                Some(yes) if publish == PublishFlag::Unsaid || key == "publish" => {
                    publish = PublishFlag::Says {
                        publish: yes,
                        key: if key == "publish" {
                            "publish"
                        } else {
                            "dg-publish"
                        },
                    }
                }
                Some(_) => {}
                None => unreadable = true,
            },
            "draft" => match read {
                Some(yes) => draft = yes,
                None => unreadable = true,
            },
            _ => {}
        }
    }
    match unreadable {
        true => (PublishFlag::Unreadable, draft),
        false => (publish, draft),
    }
}

/// A wikilink written as a property's value (`categories: ["[[Books]]"]`), which Obsidian
/// treats as a link from the note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyLink {
    pub key: String,
    /// The target, as written between `[[` and `]]` (before any `|`).
    pub target: String,
    /// The text after `|`, if any.
    pub label: Option<String>,
    pub pos: Pos,
}

/// The wikilinks in a text: (target, label).
fn wikilinks_in(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("[[") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("]]") else { break };
        let inner = &after[..end];
        let (target, label) = match inner.split_once('|') {
            Some((t, l)) => (t, Some(l.trim().to_string())),
            None => (inner, None),
        };
        if !target.trim().is_empty() {
            out.push((target.trim().to_string(), label));
        }
        rest = &after[end + 2..];
    }
    out
}

/// Why a date could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum DateProblem {
    /// Not written `YYYY-MM-DD`.
    Shape,
    /// Written `YYYY-MM-DD`, but no such day exists (`2026-02-30`).
    NoSuchDay,
}

impl DateProblem {
    pub fn message(&self, key: &str, written: &str) -> String {
        match self {
            DateProblem::Shape => {
                format!("`{key}` must be a date written YYYY-MM-DD, found `{written}`")
            }
            DateProblem::NoSuchDay => {
                let written = written.trim();
                let month = written
                    .get(..7)
                    .and_then(|ym| NaiveDate::parse_from_str(&format!("{ym}-01"), "%Y-%m-%d").ok());
                match month {
                    Some(first) => {
                        let days = first
                            .checked_add_months(chrono::Months::new(1))
                            .map_or(31, |next| (next - first).num_days());
                        format!(
                            "`{key}` is `{}`, a day that does not exist: {} has {days} days",
                            &written[..10],
                            first.format("%B %Y")
                        )
                    }
                    None => format!(
                        "`{key}` is `{}`, a day that does not exist: months run from 01 to 12",
                        &written[..10]
                    ),
                }
            }
        }
    }
}

/// Reads `YYYY-MM-DD`, as Obsidian's date properties are written, and also a date with a time
/// after it (`2024-03-14T09:30`, `2024-03-14 09:30:00`), as its date-and-time properties are.
pub fn parse_date(text: &str) -> Result<NaiveDate, DateProblem> {
    let text = text.trim();
    let (day, time) = match text.get(..10) {
        Some(day) => (day, &text[10..]),
        None => return Err(DateProblem::Shape),
    };
    let shaped = day.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        _ => b.is_ascii_digit(),
    });
    let time_shaped = time.is_empty()
        || ((time.starts_with('T') || time.starts_with(' '))
            && time[1..].trim().len() >= 4
            && time[1..]
                .trim()
                .bytes()
                .all(|b| b.is_ascii_digit() || b":.+-Z ".contains(&b)));
    if !shaped || !time_shaped {
        return Err(DateProblem::Shape);
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| DateProblem::NoSuchDay)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_counts_lines() {
        let text = "---\ntitle: A\n---\nBody\n";
        let split = split(text, Path::new("a.md")).unwrap();
        assert_eq!(split.yaml, Some("title: A\n"));
        assert_eq!(split.body, "Body\n");
        assert_eq!(split.body_line, 4);
    }

    #[test]
    fn no_front_matter() {
        let split = split("# Title\n", Path::new("a.md")).unwrap();
        assert!(split.yaml.is_none());
        assert_eq!(split.body_line, 1);
    }

    #[test]
    fn dates_with_times_and_days_that_do_not_exist() {
        let day = NaiveDate::from_ymd_opt(2024, 3, 14).unwrap();
        assert_eq!(parse_date("2024-03-14"), Ok(day));
        assert_eq!(parse_date(" 2024-03-14T09:30 "), Ok(day));
        assert_eq!(parse_date("2024-03-14 09:30:00"), Ok(day));
        assert_eq!(parse_date("2024-3-14"), Err(DateProblem::Shape));
        assert_eq!(parse_date("2024-03-14x"), Err(DateProblem::Shape));
        assert_eq!(parse_date("March 14"), Err(DateProblem::Shape));
        assert_eq!(parse_date("2026-02-30"), Err(DateProblem::NoSuchDay));
        assert_eq!(
            DateProblem::NoSuchDay.message("date", "2026-02-30"),
            "`date` is `2026-02-30`, a day that does not exist: February 2026 has 28 days"
        );
        assert_eq!(
            DateProblem::NoSuchDay.message("date", "2024-02-30"),
            "`date` is `2024-02-30`, a day that does not exist: February 2024 has 29 days"
        );
        assert_eq!(
            DateProblem::NoSuchDay.message("date", "2024-13-01"),
            "`date` is `2024-13-01`, a day that does not exist: months run from 01 to 12"
        );
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let err = split("---\ntitle: A\nBody\n", Path::new("a.md"))
            .err()
            .unwrap();
        assert_eq!(err.line, 1);
    }
}
