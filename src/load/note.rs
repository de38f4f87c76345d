//! Notes: `content/notes/**/*.md`, Markdown with optional YAML front matter.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;

use super::front_matter::{self, FrontMatter};
use super::Markdown;
use crate::diagnostic::{Diagnostic, Origin, Pos};
use crate::slug;

#[derive(Debug, Clone)]
pub struct Note {
    /// The file, relative to the site root.
    pub file: std::path::PathBuf,
    /// `ch1/load-parameters`; the page is `/notes/<slug>/`.
    pub slug: String,
    pub title: String,
    pub date: Option<NaiveDate>,
    /// Concept names as written; the link stage normalizes them.
    pub concepts: Vec<String>,
    pub concepts_pos: Pos,
    pub sources: Vec<String>,
    pub sources_pos: Pos,
    pub draft: bool,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    /// Front matter keys this tool does not know, passed to templates as `note.extra`.
    pub extra: BTreeMap<String, serde_json::Value>,
    pub body: Markdown,
}

const KNOWN_KEYS: &[&str] = &[
    "title", "date", "concepts", "tags", "sources", "draft", "aliases", "summary",
];

/// Parses one note. `relative` is its path under `content/`.
pub fn parse(text: &str, file: &Path, relative: &str) -> (Option<Note>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let split = match front_matter::split(text, file) {
        Ok(split) => split,
        Err(problem) => return (None, vec![problem]),
    };
    let fm = match split.yaml {
        Some(yaml) => match FrontMatter::parse(yaml, file) {
            Ok(fm) => fm,
            Err(problem) => return (None, vec![problem]),
        },
        None => FrontMatter::empty(file),
    };

    let under_notes = relative.strip_prefix("notes/").unwrap_or(relative);
    let without_ext = &under_notes[..under_notes.len() - ".md".len()];
    let slug = slug::slugify_path(without_ext);
    let stem = without_ext.rsplit('/').next().unwrap_or(without_ext);
    let dir = relative
        .rsplit_once('/')
        .map_or("", |(dir, _)| dir)
        .to_string();

    let title = match fm.string("title", &mut diagnostics) {
        Some(title) if title.trim().is_empty() => {
            diagnostics.push(Diagnostic::error(
                file,
                fm.pos("title"),
                "`title` is empty; write a title or remove the key to use the first heading",
            ));
            stem.to_string()
        }
        Some(title) => title.trim().to_string(),
        None => first_heading(split.body).unwrap_or_else(|| stem.to_string()),
    };
    if slug.is_empty() {
        diagnostics.push(Diagnostic::error(
            file,
            Pos::START,
            "this file name has no letters or digits to make a page URL from; rename it",
        ));
        return (None, diagnostics);
    }

    let mut concepts = fm.list("concepts", &mut diagnostics);
    let concepts_pos = if fm.has("concepts") {
        fm.pos("concepts")
    } else {
        fm.pos("tags")
    };
    concepts.extend(fm.list("tags", &mut diagnostics));

    let note = Note {
        file: file.to_path_buf(),
        date: fm.date("date", &mut diagnostics),
        concepts,
        concepts_pos,
        sources: fm.list("sources", &mut diagnostics),
        sources_pos: fm.pos("sources"),
        draft: fm.bool("draft", &mut diagnostics),
        aliases: fm.list("aliases", &mut diagnostics),
        summary: fm.string("summary", &mut diagnostics),
        extra: fm.extra(KNOWN_KEYS),
        body: Markdown {
            text: split.body.to_string(),
            origin: Origin::at_line(split.body_line),
            file: file.to_path_buf(),
            dir,
        },
        slug,
        title,
    };
    (Some(note), diagnostics)
}

/// The text of the first `# ` heading outside code fences: a title for a note without one.
fn first_heading(body: &str) -> Option<String> {
    let mut in_fence = false;
    for line in body.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if let Some(heading) = trimmed.strip_prefix("# ") {
            let heading = heading.trim().trim_end_matches('#').trim();
            if !heading.is_empty() {
                return Some(heading.to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_falls_back_to_heading_then_file_name() {
        let (note, d) = parse(
            "Intro\n\n# The Title\n",
            Path::new("content/notes/x.md"),
            "notes/x.md",
        );
        assert!(d.is_empty());
        assert_eq!(note.unwrap().title, "The Title");
        let (note, _) = parse(
            "no heading",
            Path::new("content/notes/My Note.md"),
            "notes/My Note.md",
        );
        let note = note.unwrap();
        assert_eq!(note.title, "My Note");
        assert_eq!(note.slug, "my-note");
    }

    #[test]
    fn bad_date_is_reported_at_its_line() {
        let text = "---\ntitle: A\ndate: 2021-13-01\n---\n";
        let (_, d) = parse(text, Path::new("content/notes/a.md"), "notes/a.md");
        assert_eq!(
            d[0].to_string(),
            "content/notes/a.md:3:7: error: `date` must be a date written YYYY-MM-DD, found `2021-13-01`"
        );
    }
}
