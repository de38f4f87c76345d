//! Concept files: `content/concepts/<name>.md`, a description, aliases and broader concepts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::front_matter::{self, FrontMatter};
use super::Markdown;
use crate::diagnostic::{Diagnostic, Origin, Pos};
use crate::slug;

#[derive(Debug, Clone)]
pub struct ConceptFile {
    pub file: PathBuf,
    /// The normalized name, from the file name.
    pub name: String,
    pub title: Option<String>,
    pub aliases: Vec<String>,
    pub broader: Vec<String>,
    pub broader_pos: Pos,
    pub extra: BTreeMap<String, serde_json::Value>,
    /// What its front matter's `publish` says, if anything.
    pub publish: super::publish::PublishFlag,
    pub body: Markdown,
}

const KNOWN_KEYS: &[&str] = &["title", "aliases", "broader", "publish", "dg-publish"];

pub fn parse(text: &str, file: &Path, relative: &str) -> (Option<ConceptFile>, Vec<Diagnostic>) {
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
    // `concepts/status/draft.md` describes the nested concept `status/draft` (`#status/draft`).
    let under = relative.strip_prefix("concepts/").unwrap_or(relative);
    let name = slug::slugify_path(under.rsplit_once('.').map_or(under, |(stem, _)| stem));
    if name.is_empty() {
        diagnostics.push(Diagnostic::error(
            file,
            Pos::START,
            "this file name has no letters or digits to make a concept name from; rename it",
        ));
        return (None, diagnostics);
    }
    let title = fm.string("title", &mut diagnostics);
    if title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        diagnostics.push(Diagnostic::error(
            file,
            fm.pos("title"),
            "`title` is empty; write a title or remove the key to use the file name",
        ));
    }
    let body = Markdown::new(
        split.body.to_string(),
        Origin::at_line(split.body_line),
        file.to_path_buf(),
        relative.rsplit_once('/').map_or("", |(d, _)| d).to_string(),
        &mut diagnostics,
    );
    let concept = ConceptFile {
        file: file.to_path_buf(),
        title: title.filter(|t| !t.trim().is_empty()),
        aliases: fm.list("aliases", &mut diagnostics),
        broader: fm.list("broader", &mut diagnostics),
        broader_pos: fm.pos("broader"),
        extra: fm.extra(KNOWN_KEYS),
        publish: super::note::publish_flag(&fm, &mut diagnostics),
        body,
        name,
    };
    (Some(concept), diagnostics)
}
