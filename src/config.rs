//! `commonplace.yaml`: the site's settings. Unknown keys are errors, so a typo is never ignored.

use std::path::Path;

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, Pos};
use crate::yaml;

pub const FILE_NAME: &str = "commonplace.yaml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    /// Where the site is published, e.g. `https://user.github.io/kb/`. Its path part prefixes
    /// every link, so a site under a sub-path works.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "default_theme")]
    pub theme: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub broken_links: BrokenLinks,
    /// Front matter that cannot be read is an error rather than a warning (by default the
    /// note is published without it, as Obsidian shows it).
    #[serde(default)]
    pub strict: bool,
    /// Whether `#tag` in a note's text names a concept, as in Obsidian.
    #[serde(default = "yes")]
    pub inline_tags: bool,
    /// Whether raw HTML in notes is cleaned of scripts, event handlers and `javascript:` URLs,
    /// as Obsidian and Obsidian Publish do. Turn it off only for a site whose every author is
    /// trusted with running scripts in its readers' browsers.
    #[serde(default = "yes")]
    pub sanitize_html: bool,
    /// Obsidian's "strict line breaks": whether a single line break in a paragraph is only a
    /// space (CommonMark) rather than a line break (Obsidian's default). Unset, it is read from
    /// the vault's `.obsidian/app.json` when the site has one, else true.
    #[serde(default)]
    pub strict_line_breaks: Option<bool>,
    /// Which notes the site publishes: all but those that say `publish: false` (or are
    /// drafts), or only those that say `publish: true`, as Obsidian Publish selects them.
    #[serde(default)]
    pub publish: PublishMode,
    /// Gitignore-style patterns, relative to `content/`, for files the site never reads: not
    /// published, not linked to, not even parsed (a template's `{{title}}` is not YAML).
    /// Unset, [`DEFAULT_IGNORE`] and the vault's templates folder.
    #[serde(default)]
    pub ignore: Option<Vec<String>>,
}

/// What `publish:` in `commonplace.yaml` says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishMode {
    /// Every note but those whose front matter says `publish: false` (and drafts).
    #[default]
    All,
    /// Only notes and concept files whose front matter says `publish: true`.
    Explicit,
}

/// The folders Obsidian users keep out of what they publish; `.trash/` is Obsidian's own
/// (skipped anyway, as every hidden folder is, but named so that the default says so).
pub const DEFAULT_IGNORE: &[&str] = &["private/", "templates/", ".trash/"];

fn yes() -> bool {
    true
}

/// What a link to a missing target is: an error (the default), or a warning for a site that is
/// still growing, such as a freshly imported vault.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BrokenLinks {
    #[default]
    Error,
    Warn,
}

fn default_base_url() -> String {
    "/".to_string()
}

fn default_theme() -> String {
    "default".to_string()
}

fn default_language() -> String {
    "en".to_string()
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "commonplace".to_string(),
            base_url: default_base_url(),
            author: None,
            description: None,
            theme: default_theme(),
            language: default_language(),
            broken_links: BrokenLinks::Error,
            strict: false,
            inline_tags: true,
            sanitize_html: true,
            strict_line_breaks: None,
            publish: PublishMode::All,
            ignore: None,
        }
    }
}

/// Reads gitignore patterns as the load stage will; the error names the first bad one.
fn check_patterns(patterns: &[String]) -> Result<(), (usize, String)> {
    for (i, pattern) in patterns.iter().enumerate() {
        let mut builder = ignore::gitignore::GitignoreBuilder::new("");
        if let Err(err) = builder.add_line(None, pattern) {
            return Err((i, err.to_string()));
        }
    }
    Ok(())
}

impl Config {
    /// Parses the config text; a problem becomes a diagnostic and the defaults stand in, so
    /// that the rest of the content is still checked in the same run.
    pub fn parse(text: &str, path: &Path) -> (Config, Vec<Diagnostic>) {
        match serde_yaml_ng::from_str::<Config>(text) {
            Ok(mut config) => {
                let mut diagnostics = Vec::new();
                if config.title.trim().is_empty() {
                    let pos = yaml::key_value_pos(text, "title", 1).unwrap_or(Pos::START);
                    diagnostics.push(Diagnostic::error(path, pos, "`title` is empty"));
                }
                config.base_url = config.base_url.trim().to_string();
                config.author = config.author.filter(|a| !a.trim().is_empty());
                // The browser client's list of languages, which is tested equal to the
                // index's (`search::schema::LANGUAGES`): the config needs no search to check.
                let codes = commonplace_client::analyzer::languages();
                let code = commonplace_client::analyzer::language_code(&config.language);
                if !codes.contains(&code.as_str()) {
                    let pos = yaml::key_value_pos(text, "language", 1).unwrap_or(Pos::START);
                    diagnostics.push(Diagnostic::error(
                        path,
                        pos,
                        format!(
                            "search has no stemmer for language `{}`; use one of {}",
                            config.language,
                            codes.join(", ")
                        ),
                    ));
                    config.language = default_language();
                }
                config.description = config.description.filter(|d| !d.trim().is_empty());
                if let Err((i, problem)) = check_patterns(&config.ignore_patterns()) {
                    let lines = yaml::Lines::new(text);
                    let pos = lines
                        .item_pos(&lines.block_list_items("ignore"), i, 1)
                        .or_else(|| yaml::key_value_pos(text, "ignore", 1))
                        .unwrap_or(Pos::START);
                    diagnostics.push(Diagnostic::error(
                        path,
                        pos,
                        format!("this `ignore` pattern cannot be read: {problem}"),
                    ));
                }
                (config, diagnostics)
            }
            Err(err) => {
                let diagnostic = yaml::error_diagnostic(&err, path, 1, "in site settings");
                (Config::default(), vec![diagnostic])
            }
        }
    }

    /// The `ignore` patterns in force: the site's, or the defaults.
    pub fn ignore_patterns(&self) -> Vec<String> {
        match &self.ignore {
            Some(patterns) => patterns.clone(),
            None => DEFAULT_IGNORE.iter().map(|p| p.to_string()).collect(),
        }
    }

    /// The path part of `base_url` without its trailing `/`: `""` for a site at the root,
    /// `"/kb"` for `https://user.github.io/kb/`. Every internal link starts with it.
    pub fn base_path(&self) -> String {
        let url = self.base_url.as_str();
        let path = match url.find("://") {
            Some(scheme_end) => {
                let after_host = &url[scheme_end + 3..];
                after_host.find('/').map_or("", |i| &after_host[i..])
            }
            None => url,
        };
        let path = path.trim_end_matches('/');
        if path.is_empty() || path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        }
    }

    /// `base_url` with exactly one trailing `/`, for absolute URLs in feeds and sitemaps.
    pub fn absolute_base(&self) -> String {
        format!("{}/", self.base_url.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_with(base_url: &str) -> Config {
        Config {
            base_url: base_url.to_string(),
            ..Config::default()
        }
    }

    #[test]
    fn base_path_of_sub_path_sites() {
        assert_eq!(config_with("https://user.github.io/kb/").base_path(), "/kb");
        assert_eq!(config_with("https://example.org").base_path(), "");
        assert_eq!(config_with("https://example.org/").base_path(), "");
        assert_eq!(config_with("/").base_path(), "");
        assert_eq!(config_with("/docs/kb").base_path(), "/docs/kb");
    }

    #[test]
    fn unknown_keys_are_errors_with_position() {
        let (_, diagnostics) =
            Config::parse("title: x\nthem: dark\n", Path::new("commonplace.yaml"));
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].line, 2);
        assert!(diagnostics[0].message.contains("unknown field `them`"));
    }
}
