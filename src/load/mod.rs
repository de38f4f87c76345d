//! Stage 1, load: `content/` and `commonplace.yaml` become a [`Corpus`] of notes, sources with
//! their quotes, concept files and assets. Content problems become diagnostics; only a failure
//! to read the disk stops the stage.

mod concept;
pub mod front_matter;
mod note;
pub mod publish;
pub(crate) mod quote;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::{self, Config};
use crate::diagnostic::{Diagnostic, Origin, Pos};
use crate::fs;
use crate::site::{SiteRoot, CONTENT_DIR};

pub use concept::ConceptFile;
pub use note::Note;
pub use publish::{Withheld, Withholding};
pub use quote::{Quote, Source, SourceKind};

/// Everything a site is made of, as written by its author.
#[derive(Debug)]
pub struct Corpus {
    pub config: Config,
    /// Notes sorted by slug: the published ones, or in a preview of everything, every one
    /// (each withheld one marked with why).
    pub notes: Vec<Note>,
    /// What this build leaves out, so that links to it can say why they show as plain text.
    pub withheld: Withheld,
    /// Which texts were taken.
    pub selection: Selection,
    /// Sources sorted by id, each with its quotes in file order.
    pub sources: Vec<Source>,
    pub concept_files: Vec<ConceptFile>,
    pub assets: Vec<Asset>,
}

/// A piece of Markdown and where it lives, so links inside it resolve relative to its file and
/// problems in it are reported at their line in that file.
#[derive(Debug, Clone)]
pub struct Markdown {
    pub text: String,
    pub origin: Origin,
    /// The file, relative to the site root (`content/notes/a.md`).
    pub file: PathBuf,
    /// The file's folder relative to `content/`, with `/` separators (`notes/ch1`).
    pub dir: String,
}

impl Markdown {
    /// A piece of Markdown as the site reads it: its comments (`%%…%%`, `<!--…-->`) blanked
    /// out, so no later stage sees them. A comment never closed hides the rest of the text, as
    /// in Obsidian, with a warning.
    pub fn new(
        text: String,
        origin: Origin,
        file: PathBuf,
        dir: String,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut markdown = Markdown {
            text,
            origin,
            file,
            dir,
        };
        if let Some(masked) = crate::syntax::mask_comments(&markdown.text) {
            // A comment never closed hides the rest; nothing to hide, nothing to say (a file
            // that ends with a lone `%%`, as Excalidraw's drawings do).
            let unclosed = masked.unclosed.map(|at| {
                let delimiters = match markdown.text[at..].starts_with("%%") {
                    true => ("%%", "%%"),
                    false => ("<!--", "-->"),
                };
                (at, delimiters)
            });
            if let Some((at, (opening, closing))) = unclosed
                .filter(|(at, (opening, _))| !markdown.text[at + opening.len()..].trim().is_empty())
            {
                diagnostics.push(Diagnostic::warning(
                    &markdown.file,
                    markdown.pos(at),
                    format!(
                        "this comment is never closed, so it hides everything after it, as in Obsidian; end it with `{closing}` (or write `\\{opening}` for the characters themselves)"
                    ),
                ));
            }
            markdown.text = masked.text;
        }
        markdown
    }

    pub fn pos(&self, offset: usize) -> Pos {
        self.origin.pos(&self.text, offset)
    }

    /// For many positions in this text: finds each line once, so a note with 40,000 links
    /// is not read from its start 40,000 times.
    pub fn positions(&self) -> Positions<'_> {
        let line_starts = std::iter::once(0)
            .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Positions {
            markdown: self,
            line_starts,
            last: std::cell::Cell::new((0, 1)),
        }
    }
}

/// [`Markdown::pos`] for many offsets of one text.
pub struct Positions<'a> {
    markdown: &'a Markdown,
    /// The byte offset where each line starts.
    line_starts: Vec<usize>,
    /// The last offset asked for and its column: offsets asked in order along one long line
    /// (40,000 links on one line) are counted from there, not from the line's start.
    last: std::cell::Cell<(usize, usize)>,
}

impl Positions<'_> {
    pub fn pos(&self, offset: usize) -> Pos {
        let text = &self.markdown.text;
        let offset = offset.min(text.len());
        // The last line that starts at or before `offset`.
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let origin = self.markdown.origin;
        let extra = match line {
            0 => origin.first_line_column,
            _ => origin.indent,
        };
        let (last_offset, last_column) = self.last.get();
        let column = match last_offset >= start && last_offset <= offset {
            true => last_column + text[last_offset..offset].chars().count(),
            false => text[start..offset].chars().count() + 1,
        };
        self.last.set((offset, column));
        Pos::new(origin.line + line, column + extra)
    }
}

/// A file under `content/` that is neither a note, a quote file nor a concept: copied as is.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Path relative to `content/`, with `/` separators; also its path in the output.
    pub path: String,
    pub source: PathBuf,
}

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub selection: Selection,
    /// Overrides `base_url` from the config.
    pub base_url: Option<String>,
}

/// Which texts a run takes: the published site's (with drafts when asked), or everything but
/// ignored files, for a preview that marks what the site would leave out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Selection {
    pub drafts: bool,
    pub withheld: bool,
}

/// A file that could not be read at all: the disk failed us.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Io(#[from] fs::IoError),
    #[error(transparent)]
    Walk(#[from] fs::WalkError),
}

enum FileKind {
    Note,
    QuoteFile,
    Concept,
    Asset,
}

/// Whether a file under `content/` (`notes/a.md`) is a note's.
pub fn is_note_file(content_relative: &str) -> bool {
    matches!(classify(content_relative), FileKind::Note)
}

/// Whether a note's file under `content/` names it its folder's note (`notes/ch1/index.md`),
/// which gives it its folder's page.
pub fn is_folder_note(content_relative: &str) -> bool {
    let path = content_relative
        .strip_prefix("notes/")
        .unwrap_or(content_relative);
    let path = &path[..path.len().saturating_sub(".md".len())];
    note::folder_note_rank(path).is_some()
}

fn classify(content_relative: &str) -> FileKind {
    let lower = content_relative.to_ascii_lowercase();
    if lower.starts_with("notes/") && lower.ends_with(".md") {
        FileKind::Note
    } else if lower.starts_with("quotes/") && (lower.ends_with(".yaml") || lower.ends_with(".yml"))
    {
        FileKind::QuoteFile
    } else if lower.starts_with("concepts/") && lower.ends_with(".md") {
        FileKind::Concept
    } else {
        FileKind::Asset
    }
}

/// Reads the site.
pub fn load(
    site: &SiteRoot,
    options: &LoadOptions,
) -> Result<(Corpus, Vec<Diagnostic>), LoadError> {
    let root = site.dir();
    let (mut config, mut diagnostics) = read_config(site)?;
    if let Some(base_url) = &options.base_url {
        config.base_url = base_url.clone();
    }
    if config.strict_line_breaks.is_none() {
        config.strict_line_breaks = Some(vault_strict_line_breaks(root));
    }

    let mut notes = Vec::new();
    let mut quote_files = Vec::new();
    let mut concept_paths = Vec::new();
    let mut assets = Vec::new();
    let mut withheld = Withheld::default();
    let ignore = publish::IgnoreRules::new(root, &config);
    let content = site.content_dir();
    if content.is_dir() {
        for entry in WalkDir::new(&content)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        {
            let entry = entry.map_err(|source| fs::WalkError {
                path: content.clone(),
                source,
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let relative = entry
                .path()
                .strip_prefix(&content)
                .expect("walkdir yields paths under its root");
            let unusable = match relative.to_str() {
                // Every page, link and URL is named in UTF-8; such a name has no page.
                None => Some("is not valid UTF-8 (shown here with �)"),
                // A name becomes a title when the text has none: in pages, feeds, terminals.
                Some(name) if name.chars().any(crate::text::is_forbidden_control) => {
                    Some("holds control characters")
                }
                Some(_) => None,
            };
            if let Some(why) = unusable {
                diagnostics.push(Diagnostic::warning(
                    Path::new(CONTENT_DIR).join(relative),
                    Pos::START,
                    format!("this file's name {why}, so the site leaves the file out; rename it"),
                ));
                continue;
            }
            let relative = crate::diagnostic::display_path(relative);
            if let Some(pattern) = ignore.ignores(&relative) {
                withheld.ignored.push((relative, pattern));
                continue;
            }
            match classify(&relative) {
                FileKind::Note => notes.push(relative),
                FileKind::QuoteFile => quote_files.push(relative),
                FileKind::Concept => concept_paths.push(relative),
                FileKind::Asset => assets.push(Asset {
                    source: entry.path().to_path_buf(),
                    path: relative,
                }),
            }
        }
    }

    let selection = options.selection;
    let mode = config.publish;
    let strict = config.strict;
    let parse_note =
        |text: &str, file: &Path, relative: &str| note::parse(text, file, relative, strict);
    let mut loaded_notes = Vec::new();
    for mut note in parse_all(root, &notes, &parse_note, &mut diagnostics)? {
        note.withheld = publish::decide(mode, note.publish, note.draft, selection.drafts);
        match note.withheld.clone() {
            Some(why) if !selection.withheld => withheld.notes.push((note, why)),
            _ => loaded_notes.push(note),
        }
    }
    promote_folder_notes(&mut loaded_notes);
    assign_unique_slugs(&mut loaded_notes, config.strict, &mut diagnostics);
    let mut sources = Vec::new();
    for source in parse_all(root, &quote_files, &quote::parse, &mut diagnostics)? {
        // Quote files are written for the site (by `import` or by hand), not kept in a vault,
        // so only their own `publish: false` withholds them, whatever the site's mode.
        let why = publish::decide(config::PublishMode::All, source.publish, false, true);
        match why {
            Some(why) if !selection.withheld => withheld.sources.push((source, why)),
            _ => sources.push(source),
        }
    }
    check_unique_sources(&mut sources, &mut diagnostics);
    let mut concept_files = Vec::new();
    for file in parse_all(root, &concept_paths, &concept::parse, &mut diagnostics)? {
        match publish::decide(mode, file.publish, false, true) {
            Some(why) if !selection.withheld => withheld.concept_files.push((file, why)),
            _ => concept_files.push(file),
        }
    }

    let corpus = Corpus {
        config,
        notes: loaded_notes,
        withheld,
        selection,
        sources,
        concept_files,
        assets,
    };
    Ok((corpus, diagnostics))
}

/// The site's `commonplace.yaml`, as written: a problem in it is a diagnostic, and the defaults
/// stand in for what could not be read.
pub fn read_config(site: &SiteRoot) -> Result<(Config, Vec<Diagnostic>), LoadError> {
    Ok(match read_text(site.dir(), Path::new(config::FILE_NAME))? {
        Ok(text) => {
            let (config, problems) = Config::parse(&text.text, Path::new(config::FILE_NAME));
            let mut diagnostics = text.warnings;
            diagnostics.extend(problems);
            (config, diagnostics)
        }
        Err(problem) => (Config::default(), vec![problem]),
    })
}

/// Whether the Obsidian vault in `content/notes/` (or `content/`) keeps line breaks strict, as
/// its `.obsidian/app.json` says: Obsidian's default is not to (a line break is a break). A
/// site that is no vault reads Markdown as CommonMark does.
fn vault_strict_line_breaks(root: &Path) -> bool {
    for (vault, _) in crate::site::vault_dirs(root) {
        let settings = vault.join(".obsidian");
        if !settings.is_dir() {
            continue;
        }
        let app = std::fs::read_to_string(settings.join("app.json")).unwrap_or_default();
        return serde_json::from_str::<serde_json::Value>(&app)
            .ok()
            .and_then(|v| v.get("strictLineBreaks")?.as_bool())
            .unwrap_or(false);
    }
    true
}

/// Reads and parses one note, given its path under `content/` (`notes/a.md`): a live preview
/// reloads only the note that changed. `None` when the note has an error (in the diagnostics).
/// The note is marked with why the published site would leave it out, if it would.
pub fn load_note(
    site: &SiteRoot,
    relative: &str,
    config: &Config,
    selection: Selection,
) -> Result<(Option<Note>, Vec<Diagnostic>), LoadError> {
    let file = content_file(relative);
    let (mut note, diagnostics) = match read_text(site.dir(), &file)? {
        Ok(text) => text.parse(|text| note::parse(text, &file, relative, config.strict)),
        Err(problem) => (None, vec![problem]),
    };
    if let Some(note) = &mut note {
        note.withheld = publish::decide(config.publish, note.publish, note.draft, selection.drafts);
    }
    Ok((note, diagnostics))
}

/// Reads and parses one quote file, given its path under `content/` (`quotes/ddia.yaml`): a
/// live preview reloads only the file that changed. `None` when the file has an error (in the
/// diagnostics).
pub fn load_source(
    site: &SiteRoot,
    relative: &str,
) -> Result<(Option<Source>, Vec<Diagnostic>), LoadError> {
    let file = content_file(relative);
    Ok(match read_text(site.dir(), &file)? {
        Ok(text) => text.parse(|text| quote::parse(text, &file, relative)),
        Err(problem) => (None, vec![problem]),
    })
}

/// Reads and parses one concept file, given its path under `content/`
/// (`concepts/fan-out.md`), as [`load_source`] reads a quote file.
pub fn load_concept(
    site: &SiteRoot,
    relative: &str,
) -> Result<(Option<ConceptFile>, Vec<Diagnostic>), LoadError> {
    let file = content_file(relative);
    Ok(match read_text(site.dir(), &file)? {
        Ok(text) => text.parse(|text| concept::parse(text, &file, relative)),
        Err(problem) => (None, vec![problem]),
    })
}

/// Whether a file under `content/` (`concepts/fan-out.md`) is a concept file.
pub fn is_concept_file(content_relative: &str) -> bool {
    matches!(classify(content_relative), FileKind::Concept)
}

/// Whether a file under `content/` (`quotes/ddia.yaml`) is a quote file.
pub fn is_quote_file(content_relative: &str) -> bool {
    matches!(classify(content_relative), FileKind::QuoteFile)
}

/// What parses one file: its text, its path from the root, and its path under `content/`.
type Parser<'a, T> = &'a (dyn Fn(&str, &Path, &str) -> (Option<T>, Vec<Diagnostic>) + Sync);

/// Reads and parses files in parallel (each is independent), keeping their sorted order, and
/// collects every file's diagnostics.
fn parse_all<T: Send>(
    root: &Path,
    files: &[String],
    parse: Parser<T>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<T>, LoadError> {
    let parsed: Vec<(Option<T>, Vec<Diagnostic>)> = files
        .par_iter()
        .map(|relative| -> Result<_, LoadError> {
            let file = content_file(relative);
            Ok(match read_text(root, &file)? {
                Ok(text) => text.parse(|text| parse(text, &file, relative)),
                Err(problem) => (None, vec![problem]),
            })
        })
        .collect::<Result<_, _>>()?;
    let mut items = Vec::with_capacity(parsed.len());
    for (item, problems) in parsed {
        diagnostics.extend(problems);
        items.extend(item);
    }
    Ok(items)
}

/// A file's name without its folder and extension, whatever the extension's case.
fn file_stem(relative: &str) -> &str {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

fn content_file(relative: &str) -> PathBuf {
    Path::new(CONTENT_DIR).join(relative)
}

/// Reads a UTF-8 file, without control characters other than tab and line breaks: each line
/// that had some is a warning, and what is left is what every page, feed and the index see.
/// A file that is not UTF-8 is a content problem, reported at the first bad byte, not a
/// failure of the build tool.
fn read_text(root: &Path, file: &Path) -> Result<Result<Text, Diagnostic>, LoadError> {
    let bytes = fs::read(&root.join(file))?;
    Ok(match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            let (kept, removed) = crate::text::remove_controls(&text);
            let warnings = control_warnings(file, &text, &removed);
            let text = kept.into_owned();
            Ok(Text { text, warnings })
        }
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let good = String::from_utf8_lossy(&err.as_bytes()[..valid]).into_owned();
            let pos = Origin::at_line(1).pos(&good, good.len());
            Err(Diagnostic::error(
                file,
                pos,
                "file is not valid UTF-8; save it with UTF-8 encoding",
            ))
        }
    })
}

/// A file's text as the site reads it, and the warnings reading it gave.
struct Text {
    text: String,
    warnings: Vec<Diagnostic>,
}

impl Text {
    /// The file parsed, with the reading's warnings before the parser's.
    fn parse<T>(
        self,
        parse: impl FnOnce(&str) -> (Option<T>, Vec<Diagnostic>),
    ) -> (Option<T>, Vec<Diagnostic>) {
        let (item, problems) = parse(&self.text);
        let mut diagnostics = self.warnings;
        diagnostics.extend(problems);
        (item, diagnostics)
    }
}

/// One warning per line that had control characters, for the first few such lines of a file.
fn control_warnings(file: &Path, text: &str, removed: &[(usize, char)]) -> Vec<Diagnostic> {
    const SHOWN: usize = 10;
    let mut warnings: Vec<Diagnostic> = Vec::new();
    let mut lines = 0;
    let mut last_line = 0;
    let mut scanned = (0, 1); // (byte offset, line number there): lines are counted once.
    for &(offset, c) in removed {
        let line = scanned.1 + text[scanned.0..offset].matches('\n').count();
        scanned = (offset, line);
        if line == last_line {
            continue;
        }
        last_line = line;
        lines += 1;
        if lines <= SHOWN {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let column = text[line_start..offset].chars().count() + 1;
            warnings.push(Diagnostic::warning(
                file,
                Pos::new(line, column),
                format!(
                    "control character U+{:04X} removed from this line: it does not show in a \
                     page and a feed may not hold it",
                    c as u32
                ),
            ));
        }
    }
    if lines > SHOWN {
        if let Some(last) = warnings.last_mut() {
            last.message
                .push_str(&format!(" (and from {} more lines)", lines - SHOWN));
        }
    }
    warnings
}

/// Folder notes (`ch1/ch1.md`, `ch1/index.md`, `ch1/README.md`) take their folder's page:
/// `/notes/ch1/`. Of several in one folder the strongest wins; the others keep their own.
fn promote_folder_notes(notes: &mut [Note]) {
    let mut best: HashMap<String, (u8, usize)> = HashMap::new();
    for (i, note) in notes.iter().enumerate() {
        let Some(path) = note_path(note) else {
            continue;
        };
        let Some(rank) = note::folder_note_rank(path) else {
            continue;
        };
        let folder = path.rsplit_once('/').map_or("", |(f, _)| f).to_string();
        let entry = best.entry(folder).or_insert((rank, i));
        if rank < entry.0 {
            *entry = (rank, i);
        }
    }
    for (folder, (_, i)) in best {
        notes[i].slug = crate::slug::slugify_path(&folder);
    }
}

/// A note's path under `content/notes/`, without `.md`.
fn note_path(note: &Note) -> Option<&str> {
    let path = note.file.to_str()?;
    let path = path.strip_prefix("content/notes/")?;
    Some(&path[..path.len().checked_sub(3)?])
}

/// Two files may make the same page (`A: B.md` and `A - B.md` are both `/notes/a-b/`). As in
/// Obsidian, both are published: the first by path keeps the page, the others get `-2`, `-3`,
/// ..., and a warning says which got which.
/// With `strict`, two such files are an error instead, and the second is left out.
fn assign_unique_slugs(notes: &mut Vec<Note>, strict: bool, diagnostics: &mut Vec<Diagnostic>) {
    // Folder notes first: the folder's page is theirs.
    let is_folder_note = |note: &Note| note_path(note).and_then(note::folder_note_rank).is_some();
    notes.sort_by(|a, b| {
        a.slug
            .cmp(&b.slug)
            .then_with(|| is_folder_note(b).cmp(&is_folder_note(a)))
            .then_with(|| a.file.cmp(&b.file))
    });
    let mut taken: std::collections::HashSet<String> =
        notes.iter().map(|n| n.slug.clone()).collect();
    let mut owner: HashMap<String, PathBuf> = HashMap::new();
    let mut left_out = Vec::new();
    for (i, note) in notes.iter_mut().enumerate() {
        let Some(first) = owner.get(&note.slug) else {
            owner.insert(note.slug.clone(), note.file.clone());
            continue;
        };
        if strict {
            diagnostics.push(Diagnostic::error(
                &note.file,
                Pos::START,
                format!(
                    "this note's page `/notes/{}/` is already taken by `{}`; rename one of them",
                    note.slug,
                    crate::diagnostic::display_path(first)
                ),
            ));
            left_out.push(i);
            continue;
        }
        let wanted = note.slug.clone();
        let mut n = 2;
        let slug = loop {
            let candidate = format!("{wanted}-{n}");
            if !taken.contains(&candidate) {
                break candidate;
            }
            n += 1;
        };
        diagnostics.push(Diagnostic::warning(
            &note.file,
            Pos::START,
            format!(
                "this note's page `/notes/{wanted}/` is already `{}`'s, so this one is `/notes/{slug}/`; rename one of them to choose",
                crate::diagnostic::display_path(first)
            ),
        ));
        taken.insert(slug.clone());
        owner.insert(slug.clone(), note.file.clone());
        note.slug = slug;
    }
    for i in left_out.into_iter().rev() {
        notes.remove(i);
    }
    notes.sort_by(|a, b| a.slug.cmp(&b.slug));
}

fn check_unique_sources(sources: &mut Vec<Source>, diagnostics: &mut Vec<Diagnostic>) {
    sources.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.file.cmp(&b.file)));
    let mut first_file: HashMap<String, PathBuf> = HashMap::new();
    sources.retain(|source| match first_file.get(&source.id) {
        Some(first) => {
            diagnostics.push(Diagnostic::error(
                &source.file,
                source.id_pos,
                format!(
                    "source id `{}` is already used by `{}`; give this source another `id`",
                    source.id,
                    crate::diagnostic::display_path(first)
                ),
            ));
            false
        }
        None => {
            first_file.insert(source.id.clone(), source.file.clone());
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_from_the_line_index_equal_positions_found_by_reading_from_the_start() {
        let text = "first line\nsecond é line\n\n  indented [[link]]\nlast".to_string();
        for origin in [
            Origin::at_line(1),
            Origin {
                line: 7,
                indent: 4,
                first_line_column: 9,
            },
        ] {
            let markdown = Markdown {
                text: text.clone(),
                origin,
                file: PathBuf::from("content/notes/a.md"),
                dir: "notes".to_string(),
            };
            let positions = markdown.positions();
            let offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            // In order, backwards, and jumping about.
            let backwards = offsets.iter().rev();
            let jumping = offsets.iter().step_by(3).chain(offsets.iter().step_by(2));
            for &offset in offsets.iter().chain(backwards).chain(jumping) {
                assert_eq!(positions.pos(offset), markdown.pos(offset), "{offset}");
            }
            assert_eq!(positions.pos(text.len()), markdown.pos(text.len()));
        }
    }
}
