//! `commonplace init DIR`: a new knowledge base that builds at once.

use std::path::{Path, PathBuf};

use crate::fs::{self, IoError};

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("`{}` is not empty; `init` only writes into a new or empty folder", .0.display())]
    NotEmpty(PathBuf),
    #[error("`{}` exists and is not a folder", .0.display())]
    NotADirectory(PathBuf),
    #[error(transparent)]
    Io(#[from] IoError),
}

const FILES: &[(&str, &str)] = &[
    (
        "commonplace.yaml",
        "title: My commonplace book\nbase_url: /\nauthor: \"\"\nlanguage: en\n\
# Every note is published but those whose front matter says `publish: false`; with
# `publish: explicit`, only those that say `publish: true`.
publish: all
# Files never read: gitignore patterns under content/, any case. Unset, these three and the
# templates folder the vault's settings name.
# ignore: [private/, templates/, .trash/]
",
    ),
    (".gitignore", "/public/\n/.commonplace/\n"),
    (
        "content/notes/welcome.md",
        r#"---
title: Welcome to your commonplace book
date: {today}
concepts: [commonplace-book]
sources: [meditations]
---
A note is Markdown with a little front matter. Quotes live in `content/quotes/`, one file per
source, and a note can embed one:

![[meditations/opinion]]

Link to a concept with [[concept:commonplace-book]], to a source with [[source:meditations]], or
to another note by its file name. Run `commonplace build` and open `public/index.html`, or
`commonplace check` to see every problem at once.
"#,
    ),
    (
        "content/quotes/meditations.yaml",
        r#"source:
  id: meditations
  title: Meditations
  author: Marcus Aurelius
  year: 180
  kind: book
quotes:
  - id: opinion
    text: Everything we hear is an opinion, not a fact.
    locator: book 4
    concepts: [commonplace-book]
    note: |
      Kept as a reminder that a quote is a view, not a verdict.
"#,
    ),
    (
        "content/concepts/commonplace-book.md",
        r#"---
title: Commonplace book
aliases: [commonplace]
---
A notebook of passages worth keeping, gathered under headings so they can be found again.
"#,
    ),
];

/// Writes a starter site into `dir`, which must be missing or empty. Its first note is dated
/// today, by the local clock.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, InitError> {
    init_on(dir, chrono::Local::now().date_naive())
}

/// [`init`], with the day to date the first note.
pub fn init_on(dir: &Path, today: chrono::NaiveDate) -> Result<Vec<PathBuf>, InitError> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(InitError::NotADirectory(dir.to_path_buf()));
        }
        let mut entries = std::fs::read_dir(dir).map_err(|source| IoError {
            action: "list",
            path: dir.to_path_buf(),
            source,
        })?;
        if entries.next().is_some() {
            return Err(InitError::NotEmpty(dir.to_path_buf()));
        }
    }
    let mut written = Vec::new();
    for (path, text) in FILES {
        let target = dir.join(path);
        let text = text.replace("{today}", &crate::text::iso_date(today));
        fs::write_with_parents(&target, text)?;
        written.push(target);
    }
    Ok(written)
}
