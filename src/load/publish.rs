//! What leaves the user's machine. A vault holds more than its owner wants on the web (a
//! journal, drafts, templates, notes about other people), so every file under `content/` is
//! published or withheld for a reason, decided here, at load. What is withheld never enters
//! the link stage's graph, so no page, list, feed, sitemap or search index can show it; the
//! link stage learns only its names, so that a link to it can say why it shows as plain text.

use std::fmt;
use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::{ConceptFile, Note, Source};
use crate::config::{Config, PublishMode};
use crate::site::CONTENT_DIR;

/// Why a file is kept off the published site.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Withholding {
    /// A pattern of `ignore:` (or the vault's templates folder) names it: it is never read.
    Ignored(String),
    /// `draft: true`, in a build without `--drafts`.
    Draft,
    /// Its front matter (or its quote file's `source`) says `publish: false`, by this key
    /// (`publish`, or the Digital Garden plugin's `dg-publish`).
    Unpublished(&'static str),
    /// Its `publish` or `draft` says neither yes nor no, or is on a line of front matter that
    /// cannot be read and says neither there.
    Unreadable,
    /// `publish: explicit`, and its front matter does not say `publish: true`.
    NotSelected,
    /// A file that only withheld notes use.
    UsedOnlyByWithheld,
    /// A file that nothing published uses, under `publish: explicit`.
    Unused,
}

impl fmt::Display for Withholding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Withholding::Ignored(pattern) => write!(f, "ignored by {pattern}"),
            Withholding::Draft => f.write_str("draft: true"),
            Withholding::Unpublished(key) => write!(f, "{key}: false"),
            Withholding::Unreadable => f.write_str("its `publish` or `draft` cannot be read"),
            Withholding::NotSelected => f.write_str("publish: explicit, and no `publish: true`"),
            Withholding::UsedOnlyByWithheld => f.write_str("only unpublished notes use it"),
            Withholding::Unused => f.write_str("publish: explicit, and nothing published uses it"),
        }
    }
}

impl Withholding {
    /// A short name for counts (`3 publish: false`).
    pub fn kind(&self) -> &'static str {
        match self {
            Withholding::Ignored(_) => "ignored",
            Withholding::Draft => "draft",
            Withholding::Unpublished(_) => "publish: false",
            Withholding::Unreadable => "unreadable",
            Withholding::NotSelected => "not publish: true",
            Withholding::UsedOnlyByWithheld => "used only by unpublished notes",
            Withholding::Unused => "unused",
        }
    }
}

/// What a text's front matter says about publishing it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PublishFlag {
    /// No `publish` key.
    #[default]
    Unsaid,
    /// `publish` (or `key`) says yes or no.
    Says { publish: bool, key: &'static str },
    /// Front matter that cannot be read has a `publish` or `draft` line that cannot be read
    /// either: nobody can tell what its author wanted, so it is not published.
    Unreadable,
}

/// Whether a note or concept file is published, from what its front matter says about
/// `publish` and `draft`.
pub fn decide(
    mode: PublishMode,
    flag: PublishFlag,
    draft: bool,
    drafts: bool,
) -> Option<Withholding> {
    if flag == PublishFlag::Unreadable {
        return Some(Withholding::Unreadable);
    }
    if draft && !drafts {
        return Some(Withholding::Draft);
    }
    match (mode, flag) {
        (
            _,
            PublishFlag::Says {
                publish: false,
                key,
            },
        ) => Some(Withholding::Unpublished(key)),
        (PublishMode::Explicit, PublishFlag::Unsaid) => Some(Withholding::NotSelected),
        _ => None,
    }
}

/// Whether a file under `content/` that is no text (an image, a PDF) is published, from
/// whether published texts use it and whether withheld ones do: a file only withheld texts
/// use is withheld with them, and under `publish: explicit` so is one that nothing uses.
pub fn decide_file(
    mode: PublishMode,
    used_by_published: bool,
    used_by_withheld: bool,
) -> Option<Withholding> {
    match (used_by_published, used_by_withheld, mode) {
        (true, _, _) => None,
        (false, true, _) => Some(Withholding::UsedOnlyByWithheld),
        (false, false, PublishMode::Explicit) => Some(Withholding::Unused),
        (false, false, PublishMode::All) => None,
    }
}

/// What a build leaves out: the texts it read but does not publish, and the files it did not
/// read at all. In a preview of everything, only the ignored files are here; the rest are in
/// the corpus, each marked with why the published site leaves it out.
#[derive(Debug, Default)]
pub struct Withheld {
    pub notes: Vec<(Note, Withholding)>,
    pub concept_files: Vec<(ConceptFile, Withholding)>,
    pub sources: Vec<(Source, Withholding)>,
    /// Files under `content/` that an `ignore` pattern names, by content-relative path, with
    /// the pattern's description.
    pub ignored: Vec<(String, String)>,
}

impl Withheld {
    /// Every withheld text's file (site-relative) and why, ignored files included.
    pub fn files(&self) -> Vec<(PathBuf, Withholding)> {
        let mut out: Vec<(PathBuf, Withholding)> = Vec::new();
        out.extend(self.notes.iter().map(|(n, w)| (n.file.clone(), w.clone())));
        out.extend(
            self.concept_files
                .iter()
                .map(|(c, w)| (c.file.clone(), w.clone())),
        );
        out.extend(
            self.sources
                .iter()
                .map(|(s, w)| (s.file.clone(), w.clone())),
        );
        out.extend(self.ignored.iter().map(|(path, pattern)| {
            (
                Path::new(CONTENT_DIR).join(path),
                Withholding::Ignored(pattern.clone()),
            )
        }));
        out
    }
}

/// What a build of the site publishes and what it leaves out, file by file, as `check`
/// reports it.
#[derive(Debug, Default)]
pub struct Publication {
    /// The notes, concept files and quote files published, by file, sorted.
    pub published: Vec<PathBuf>,
    /// The other files (images, PDFs, ...) published, by file, sorted.
    pub files: Vec<PathBuf>,
    /// Every file left out, with why, sorted by file.
    pub withheld: Vec<(PathBuf, Withholding)>,
}

/// The `ignore` patterns, compiled, each with how to name it in a report.
pub struct IgnoreRules {
    matcher: Gitignore,
    /// (pattern as compiled, how a report names it).
    described: Vec<(String, String)>,
}

impl IgnoreRules {
    /// The site's `ignore` list; when the site keeps the default list, also the templates
    /// folder its Obsidian vault's settings name (the core Templates plugin's and Templater's),
    /// since templates are never notes. A pattern that does not compile was reported by
    /// [`Config::parse`] and is skipped here.
    pub fn new(root: &Path, config: &Config) -> IgnoreRules {
        let mut described: Vec<(String, String)> = config
            .ignore_patterns()
            .iter()
            .map(|p| (p.clone(), format!("`{p}` in `ignore`")))
            .collect();
        if config.ignore.is_none() {
            described.extend(vault_template_folders(root));
        }
        let mut builder = GitignoreBuilder::new("");
        // `templates/` keeps out Obsidian's usual `Templates/` too.
        builder
            .case_insensitive(true)
            .expect("setting case sensitivity cannot fail");
        for (pattern, _) in &described {
            let _ = builder.add_line(None, pattern);
        }
        let matcher = builder.build().unwrap_or_else(|_| Gitignore::empty());
        IgnoreRules { matcher, described }
    }

    /// How the pattern that keeps out `relative` (a path under `content/`) is named, if one
    /// does.
    pub fn ignores(&self, relative: &str) -> Option<String> {
        let found = self.matcher.matched_path_or_any_parents(relative, false);
        let glob = match found {
            ignore::Match::Ignore(glob) => glob,
            ignore::Match::None | ignore::Match::Whitelist(_) => return None,
        };
        let description = self
            .described
            .iter()
            .find(|(pattern, _)| pattern == glob.original())
            .map_or_else(|| format!("`{}`", glob.original()), |(_, d)| d.clone());
        Some(description)
    }
}

/// The templates folders an Obsidian vault in `content/notes/` (or `content/`) names in its
/// settings, as anchored patterns relative to `content/`, each with where it was named.
fn vault_template_folders(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (vault, prefix) in crate::site::vault_dirs(root) {
        let settings = vault.join(".obsidian");
        if !settings.is_dir() {
            continue;
        }
        let read = |file: &str, key: &str| -> Option<String> {
            let text = std::fs::read_to_string(settings.join(file)).ok()?;
            let value: serde_json::Value = serde_json::from_str(&text).ok()?;
            let folder = value.get(key)?.as_str()?.trim().trim_matches('/');
            (!folder.is_empty()).then(|| folder.to_string())
        };
        let places = [
            ("templates.json", "folder"),
            ("plugins/templater-obsidian/data.json", "templates_folder"),
        ];
        for (file, key) in places {
            if let Some(folder) = read(file, key) {
                // Gitignore's special characters in a folder name are meant literally.
                let escaped: String = folder
                    .chars()
                    .flat_map(|c| match c {
                        '*' | '?' | '[' | ']' | '!' | '#' | '\\' => vec!['\\', c],
                        c => vec![c],
                    })
                    .collect();
                out.push((
                    format!("/{prefix}{escaped}/"),
                    format!("the vault's templates folder `{folder}` (`.obsidian/{file}`)"),
                ));
            }
        }
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(patterns: &[&str]) -> IgnoreRules {
        let config = Config {
            ignore: Some(patterns.iter().map(|p| p.to_string()).collect()),
            ..Config::default()
        };
        IgnoreRules::new(Path::new("/nonexistent"), &config)
    }

    #[test]
    fn default_folders_are_ignored_at_any_depth_in_any_case() {
        let rules = IgnoreRules::new(Path::new("/nonexistent"), &Config::default());
        for ignored in [
            "notes/private/diary.md",
            "notes/Templates/Daily.md",
            "private/x.png",
            "notes/work/templates/a.md",
        ] {
            assert!(rules.ignores(ignored).is_some(), "{ignored}");
        }
        for kept in [
            "notes/privately.md",
            "notes/templates.md",
            "notes/a/private-life.md",
        ] {
            assert_eq!(rules.ignores(kept), None, "{kept}");
        }
        assert_eq!(
            rules.ignores("notes/Private/a.md").as_deref(),
            Some("`private/` in `ignore`")
        );
    }

    #[test]
    fn patterns_are_gitignore_globs() {
        let rules = rules(&["/notes/journal/", "*.excalidraw.md", "!keep.excalidraw.md"]);
        assert!(rules.ignores("notes/journal/2024/01.md").is_some());
        assert!(rules.ignores("notes/work/journal/x.md").is_none());
        assert!(rules.ignores("notes/a/b.excalidraw.md").is_some());
        assert!(rules.ignores("notes/a/keep.excalidraw.md").is_none());
        assert!(rules.ignores("notes/private/a.md").is_none());
    }

    #[test]
    fn a_file_follows_the_texts_that_use_it() {
        use Withholding::*;
        let (all, explicit) = (PublishMode::All, PublishMode::Explicit);
        assert_eq!(decide_file(all, true, true), None);
        assert_eq!(decide_file(all, false, true), Some(UsedOnlyByWithheld));
        assert_eq!(decide_file(all, false, false), None);
        assert_eq!(decide_file(explicit, true, false), None);
        assert_eq!(decide_file(explicit, false, false), Some(Unused));
    }

    #[test]
    fn publish_false_wins_and_explicit_needs_true() {
        use Withholding::*;
        let all = PublishMode::All;
        let explicit = PublishMode::Explicit;
        let says = |publish| PublishFlag::Says {
            publish,
            key: "publish",
        };
        let unsaid = PublishFlag::Unsaid;
        assert_eq!(decide(all, unsaid, false, false), None);
        assert_eq!(
            decide(all, says(false), false, false),
            Some(Unpublished("publish"))
        );
        assert_eq!(decide(all, says(true), true, false), Some(Draft));
        assert_eq!(
            decide(all, says(false), true, true),
            Some(Unpublished("publish"))
        );
        assert_eq!(decide(explicit, unsaid, false, false), Some(NotSelected));
        assert_eq!(decide(explicit, says(true), false, false), None);
        assert_eq!(
            decide(explicit, says(false), false, false),
            Some(Unpublished("publish"))
        );
        assert_eq!(
            decide(all, PublishFlag::Unreadable, false, true),
            Some(Unreadable)
        );
    }
}
