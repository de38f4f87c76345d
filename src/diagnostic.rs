//! Content problems, collected rather than thrown, so a user sees every one of them in one run.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a content problem is: errors stop the build, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one file, at a 1-based line and column (columns count characters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    /// Path relative to the site root, so output is the same on every machine.
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    pub message: String,
}

/// The longest message a diagnostic holds, in characters; longer ones end with `…`.
pub const MAX_MESSAGE: usize = 1_000;

impl Diagnostic {
    pub fn error(path: impl Into<PathBuf>, pos: Pos, message: impl Into<String>) -> Self {
        Self::new(path, pos, Severity::Error, message)
    }

    pub fn warning(path: impl Into<PathBuf>, pos: Pos, message: impl Into<String>) -> Self {
        Self::new(path, pos, Severity::Warning, message)
    }

    pub fn new(
        path: impl Into<PathBuf>,
        pos: Pos,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        let mut message = message.into();
        // However much of the input a message quotes, it stays a line a person reads.
        if message.chars().count() > MAX_MESSAGE {
            message = crate::text::excerpt(&message, MAX_MESSAGE);
        }
        Diagnostic {
            path: path.into(),
            line: pos.line,
            column: pos.column,
            severity,
            message,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {}: {}",
            display_path(&self.path),
            self.line,
            self.column,
            severity,
            self.message
        )
    }
}

/// A path with `/` separators on every platform.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '\\' {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    }
}

/// Sorts diagnostics by file and position and drops exact repeats, so output is stable.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort();
    diagnostics.dedup();
}

pub fn count_errors(diagnostics: &[Diagnostic]) -> usize {
    diagnostics.iter().filter(|d| d.is_error()).count()
}

/// A 1-based line and column in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, column: 1 };

    pub fn new(line: usize, column: usize) -> Self {
        Pos { line, column }
    }
}

/// Where a piece of text sits inside its file: the line it starts on, and the indent of its
/// lines (a Markdown annotation inside a YAML block scalar is indented).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub line: usize,
    /// Columns to add to every position (the indent of a YAML block scalar).
    pub indent: usize,
    /// Columns to add on the first line only (an inline YAML value after `key: `).
    pub first_line_column: usize,
}

impl Origin {
    pub fn at_line(line: usize) -> Self {
        Origin {
            line,
            indent: 0,
            first_line_column: 0,
        }
    }

    /// The file position of byte `offset` of `text`, a string that starts at this origin.
    pub fn pos(&self, text: &str, offset: usize) -> Pos {
        let before = &text[..offset.min(text.len())];
        let line_in_text = before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        let extra = if line_in_text == 0 {
            self.first_line_column
        } else {
            self.indent
        };
        Pos::new(self.line + line_in_text, column + extra)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_maps_offsets_to_file_positions() {
        let text = "ab\ncdé f";
        let origin = Origin {
            line: 10,
            indent: 4,
            first_line_column: 6,
        };
        assert_eq!(origin.pos(text, 0), Pos::new(10, 7));
        assert_eq!(origin.pos(text, 3), Pos::new(11, 5));
        // `é` is two bytes but one column.
        assert_eq!(origin.pos(text, 7), Pos::new(11, 8));
    }

    #[test]
    fn display_is_file_line_column() {
        let d = Diagnostic::error("content/notes/a.md", Pos::new(3, 5), "bad");
        assert_eq!(d.to_string(), "content/notes/a.md:3:5: error: bad");
    }
}
