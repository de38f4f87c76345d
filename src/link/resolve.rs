//! Finding what a link names: notes by name, path suffix or alias (with Obsidian's tie-break),
//! quotes by global id, concepts, sources and assets.

use std::collections::HashMap;

use super::ids::{NoteId, QuoteIds, QuoteRef, SourceId};
use crate::kind::Kind;
use crate::load::{Corpus, Note, Withholding};
use crate::slug;

/// What a link points at, once resolved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    Note {
        note: NoteId,
        anchor: Option<Anchor>,
    },
    Quote(QuoteRef),
    Concept(String),
    Source(SourceId),
    /// A file under `content/`, by its content-relative path.
    Asset(String),
    /// Something this build leaves out (`publish: false`, a draft, an ignored file): a link to
    /// it shows as its label alone and an embed of it as nothing, so that nothing of it, not
    /// even its title, reaches a published page.
    Withheld,
    /// A link that could not be resolved: shown as marked plain text (only when the site
    /// allows broken links; otherwise the build stops).
    Broken,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Anchor {
    /// A heading's id.
    Heading(String),
    /// A block id, without its `^`.
    Block(String),
}

/// Lookup tables built once per build.
pub struct Index {
    notes: NoteNames,
    quotes: QuoteIds,
    /// Concept names and aliases to the canonical concept name.
    pub concepts: HashMap<String, String>,
    sources: HashMap<String, SourceId>,
    /// Concepts that have a file describing them.
    described_concepts: std::collections::HashSet<String>,
    assets_by_path: HashMap<String, usize>,
    assets_by_name: HashMap<String, Vec<usize>>,
    asset_paths: Vec<String>,
    withheld: WithheldNames,
}

/// The notes' names: every note by each name a link may give it, by position in the
/// corpus's (and the graph's) list of notes.
struct NoteNames {
    /// Every path suffix of every note slug, and every alias, to the notes it names.
    by_name: HashMap<String, Vec<usize>>,
    /// The same names as written, only lower-cased: where two files make the same slug
    /// (`A: B.md`, `A - B.md`), a link that names one exactly finds it, as in Obsidian.
    by_exact_name: HashMap<String, Vec<usize>>,
    /// Aliases, as slugs: a name no file has may be an alias (Obsidian resolves only file
    /// names; commonplace also lets a link use a note's alias, but never over a file's name).
    by_alias: HashMap<String, Vec<usize>>,
    /// Each note's file under `content/notes/`, for messages that name notes as the author
    /// sees them.
    files: Vec<String>,
    /// Notes by file path relative to `content/` (`notes/ch1/Load Parameters.md`).
    by_file: HashMap<String, usize>,
}

impl NoteNames {
    fn of<'a>(notes: impl Iterator<Item = &'a Note>) -> NoteNames {
        let mut names = NoteNames {
            by_name: HashMap::new(),
            by_exact_name: HashMap::new(),
            by_alias: HashMap::new(),
            files: Vec::new(),
            by_file: HashMap::new(),
        };
        for (i, note) in notes.enumerate() {
            for (table, key) in note_names(note) {
                let table = match table {
                    NameTable::Name => &mut names.by_name,
                    NameTable::Exact => &mut names.by_exact_name,
                    NameTable::Alias => &mut names.by_alias,
                };
                table.entry(key).or_default().push(i);
            }
            names.by_file.insert(note.content_path(), i);
            names.files.push(note.notes_path());
        }
        for candidates in names
            .by_name
            .values_mut()
            .chain(names.by_exact_name.values_mut())
            .chain(names.by_alias.values_mut())
        {
            candidates.sort_unstable();
            candidates.dedup();
        }
        names
    }
}

/// Which of a note's names a key is: a path end (as a slug), a path end as written, an alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameTable {
    Name,
    Exact,
    Alias,
}

/// Every name a link may give a note, with the table it is looked up in. A note is named by
/// every end of its file's path (`ch1/Load Parameters`, `Load Parameters`), exactly and as a
/// slug, and by every end of its page's path, which differs for folder notes and for files
/// whose names make the same slug; and by its aliases.
pub fn note_names(note: &Note) -> Vec<(NameTable, String)> {
    let mut names = Vec::new();
    let relative = note.content_path();
    let path = relative.strip_prefix("notes/").unwrap_or(&relative);
    let path = &path[..path.len().saturating_sub(".md".len())];
    for end in path_ends(&exact_name(path)) {
        names.push((NameTable::Name, slug::slugify_path(&end)));
        names.push((NameTable::Exact, end));
    }
    for end in path_ends(&note.slug) {
        names.push((NameTable::Name, end));
    }
    for alias in &note.aliases {
        let key = slug::slugify_path(alias);
        if !key.is_empty() {
            names.push((NameTable::Alias, key));
        }
    }
    names
}

/// The keys a wikilink's target (without its `#anchor`) is looked up by among notes' names:
/// as written, lower-cased, and as a slug (see [`note_names`]).
pub fn link_keys(written: &str) -> [String; 2] {
    let (_, name) = split_prefix(written.trim());
    let name = name.trim();
    let name = name
        .strip_suffix(".md")
        .or_else(|| name.strip_suffix(".MD"))
        .unwrap_or(name);
    [exact_name(name), slug::slugify_path(name)]
}

/// The keys an ordinary Markdown link to a note (`../ch1/Load%20Parameters.md`) may find it
/// by: its file's name, as [`link_keys`] gives them. A superset: the path itself narrows it.
pub fn path_link_keys(dest: &str) -> [String; 2] {
    let path = dest.split_once('#').map_or(dest, |(p, _)| p);
    let decoded = percent_decode(path);
    let name = decoded.rsplit('/').next().unwrap_or(&decoded);
    link_keys(name)
}

/// The names of what this build withholds, so that a link to it can say why it shows as plain
/// text rather than fail as if it named nothing.
#[derive(Default)]
struct WithheldNames {
    /// Every end of a withheld note's path, as a slug, and its aliases.
    notes: HashMap<String, Withholding>,
    concepts: HashMap<String, Withholding>,
    sources: HashMap<String, Withholding>,
    quotes: HashMap<String, Withholding>,
    /// Withheld and ignored files by path under `content/`, and by file name, lower-cased.
    files: HashMap<String, Withholding>,
}

impl WithheldNames {
    fn of(corpus: &Corpus) -> WithheldNames {
        let mut names = WithheldNames::default();
        let withheld = &corpus.withheld;
        let add_note = |names: &mut WithheldNames, relative: &str, why: &Withholding| {
            let path = relative.strip_prefix("notes/").unwrap_or(relative);
            let path = &path[..path.len().saturating_sub(".md".len())];
            for name in path_ends(&slug::slugify_path(path)) {
                names.notes.entry(name).or_insert_with(|| why.clone());
            }
        };
        for (note, why) in &withheld.notes {
            let relative = note.content_path();
            add_note(&mut names, &relative, why);
            for alias in &note.aliases {
                names
                    .notes
                    .entry(slug::slugify_path(alias))
                    .or_insert_with(|| why.clone());
            }
            names.add_file(&relative, why);
        }
        for (path, pattern) in &withheld.ignored {
            let why = Withholding::Ignored(pattern.clone());
            if path.starts_with("notes/") && path.to_ascii_lowercase().ends_with(".md") {
                add_note(&mut names, path, &why);
            }
            names.add_file(path, &why);
        }
        for (file, why) in &withheld.concept_files {
            for name in std::iter::once(&file.name).chain(&file.aliases) {
                names
                    .concepts
                    .entry(slug::slugify_path(name))
                    .or_insert_with(|| why.clone());
            }
        }
        for (source, why) in &withheld.sources {
            names.sources.insert(source.id.clone(), why.clone());
            for quote in &source.quotes {
                names.quotes.insert(source.quote_id(quote), why.clone());
            }
        }
        names
    }

    fn add_file(&mut self, relative: &str, why: &Withholding) {
        self.files.insert(relative.to_string(), why.clone());
        let name = relative.rsplit('/').next().unwrap_or(relative);
        self.files
            .entry(name.to_lowercase())
            .or_insert_with(|| why.clone());
    }

    /// Why `key` (a slug, as links are looked up) is withheld, for a link of `kind` (`None` for
    /// any).
    fn find(&self, kind: Option<Kind>, key: &str) -> Option<&Withholding> {
        let tables = [
            (Kind::Note, &self.notes),
            (Kind::Quote, &self.quotes),
            (Kind::Concept, &self.concepts),
            (Kind::Source, &self.sources),
        ];
        tables
            .into_iter()
            .filter(|(wanted, _)| kind.is_none_or(|kind| kind == *wanted))
            .find_map(|(_, table)| table.get(key))
    }
}

/// The outcome of a lookup: the target, and a warning when the name was ambiguous.
pub struct Resolution {
    pub target: Option<Target>,
    pub warning: Option<String>,
    /// Why the lookup failed, when it did.
    pub error: Option<String>,
    /// Why the target is left out of this build, when it is ([`Target::Withheld`]).
    pub withheld: Option<Withholding>,
}

impl Resolution {
    pub fn found(target: Target) -> Self {
        Resolution {
            target: Some(target),
            warning: None,
            error: None,
            withheld: None,
        }
    }

    pub fn failed(error: String) -> Self {
        Resolution {
            target: None,
            warning: None,
            error: Some(error),
            withheld: None,
        }
    }

    /// A link that this tool leaves exactly as written, unchecked.
    pub fn unchecked() -> Self {
        Resolution {
            target: None,
            warning: None,
            error: None,
            withheld: None,
        }
    }

    fn withheld(why: &Withholding) -> Self {
        Resolution {
            withheld: Some(why.clone()),
            ..Resolution::found(Target::Withheld)
        }
    }
}

/// Splits an explicit kind prefix off a link target (`concept:reliability`).
pub fn split_prefix(target: &str) -> (Option<Kind>, &str) {
    for kind in Kind::ALL {
        if let Some(rest) = target
            .strip_prefix(kind.name())
            .and_then(|r| r.strip_prefix(':'))
        {
            return (Some(kind), rest.trim());
        }
    }
    (None, target)
}

/// A name's extension, when it looks like a file's (`diagram.png`), not part of a title.
pub fn file_extension(name: &str) -> Option<&str> {
    let last = name.rsplit('/').next()?;
    let (_, ext) = last.rsplit_once('.')?;
    (!ext.is_empty() && ext.len() <= 5 && ext.chars().all(|c| c.is_ascii_alphanumeric()))
        .then_some(ext)
}

/// Whether an extension names a kind of file people keep beside their notes, so that a link
/// with it is to a file even when no such file exists (and the error says so).
fn is_file_type(ext: &str) -> bool {
    const TYPES: &[&str] = &[
        "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "bmp", "ico", "tif", "tiff", "heic",
        "pdf", "mp3", "mp4", "webm", "mov", "mkv", "ogg", "oga", "wav", "m4a", "flac", "3gp",
        "canvas", "base", "csv", "json", "txt", "zip", "epub", "docx", "xlsx", "pptx", "html",
        "htm",
    ];
    TYPES.contains(&ext.to_ascii_lowercase().as_str())
}

/// Every end of a `/`-separated path, longest first: `a/b/c`, `b/c`, `c`. A note is named by
/// each, as in Obsidian.
fn path_ends(path: &str) -> Vec<String> {
    let parts: Vec<&str> = path.split('/').collect();
    (0..parts.len())
        .map(|start| parts[start..].join("/"))
        .collect()
}

/// Joins a relative path onto a folder, resolving `.` and `..`; `None` if it climbs out.
pub fn join_path(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

impl Index {
    pub fn new(corpus: &Corpus, concepts: HashMap<String, String>, quotes: QuoteIds) -> Self {
        let mut sources = HashMap::new();
        for (s, source) in corpus.sources.iter().enumerate() {
            sources.insert(source.id.clone(), SourceId(s));
        }
        let mut assets_by_path = HashMap::new();
        let mut assets_by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, asset) in corpus.assets.iter().enumerate() {
            assets_by_path.insert(asset.path.clone(), i);
            let name = asset.path.rsplit('/').next().unwrap_or(&asset.path);
            assets_by_name
                .entry(name.to_lowercase())
                .or_default()
                .push(i);
        }
        Index {
            notes: NoteNames::of(corpus.notes.iter()),
            quotes,
            concepts,
            described_concepts: corpus
                .concept_files
                .iter()
                .map(|f| f.name.clone())
                .collect(),
            sources,
            assets_by_path,
            assets_by_name,
            asset_paths: corpus.assets.iter().map(|a| a.path.clone()).collect(),
            withheld: WithheldNames::of(corpus),
        }
    }

    /// Names the quotes by the table a live preview made again after a quote file changed.
    pub(super) fn set_quotes(&mut self, quotes: QuoteIds) {
        self.quotes = quotes;
    }

    /// Names the notes by their positions in `notes` after a live preview added the notes at
    /// `added` and moved the others (`moved`: a note's position before to its position now,
    /// `None` for a removed one). Only the added notes' names are made; the rest move.
    pub fn move_notes(
        &mut self,
        notes: &[&Note],
        moved: &dyn Fn(usize) -> Option<usize>,
        added: &[usize],
    ) {
        let names = &mut self.notes;
        for table in [
            &mut names.by_name,
            &mut names.by_exact_name,
            &mut names.by_alias,
        ] {
            table.retain(|_, candidates| {
                candidates.retain_mut(|n| match moved(*n) {
                    Some(now) => {
                        *n = now;
                        true
                    }
                    None => false,
                });
                !candidates.is_empty()
            });
        }
        for &n in added {
            for (table, key) in note_names(notes[n]) {
                let table = match table {
                    NameTable::Name => &mut names.by_name,
                    NameTable::Exact => &mut names.by_exact_name,
                    NameTable::Alias => &mut names.by_alias,
                };
                let candidates = table.entry(key).or_default();
                if let Err(at) = candidates.binary_search(&n) {
                    candidates.insert(at, n);
                }
            }
        }
        let mut files = vec![String::new(); notes.len()];
        for (old, file) in std::mem::take(&mut names.files).into_iter().enumerate() {
            if let Some(now) = moved(old) {
                files[now] = file;
            }
        }
        names.by_file.retain(|_, n| match moved(*n) {
            Some(now) => {
                *n = now;
                true
            }
            None => false,
        });
        for &n in added {
            files[n] = notes[n].notes_path();
            names.by_file.insert(notes[n].content_path(), n);
        }
        names.files = files;
    }

    /// Resolves a wikilink target (without its `#anchor`) written in a file under `dir`
    /// (relative to `content/`).
    pub fn resolve_wikilink(&self, written: &str, dir: &str) -> Resolution {
        let (prefix, name) = split_prefix(written.trim());
        let name = name.trim();
        if prefix.is_none() {
            if let Some(ext) = file_extension(name) {
                if !ext.eq_ignore_ascii_case("md") {
                    // `[[diagram.png]]` is a file; `[[torch.dtype]]` may be a note whose name
                    // has a dot, which is what it is when no file has that name.
                    let asset = self.resolve_asset(name, dir);
                    let note_named = || self.find_note(name, &slug::slugify_path(name), dir);
                    if asset.target.is_some() || is_file_type(ext) {
                        return asset;
                    }
                    if let Some((n, warning)) = note_named() {
                        return Resolution {
                            warning,
                            ..Resolution::found(note_target(n))
                        };
                    }
                }
            }
        }
        let name = name
            .strip_suffix(".md")
            .or_else(|| name.strip_suffix(".MD"))
            .unwrap_or(name);
        let key = slug::slugify_path(name);

        let note = || self.find_note(name, &key, dir);
        let quote = || self.quotes.get(&key).copied();
        let concept = || self.concepts.get(&key).cloned();
        let source = || self.sources.get(&key).copied();
        match prefix {
            Some(Kind::Note) => match note() {
                Some((n, warning)) => Resolution {
                    warning,
                    ..Resolution::found(note_target(n))
                },
                None => self.unknown(prefix, written, &key),
            },
            Some(Kind::Quote) => quote()
                .map(|at| Resolution::found(Target::Quote(at)))
                .unwrap_or_else(|| self.unknown(prefix, written, &key)),
            Some(Kind::Concept) => concept()
                .map(|c| Resolution::found(Target::Concept(c)))
                .unwrap_or_else(|| self.unknown(prefix, written, &key)),
            Some(Kind::Source) => source()
                .map(|s| Resolution::found(Target::Source(s)))
                .unwrap_or_else(|| self.unknown(prefix, written, &key)),
            None => {
                let mut kinds = Vec::new();
                if quote().is_some() {
                    kinds.push(Kind::Quote);
                }
                if concept().is_some() {
                    kinds.push(Kind::Concept);
                }
                if source().is_some() {
                    kinds.push(Kind::Source);
                }
                if let Some((n, mut warning)) = note() {
                    // A bare `[[name]]` is a note's in Obsidian; a concept that only tags
                    // name (it has no file to describe it) is no rival worth a warning.
                    let rival = kinds.iter().find(|&&kind| {
                        kind != Kind::Concept
                            || concept().is_some_and(|c| self.described_concepts.contains(&c))
                    });
                    if let Some(other) = rival {
                        warning = Some(format!(
                            "`{written}` names both a note and a {other}; linking the note (write `[[{other}:{name}]]` for the {other})"
                        ));
                    }
                    return Resolution {
                        warning,
                        ..Resolution::found(note_target(n))
                    };
                }
                let target = if let Some(at) = quote() {
                    Target::Quote(at)
                } else if let Some(c) = concept() {
                    Target::Concept(c)
                } else if let Some(s) = source() {
                    Target::Source(s)
                } else {
                    return self.unknown(None, written, &key);
                };
                let warning = (kinds.len() > 1).then(|| {
                    format!(
                        "`{written}` names both a {} and a {}; linking the {} (use a `{}:` prefix to choose)",
                        kinds[0], kinds[1], kinds[0], kinds[1]
                    )
                });
                Resolution {
                    warning,
                    ..Resolution::found(target)
                }
            }
        }
    }

    /// Notes that a name fits, with Obsidian's tie-break: the linking file's folder first, then
    /// the note nearest the root. A warning lists the others. A name that fits a file exactly
    /// (case aside) is taken before one that only makes the same slug.
    fn find_note(&self, name: &str, key: &str, dir: &str) -> Option<(usize, Option<String>)> {
        let exact = &exact_name(name);
        let candidates = self
            .notes
            .by_exact_name
            .get(exact)
            .or_else(|| self.notes.by_name.get(key))
            .or_else(|| self.notes.by_alias.get(key))?;
        if candidates.len() == 1 {
            return Some((candidates[0], None));
        }
        // A name that is a note's whole path from the root of the notes, or that only one
        // candidate in the linking note's folder has, settles the link, as in Obsidian.
        let path_of = |n: usize| {
            let file = &self.notes.files[n];
            exact_name(file)
        };
        if let Some(&n) = candidates.iter().find(|&&n| path_of(n) == *exact) {
            return Some((n, None));
        }
        let link_folder = dir.strip_prefix("notes").unwrap_or(dir).trim_matches('/');
        let folder_of = |n: usize| {
            let file = &self.notes.files[n];
            file.rsplit_once('/').map_or("", |(d, _)| d)
        };
        let in_folder: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&n| folder_of(n) == link_folder)
            .collect();
        if let [n] = in_folder[..] {
            return Some((n, None));
        }
        // Otherwise the note nearest the linking note (the most folders in common), then one
        // whose name is written exactly as the link writes it, then the one nearest the root.
        let shared = |n: usize| {
            let folder = folder_of(n);
            folder
                .split('/')
                .zip(link_folder.split('/'))
                .take_while(|(a, b)| !a.is_empty() && a == b)
                .count()
        };
        let written = name.trim().rsplit(['/', '\\']).next().unwrap_or(name);
        let written = written.strip_suffix(".md").unwrap_or(written);
        let same_case = |n: usize| {
            let file = &self.notes.files[n];
            let stem = file.rsplit('/').next().unwrap_or(file);
            stem.strip_suffix(".md").unwrap_or(stem) == written
        };
        let best = *candidates
            .iter()
            .min_by_key(|&&n| {
                let depth = self.notes.files[n].matches('/').count();
                (
                    std::cmp::Reverse(shared(n)),
                    !same_case(n),
                    depth,
                    &self.notes.files[n],
                )
            })
            .expect("candidates are never empty");
        let all: Vec<String> = candidates
            .iter()
            .map(|&n| format!("`{}`", self.notes.files[n]))
            .collect();
        let warning = format!(
            "`{key}` fits {} notes: {}; linking `{}` (write more of the path to choose)",
            candidates.len(),
            all.join(", "),
            self.notes.files[best]
        );
        Some((best, Some(warning)))
    }

    fn resolve_asset(&self, name: &str, dir: &str) -> Resolution {
        let decoded = percent_decode(name);
        let by_path = join_path(dir, &decoded)
            .and_then(|p| self.assets_by_path.get(&p))
            .or_else(|| self.assets_by_path.get(decoded.trim_start_matches('/')));
        if let Some(&i) = by_path {
            return Resolution::found(Target::Asset(self.asset_paths[i].clone()));
        }
        let file_name = decoded
            .rsplit('/')
            .next()
            .unwrap_or(&decoded)
            .to_lowercase();
        if let Some(candidates) = self.assets_by_name.get(&file_name) {
            let best = candidates
                .iter()
                .min_by_key(|&&i| {
                    let path = &self.asset_paths[i];
                    let in_dir = path.rsplit_once('/').map_or("", |(d, _)| d) == dir;
                    (!in_dir, path.matches('/').count(), path.clone())
                })
                .expect("candidates are never empty");
            return Resolution::found(Target::Asset(self.asset_paths[*best].clone()));
        }
        let withheld = join_path(dir, &decoded)
            .and_then(|p| self.withheld.files.get(&p))
            .or_else(|| self.withheld.files.get(decoded.trim_start_matches('/')))
            .or_else(|| self.withheld.files.get(&file_name));
        if let Some(why) = withheld {
            return Resolution::withheld(why);
        }
        Resolution::failed(format!(
            "no file `{name}` under `content/`{}",
            suggest(&file_name, self.asset_paths.iter().map(String::as_str))
        ))
    }

    pub fn source(&self, id: &str) -> Option<SourceId> {
        self.sources.get(id).copied()
    }

    /// Why a source the site has is left out of this build, if it is.
    pub fn withheld_source(&self, id: &str) -> Option<&Withholding> {
        self.withheld.sources.get(id)
    }

    pub fn suggest_source(&self, id: &str) -> String {
        suggest(id, self.sources.keys().map(String::as_str))
    }

    /// Resolves an ordinary Markdown link's path (`../ch1/Load%20Parameters.md`), relative to
    /// the linking file's folder.
    pub fn resolve_path(&self, path: &str, dir: &str) -> Resolution {
        let decoded = percent_decode(path);
        let Some(joined) = join_path(dir, &decoded) else {
            return Resolution::failed(format!("`{path}` points outside `content/`"));
        };
        if joined.to_ascii_lowercase().ends_with(".md") {
            if let Some(&n) = self.notes.by_file.get(&joined) {
                return Resolution::found(note_target(n));
            }
            // Obsidian writes a Markdown link by the file's name alone when the name is
            // unique (its "shortest path" format): found as a wikilink would be.
            if !decoded.contains('/') {
                let name = &decoded[..decoded.len() - ".md".len()];
                if let Some((n, warning)) = self.find_note(name, &slug::slugify_path(name), dir) {
                    return Resolution {
                        warning,
                        ..Resolution::found(note_target(n))
                    };
                }
            }
            if let Some(name) = joined.strip_prefix("concepts/") {
                // `joined` ends in `.md` in some case, checked above.
                let key = slug::slugify(&name[..name.len() - ".md".len()]);
                if let Some(c) = self.concepts.get(&key) {
                    return Resolution::found(Target::Concept(c.clone()));
                }
            }
            // By its path, or, like the lookup above, by a bare file name.
            let by_name = || match decoded.contains('/') {
                true => None,
                false => {
                    let name = &decoded[..decoded.len() - ".md".len()];
                    self.withheld
                        .find(Some(Kind::Note), &slug::slugify_path(name))
                }
            };
            if let Some(why) = self.withheld.files.get(&joined).or_else(by_name) {
                return Resolution::withheld(why);
            }
            return Resolution::failed(format!(
                "no note `{joined}` under `content/`{}",
                suggest(&joined, self.notes.by_file.keys().map(String::as_str))
            ));
        }
        match self.assets_by_path.get(&joined) {
            Some(&i) => Resolution::found(Target::Asset(self.asset_paths[i].clone())),
            // As for notes: a bare file name finds the file wherever it is.
            None if !decoded.contains('/')
                && self.assets_by_name.contains_key(&decoded.to_lowercase()) =>
            {
                self.resolve_asset(&decoded, dir)
            }
            None if self.withheld.files.contains_key(&joined) => {
                Resolution::withheld(&self.withheld.files[&joined])
            }
            None => Resolution::failed(format!(
                "no file `{joined}` under `content/`{}",
                suggest(&joined, self.asset_paths.iter().map(String::as_str))
            )),
        }
    }

    /// A link to nothing of `kind` (`None`: of any kind) by that name.
    fn unknown(&self, kind: Option<Kind>, written: &str, key: &str) -> Resolution {
        if let Some(why) = self.withheld.find(kind, key) {
            return Resolution::withheld(why);
        }
        let what = kind.map_or("link target", Kind::name);
        let any = kind.is_none();
        let mut names: Vec<String> = Vec::new();
        if any || kind == Some(Kind::Note) {
            names.extend(self.notes.by_name.keys().cloned());
            names.extend(self.notes.by_alias.keys().cloned());
        }
        if any || kind == Some(Kind::Quote) {
            names.extend(self.quotes.keys().cloned());
        }
        if any || kind == Some(Kind::Concept) {
            let prefix = if any { "concept:" } else { "" };
            names.extend(self.concepts.keys().map(|c| format!("{prefix}{c}")));
        }
        if any || kind == Some(Kind::Source) {
            let prefix = if any { "source:" } else { "" };
            names.extend(self.sources.keys().map(|s| format!("{prefix}{s}")));
        }
        let hint = suggest(key, names.iter().map(String::as_str));
        Resolution::failed(format!("unknown {what} `{written}`{hint}"))
    }
}

/// A name as Obsidian compares it: its own characters, composed (macOS writes file names
/// decomposed), lower-cased, with `\` as `/` and no `.md`.
fn exact_name(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let name = name.trim();
    let name = name
        .strip_suffix(".md")
        .or_else(|| name.strip_suffix(".MD"))
        .unwrap_or(name);
    name.nfc()
        .flat_map(char::to_lowercase)
        .map(|c| if c == '\\' { '/' } else { c })
        .collect::<String>()
        .trim_matches('/')
        .to_string()
}

/// `" (did you mean `x`?)"` for the closest name, or nothing when none is close.
fn suggest<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> String {
    let wanted = wanted.to_lowercase();
    // One typo (a swap of two letters counts as one) for every eight letters of the last
    // path part, however long the folders are; a name of four letters or fewer only a
    // missing or extra letter (`bok` for `book`), since a wrong one makes another word as
    // often as a typo (`cat`, `cao`). And only a guess no other name ties with.
    let last_part = wanted.rsplit('/').next().unwrap_or(&wanted);
    let short = last_part.chars().count() <= 4;
    let limit = last_part.chars().count().div_ceil(8).max(1);
    // Lengths first: most names are too long or too short to be within reach, and the
    // edit distance is the costly part (thousands of names, for every unknown link).
    let length = wanted.chars().count();
    let mut close: Vec<(usize, &str)> = names
        .filter(|name| name.chars().count().abs_diff(length) <= limit)
        .filter(|name| !short || name.chars().count() != length)
        .map(|name| (strsim::osa_distance(&wanted, &name.to_lowercase()), name))
        .filter(|(distance, _)| *distance <= limit)
        .collect();
    close.sort_unstable();
    close.dedup_by(|a, b| a.1.eq_ignore_ascii_case(b.1));
    let best = match close.as_slice() {
        [only] => Some(*only),
        [first, second, ..] if first.0 < second.0 => Some(*first),
        _ => None,
    };
    match best {
        Some((_, name)) => format!(" (did you mean `{name}`?)"),
        None => String::new(),
    }
}

fn note_target(note: usize) -> Target {
    Target::Note {
        note: NoteId(note),
        anchor: None,
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_only_for_a_likely_typo() {
        let names = [
            "welcome",
            "second",
            "book",
            "cao",
            "bat",
            "external-links",
            "first",
        ];
        let hint = |wanted: &str| suggest(wanted, names.iter().copied());
        assert_eq!(hint("welcom"), " (did you mean `welcome`?)");
        assert_eq!(hint("secnod"), " (did you mean `second`?)");
        assert_eq!(hint("frist"), " (did you mean `first`?)");
        assert_eq!(hint("bok"), " (did you mean `book`?)");
        // A short name with a wrong letter, a long one with three: no guess.
        assert_eq!(hint("cat"), "");
        assert_eq!(hint("internal links"), "");
    }

    #[test]
    fn prefixes_and_extensions() {
        assert_eq!(
            split_prefix("concept:reliability"),
            (Some(Kind::Concept), "reliability")
        );
        assert_eq!(split_prefix("ddia/x"), (None, "ddia/x"));
        assert_eq!(file_extension("img/diagram.png"), Some("png"));
        assert_eq!(file_extension("v1.2 notes"), None);
        assert_eq!(
            join_path("notes/ch1", "../img/a.png").as_deref(),
            Some("notes/img/a.png")
        );
        assert_eq!(join_path("", "../a"), None);
    }
}
