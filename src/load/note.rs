//! Notes: `content/notes/**/*.md`, Markdown with optional YAML front matter.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;

use super::front_matter::{self, FrontMatter, YesNo};
use super::publish::PublishFlag;
use super::Markdown;
use crate::diagnostic::{Diagnostic, Origin, Pos, Severity};
use crate::slug;

#[derive(Debug, Clone)]
pub struct Note {
    /// The file, relative to the site root.
    pub file: std::path::PathBuf,
    /// `ch1/load-parameters`; the page is `/notes/<slug>/`.
    pub slug: String,
    pub title: String,
    pub date: Option<NaiveDate>,
    /// Concept names as written (its `concepts` and its `tags`); the link stage normalizes them.
    pub concepts: Vec<String>,
    /// The names its front matter's `tags` gave, which read as Obsidian tags.
    pub tags: Vec<String>,
    pub concepts_pos: Pos,
    pub sources: Vec<String>,
    pub sources_pos: Pos,
    pub draft: bool,
    /// What its front matter says about publishing it.
    pub publish: PublishFlag,
    /// Why the published site leaves it out, in a preview that shows it all the same.
    pub withheld: Option<super::publish::Withholding>,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    /// The byte offset in the body of the opening `# heading` that says what the title says,
    /// which the page shows once, as its title, not again in the text.
    pub title_heading: Option<usize>,
    /// Front matter keys this tool does not know, passed to templates as `note.extra`.
    pub extra: BTreeMap<String, serde_json::Value>,
    /// Wikilinks in those keys' values, which link from the note as in Obsidian.
    pub property_links: Vec<front_matter::PropertyLink>,
    pub body: Markdown,
}

impl Note {
    /// The file's path under `content/`, with `/` between folders: `notes/ch1/Load
    /// Parameters.md`.
    pub fn content_path(&self) -> String {
        let file = crate::diagnostic::display_path(&self.file);
        match file
            .strip_prefix(crate::site::CONTENT_DIR)
            .and_then(|rest| rest.strip_prefix('/'))
        {
            Some(rest) => rest.to_string(),
            None => file,
        }
    }

    /// The file's path under `content/notes/`: `ch1/Load Parameters.md`.
    pub fn notes_path(&self) -> String {
        let path = self.content_path();
        match path.strip_prefix("notes/") {
            Some(rest) => rest.to_string(),
            None => path,
        }
    }
}

const KNOWN_KEYS: &[&str] = &[
    "title",
    "date",
    "concepts",
    "tags",
    "sources",
    "draft",
    "publish",
    "dg-publish",
    "aliases",
    "summary",
];

/// Parses one note. `relative` is its path under `content/`. Unless `strict`, front matter
/// that cannot be read is a warning and the note is published without it, as Obsidian shows
/// such a note: its body, under its file name.
pub fn parse(
    text: &str,
    file: &Path,
    relative: &str,
    strict: bool,
) -> (Option<Note>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    // What the note's `publish` and `draft` lines say when its front matter cannot be read.
    let mut read_alone = None;
    let mut front_matter_failed = false;
    let split = match front_matter::split(text, file) {
        Ok(split) => split,
        Err(problem) => {
            let raw = text.get(..4096).unwrap_or(text);
            let what = "as it is, `---` and all";
            read_alone = Some(unreadable(problem, what, raw, strict, &mut diagnostics));
            front_matter_failed = true;
            front_matter::Split {
                yaml: None,
                body: text,
                body_line: 1,
            }
        }
    };
    let fm = match split
        .yaml
        .map(|yaml| (yaml, FrontMatter::parse(yaml, file)))
    {
        Some((_, Ok(fm))) => fm.lenient(!strict),
        Some((yaml, Err(problem))) => {
            let what = "without its front matter, titled by its file name";
            read_alone = Some(unreadable(problem, what, yaml, strict, &mut diagnostics));
            front_matter_failed = true;
            FrontMatter::empty(file)
        }
        None => FrontMatter::empty(file),
    };
    if front_matter_failed && strict {
        return (None, diagnostics);
    }

    let under_notes = relative.strip_prefix("notes/").unwrap_or(relative);
    let without_ext = &under_notes[..under_notes.len() - ".md".len()];
    let mut slug = slug::slugify_path(without_ext);
    // A folder note named `index` or `README` is titled by its folder, which it stands for.
    let stem = match without_ext.rsplit_once('/') {
        Some((folder, stem)) if folder_note_rank(without_ext).is_some_and(|r| r > 0) => {
            folder.rsplit('/').next().unwrap_or(stem)
        }
        Some((_, stem)) => stem,
        None => without_ext,
    };
    let dir = relative
        .rsplit_once('/')
        .map_or("", |(dir, _)| dir)
        .to_string();

    let body = Markdown::new(
        split.body.to_string(),
        Origin::at_line(split.body_line),
        file.to_path_buf(),
        dir,
        &mut diagnostics,
    );
    let leading = leading_heading(&body.text);
    let from_heading = || {
        leading
            .clone()
            .map_or_else(|| stem.to_string(), |(text, _)| text)
    };
    let title =
        match fm.string("title", &mut diagnostics) {
            Some(title) if title.trim().is_empty() => {
                diagnostics.push(fm.problem(
                fm.pos("title"),
                "`title` is empty; write a title or remove the key to use the first heading"
                    .to_string(),
            ));
                from_heading()
            }
            Some(title) => title.trim().to_string(),
            None if front_matter_failed => stem.to_string(),
            None => from_heading(),
        };
    let file_stem = without_ext.rsplit('/').next().unwrap_or(without_ext);
    if slug::slugify(file_stem).is_empty() {
        // `🚀.md`: nothing of the name can go in a URL. Obsidian publishes it all the same.
        let folder = slug::slugify_path(without_ext.rsplit_once('/').map_or("", |(d, _)| d));
        slug = if folder.is_empty() {
            "note".to_string()
        } else {
            format!("{folder}/note")
        };
        let message = format!(
            "this file name has no letters or digits to make a page URL from, so its page is `/notes/{slug}/`; rename the file to choose one"
        );
        diagnostics.push(match strict {
            true => Diagnostic::error(file, Pos::START, message),
            false => Diagnostic::warning(file, Pos::START, message),
        });
    }

    let mut concepts = fm.list("concepts", &mut diagnostics);
    let concepts_pos = if fm.has("concepts") {
        fm.pos("concepts")
    } else {
        fm.pos("tags")
    };
    let tags = fm.list("tags", &mut diagnostics);
    concepts.extend(tags.iter().cloned());

    let (publish, draft) = match read_alone {
        Some(read) => read,
        None => {
            let draft = fm.bool("draft", &mut diagnostics);
            match (publish_flag(&fm, &mut diagnostics), draft) {
                (_, YesNo::Unreadable) => (PublishFlag::Unreadable, false),
                (publish, draft) => (publish, draft == YesNo::Said(true)),
            }
        }
    };
    let note = Note {
        file: file.to_path_buf(),
        date: fm.date("date", &mut diagnostics),
        concepts,
        tags,
        concepts_pos,
        sources: fm.list("sources", &mut diagnostics),
        sources_pos: fm.pos("sources"),
        draft,
        publish,
        withheld: None,
        aliases: fm.list("aliases", &mut diagnostics),
        summary: fm.string("summary", &mut diagnostics),
        extra: fm.extra(KNOWN_KEYS),
        property_links: fm.links(KNOWN_KEYS),
        title_heading: leading
            .filter(|(text, _)| text.trim().eq_ignore_ascii_case(title.trim()))
            .map(|(_, offset)| offset),
        body,
        slug,
        title,
    };
    (Some(note), diagnostics)
}

/// Front matter that cannot be read: an error when `strict`, else a warning, since Obsidian
/// shows such a note all the same. Its `publish` and `draft` lines are then read alone
/// (returned as (publish, draft)): published without them, a `publish: false` note would leak.
fn unreadable(
    mut problem: Diagnostic,
    what: &str,
    raw: &str,
    strict: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> (PublishFlag, bool) {
    let (publish, draft) = front_matter::publication_lines(raw);
    if !strict {
        problem.severity = Severity::Warning;
        problem.message = match (publish, draft) {
            (PublishFlag::Unreadable, _) => format!(
                "{}; its `publish` or `draft` line cannot be read either, so the note is not published until this is fixed",
                problem.message
            ),
            (PublishFlag::Unsaid, false) => {
                format!("{}; publishing the note {what}", problem.message)
            }
            _ => format!(
                "{}; reading its `publish` and `draft` lines alone, and unless they withhold it, publishing the note {what}",
                problem.message
            ),
        };
    }
    diagnostics.push(problem);
    (publish, draft)
}

/// What a text's front matter says about `publish`. The Digital Garden plugin's `dg-publish`
/// says the same, and counts when `publish` is not there. `Publish:` (Obsidian Publish reads
/// only `publish`) is read too, with a warning: its author meant it, and ignoring a `false`
/// there would publish a private note.
pub(super) fn publish_flag(fm: &FrontMatter, diagnostics: &mut Vec<Diagnostic>) -> PublishFlag {
    let says = |value: YesNo, key: &'static str| match value {
        YesNo::Said(publish) => PublishFlag::Says { publish, key },
        YesNo::Missing => PublishFlag::Unsaid,
        YesNo::Unreadable => PublishFlag::Unreadable,
    };
    for key in ["publish", "dg-publish"] {
        if fm.has(key) {
            return says(fm.bool(key, diagnostics), key);
        }
    }
    let Some(key) = fm.misspelt("publish") else {
        return PublishFlag::Unsaid;
    };
    diagnostics.push(Diagnostic::warning(
        fm.path(),
        fm.pos(key),
        format!("`{key}` read as `publish`; write it in lower case, as Obsidian Publish does"),
    ));
    says(fm.bool(key, diagnostics), "publish")
}

/// Whether a note (its path under `notes/` without `.md`) is the note of its folder, and how
/// strongly: `ch1/ch1` (0) before `ch1/index` (1) before `ch1/README` (2), the names that
/// Obsidian's folder-note plugins and other static site tools use. A folder's page is its
/// strongest folder note.
pub fn folder_note_rank(path: &str) -> Option<u8> {
    let (folder, stem) = path.rsplit_once('/')?;
    let folder_name = folder.rsplit('/').next().unwrap_or(folder);
    if slug::slugify(stem) == slug::slugify(folder_name) {
        Some(0)
    } else if stem.eq_ignore_ascii_case("index") {
        Some(1)
    } else if stem.eq_ignore_ascii_case("readme") {
        Some(2)
    } else {
        None
    }
}

/// The `# heading` that opens a note (nothing but blank lines, comments included, before it),
/// as it reads, and its byte offset: a title for a note without one. A heading further down is
/// a section's, not the note's (a page footer's "# Links", say).
fn leading_heading(body: &str) -> Option<(String, usize)> {
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if line.trim().is_empty() {
            offset += line.len();
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let heading = line.trim_start().strip_prefix("# ")?;
        if indent > 3 {
            return None;
        }
        // `# [[Load parameters]] *explained*` is titled "Load parameters explained".
        let text = crate::syntax::line_text(heading.trim().trim_end_matches('#'));
        return (!text.is_empty()).then_some((text, offset + indent));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_falls_back_to_heading_then_file_name() {
        let (note, d) = parse(
            "\n# The Title\n\nIntro\n\n# A section\n",
            Path::new("content/notes/x.md"),
            "notes/x.md",
            false,
        );
        assert!(d.is_empty());
        let note = note.unwrap();
        assert_eq!(note.title, "The Title");
        assert_eq!(note.title_heading, Some(1));
        // A heading that does not open the note is a section's, not a title.
        let (note, _) = parse(
            "Intro\n\n# A section\n",
            Path::new("content/notes/Footer.md"),
            "notes/Footer.md",
            false,
        );
        let note = note.unwrap();
        assert_eq!((note.title.as_str(), note.title_heading), ("Footer", None));
        let (note, _) = parse(
            "no heading",
            Path::new("content/notes/My Note.md"),
            "notes/My Note.md",
            false,
        );
        let note = note.unwrap();
        assert_eq!(note.title, "My Note");
        assert_eq!(note.slug, "my-note");
    }

    #[test]
    fn bad_date_is_reported_at_its_line() {
        let text = "---\ntitle: A\ndate: 2021-13-01\n---\n";
        let (_, d) = parse(text, Path::new("content/notes/a.md"), "notes/a.md", true);
        assert_eq!(
            d[0].to_string(),
            "content/notes/a.md:3:7: error: `date` is `2021-13-01`, a day that does not exist: months run from 01 to 12"
        );
        // As Obsidian shows a note with a broken property: published, without the value.
        let (note, d) = parse(text, Path::new("content/notes/a.md"), "notes/a.md", false);
        assert_eq!(
            d[0].to_string(),
            "content/notes/a.md:3:7: warning: `date` is `2021-13-01`, a day that does not exist: months run from 01 to 12; leaving it out"
        );
        assert_eq!(note.unwrap().date, None);
    }
}
