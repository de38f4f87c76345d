//! Quote collections: `content/quotes/**/*.yaml`, one source and its quotes per file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize};

use super::Markdown;
use crate::diagnostic::{Diagnostic, Origin, Pos};
use crate::slug;
use crate::yaml;

/// A book, paper, talk or page that quotes come from.
#[derive(Debug, Clone)]
pub struct Source {
    pub file: PathBuf,
    pub id: String,
    pub id_pos: Pos,
    pub title: String,
    pub author: Option<String>,
    pub year: Option<String>,
    pub kind: SourceKind,
    pub url: Option<String>,
    /// What the file's `source: publish:` says: `false` keeps the source and all its quotes
    /// off the site.
    pub publish: super::publish::PublishFlag,
    pub quotes: Vec<Quote>,
}

impl Source {
    /// A quote's global id, what links, embeds, the index and messages name it by: its
    /// source's id and its own, `ddia/q1`.
    pub fn quote_id(&self, quote: &Quote) -> String {
        format!("{}/{}", self.id, quote.id)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    #[default]
    Book,
    Paper,
    Article,
    Talk,
    Web,
    Other,
}

/// One passage of a source, with where it is and what it is about.
#[derive(Debug, Clone)]
pub struct Quote {
    /// Unique within its source; the global id is `<source>/<id>`.
    pub id: String,
    pub text: String,
    pub locator: Option<String>,
    /// When the reader marked it (kept by imports from Kindle and Readwise).
    pub date: Option<chrono::NaiveDate>,
    pub concepts: Vec<String>,
    pub concepts_pos: Pos,
    /// The reader's annotation, Markdown that may hold wikilinks.
    pub note: Option<Markdown>,
    pub pos: Pos,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuoteFileYaml {
    source: SourceYaml,
    #[serde(default)]
    quotes: Vec<QuoteYaml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceYaml {
    #[serde(default, deserialize_with = "scalar")]
    id: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    title: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    author: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    year: Option<String>,
    #[serde(default)]
    kind: Option<SourceKind>,
    #[serde(default, deserialize_with = "scalar")]
    url: Option<String>,
    #[serde(default)]
    publish: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuoteYaml {
    #[serde(default, deserialize_with = "scalar")]
    id: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    text: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    locator: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    date: Option<String>,
    #[serde(default, alias = "tags", deserialize_with = "names")]
    concepts: Vec<String>,
    #[serde(default, deserialize_with = "scalar")]
    note: Option<String>,
}

/// Text, or a number or boolean read as text (`locator: 42`, `year: 2017`).
fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Int(i64),
        Float(f64),
        Bool(bool),
    }
    Ok(Option::<Scalar>::deserialize(d)?.map(|s| match s {
        Scalar::Text(t) => t,
        Scalar::Int(n) => n.to_string(),
        Scalar::Float(n) => n.to_string(),
        Scalar::Bool(b) => b.to_string(),
    }))
}

/// A list of names, or one name alone.
fn names<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Names {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<Names>::deserialize(d)? {
        None => Vec::new(),
        Some(Names::One(name)) => vec![name],
        Some(Names::Many(names)) => names,
    })
}

/// Whether a link written in the content may be a live link in a page: `http(s)://`, or no
/// scheme at all (a path on the site). Not `javascript:`, `data:`, `vbscript:` or `file:`,
/// which run code or reach the reader's own disk.
pub fn is_safe_link(url: &str) -> bool {
    matches!(
        crate::text::url_scheme(url).as_deref(),
        None | Some("http" | "https")
    )
}

pub fn parse(text: &str, file: &Path, relative: &str) -> (Option<Source>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let parsed: QuoteFileYaml = match serde_yaml_ng::from_str(text) {
        Ok(parsed) => parsed,
        Err(err) => {
            let problem = yaml::error_diagnostic(&err, file, 1, "in quote file");
            return (None, vec![problem]);
        }
    };
    let stem = super::file_stem(relative);
    let source_line = yaml::key_value_pos(text, "source", 1).unwrap_or(Pos::START);
    let source_key_pos = |key: &str| {
        // Keys of `source:` are indented under it.
        text.lines()
            .enumerate()
            .skip(source_line.line)
            .take_while(|(_, l)| l.is_empty() || l.starts_with(' ') || l.starts_with('#'))
            .find_map(|(i, l)| {
                let trimmed = l.trim_start();
                let rest = trimmed.strip_prefix(key)?.strip_prefix(':')?;
                let value = rest.trim_start();
                let col = l.len() - trimmed.len() + key.len() + 1 + (rest.len() - value.len());
                Some(Pos::new(i + 1, col + 1))
            })
            .unwrap_or(source_line)
    };

    let id_written = parsed.source.id.clone().unwrap_or_else(|| stem.to_string());
    let id = slug::slugify(&id_written);
    let id_pos = source_key_pos("id");
    if id.is_empty() {
        diagnostics.push(Diagnostic::error(
            file,
            id_pos,
            "this source has no usable id: set `id:` to a name of letters, digits and `-`",
        ));
        return (None, diagnostics);
    }
    let title = match parsed.source.title {
        Some(title) if !title.trim().is_empty() => title.trim().to_string(),
        _ => {
            diagnostics.push(Diagnostic::error(
                file,
                source_key_pos("title"),
                "the source has no `title`; add `title:` under `source:`",
            ));
            id_written.clone()
        }
    };

    let lines = yaml::Lines::new(text);
    let items = lines.block_list_items("quotes");
    let quotes_line = yaml::key_value_pos(text, "quotes", 1).unwrap_or(Pos::START);
    let item_key = |i: usize, key: &str| {
        lines
            .item_key_pos(&items, i, key, 1)
            .or_else(|| lines.item_pos(&items, i, 1))
            .unwrap_or(quotes_line)
    };
    let mut quotes = Vec::new();
    let mut first_line_of_id: HashMap<String, usize> = HashMap::new();
    for (i, q) in parsed.quotes.into_iter().enumerate() {
        let pos = lines.item_pos(&items, i, 1).unwrap_or(quotes_line);
        let Some(written_id) = q.id.filter(|id| !id.trim().is_empty()) else {
            diagnostics.push(Diagnostic::error(
                file,
                pos,
                "this quote has no `id`; give it one, unique in this file (it names the quote's page)",
            ));
            continue;
        };
        let quote_id = slug::slugify(&written_id);
        let id_pos = item_key(i, "id");
        if quote_id.is_empty() {
            diagnostics.push(Diagnostic::error(
                file,
                id_pos,
                format!("quote id `{written_id}` has no letters or digits"),
            ));
            continue;
        }
        if let Some(first) = first_line_of_id.get(&quote_id) {
            diagnostics.push(Diagnostic::error(
                file,
                id_pos,
                format!("duplicate quote id `{quote_id}`; the first is on line {first}"),
            ));
            continue;
        }
        first_line_of_id.insert(quote_id.clone(), id_pos.line);
        let text_value = q.text.unwrap_or_default();
        if text_value.trim().is_empty() {
            diagnostics.push(Diagnostic::error(
                file,
                item_key(i, "text"),
                format!("quote `{quote_id}` has no text"),
            ));
            continue;
        }
        let note = q.note.map(|note| {
            let note_pos = item_key(i, "note");
            Markdown::new(
                note,
                annotation_origin(&lines, note_pos),
                file.to_path_buf(),
                relative.rsplit_once('/').map_or("", |(d, _)| d).to_string(),
                &mut diagnostics,
            )
        });
        let date = q
            .date
            .and_then(|written| match super::front_matter::parse_date(&written) {
                Ok(date) => Some(date),
                Err(problem) => {
                    diagnostics.push(Diagnostic::error(
                        file,
                        item_key(i, "date"),
                        problem.message("date", &written),
                    ));
                    None
                }
            });
        quotes.push(Quote {
            id: quote_id,
            text: text_value.trim_end().to_string(),
            locator: q
                .locator
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty()),
            date,
            concepts: q.concepts,
            concepts_pos: item_key(i, "concepts"),
            note,
            pos,
        });
    }

    let source = Source {
        file: file.to_path_buf(),
        id,
        id_pos,
        title,
        author: parsed.source.author.filter(|a| !a.trim().is_empty()),
        year: parsed.source.year,
        kind: parsed.source.kind.unwrap_or_default(),
        url: parsed
            .source
            .url
            .map(|url| url.trim().to_string())
            .filter(|url| !url.is_empty())
            .filter(|url| {
                let safe = is_safe_link(url);
                if !safe {
                    diagnostics.push(Diagnostic::warning(
                        file,
                        source_key_pos("url"),
                        format!(
                            "`url: {}` is not linked: a source's url is an http(s) address or a \
                             path on the site",
                            crate::text::excerpt(url, 80)
                        ),
                    ));
                }
                safe
            }),
        publish: match parsed.source.publish {
            Some(publish) => super::publish::PublishFlag::Says {
                publish,
                key: "publish",
            },
            None => super::publish::PublishFlag::Unsaid,
        },
        quotes,
    };
    (Some(source), diagnostics)
}

/// Where an annotation's text starts: on the line after `note: |` (indented like that block),
/// or right after `note: ` for an inline value.
fn annotation_origin(lines: &yaml::Lines, value_pos: Pos) -> Origin {
    let line = lines.line(value_pos.line - 1);
    let value: String = line.chars().skip(value_pos.column - 1).collect();
    let value = value.trim();
    if value.starts_with('|') || value.starts_with('>') {
        let next = lines.line(value_pos.line);
        let indent = next.len() - next.trim_start().len();
        Origin {
            line: value_pos.line + 1,
            indent,
            first_line_column: indent,
        }
    } else {
        Origin {
            line: value_pos.line,
            indent: 0,
            first_line_column: value_pos.column - 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_addresses_and_site_paths_are_links() {
        for safe in [
            "https://dataintensive.net/",
            "HTTP://x.org",
            "/notes/a/",
            "b.pdf",
            "//cdn.x/y",
            "notes/a:b",
        ] {
            assert!(is_safe_link(safe), "{safe}");
        }
        for unsafe_ in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "\u{1}javascript:x",
            "data:text/html,x",
            "vbscript:x",
            "file:///etc/passwd",
            "mailto:a@b",
        ] {
            assert!(!is_safe_link(unsafe_), "{unsafe_:?}");
        }
    }

    const FILE: &str = "source:\n  title: DDIA\n  author: Martin Kleppmann\nquotes:\n  - id: a\n    text: One.\n    locator: ch. 1\n  - id: a\n    text: Two.\n  - id: b\n    text: \"\"\n";

    #[test]
    fn duplicate_ids_and_empty_text_are_reported_at_their_lines() {
        let (source, d) = parse(
            FILE,
            Path::new("content/quotes/ddia.yaml"),
            "quotes/ddia.yaml",
        );
        let source = source.unwrap();
        assert_eq!(source.id, "ddia");
        assert_eq!(source.quotes.len(), 1);
        let lines: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            lines,
            [
                "content/quotes/ddia.yaml:8:9: error: duplicate quote id `a`; the first is on line 5",
                "content/quotes/ddia.yaml:11:11: error: quote `b` has no text",
            ]
        );
    }
}
