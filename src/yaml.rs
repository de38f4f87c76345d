//! YAML helpers shared by the loaders: errors as diagnostics, and positions of keys and list
//! items, which serde does not report for values that parsed but were wrong.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Pos};

/// Turns a serde_yaml_ng error into a diagnostic at its position. `first_line` is the file line
/// of the YAML text's first line (front matter starts on line 2 of its file).
pub fn error_diagnostic(
    err: &serde_yaml_ng::Error,
    path: &Path,
    first_line: usize,
    context: &str,
) -> Diagnostic {
    let pos = err
        .location()
        .map(|loc| Pos::new(loc.line() + first_line - 1, loc.column()))
        .unwrap_or(Pos::new(first_line, 1));
    let message = rewrite_locations(&err.to_string(), first_line);
    Diagnostic::error(path, pos, format!("invalid YAML {context}: {message}"))
}

/// serde_yaml_ng writes positions into its messages as "at line N column M", counted in the
/// YAML text. The first is the error's own position, which the diagnostic reports, so it goes;
/// a later one (where the enclosing list or string started) is rewritten in file lines.
fn rewrite_locations(message: &str, first_line: usize) -> String {
    const MARK: &str = " at line ";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    let mut seen_first = false;
    while let Some(i) = rest.find(MARK) {
        let tail = &rest[i + MARK.len()..];
        let words: Vec<&str> = tail.splitn(4, ' ').collect();
        let line = words.first().and_then(|w| w.parse::<usize>().ok());
        let column = words
            .get(2)
            .map(|w| w.trim_end_matches([',', ':']))
            .and_then(|w| w.parse::<usize>().ok());
        let (Some(line), Some(column), Some(&"column")) = (line, column, words.get(1)) else {
            out.push_str(&rest[..i + MARK.len()]);
            rest = tail;
            continue;
        };
        out.push_str(&rest[..i]);
        if seen_first {
            let file_line = line + first_line - 1;
            out.push_str(&format!(
                " that starts at line {file_line}, column {column}"
            ));
        }
        seen_first = true;
        let consumed = words[0].len() + 1 + words[1].len() + 1 + column.to_string().len();
        rest = &tail[consumed..];
    }
    out.push_str(rest);
    out
}

/// The position of the value of a top-level `key:` in `text` (or of the key, when the value is on
/// the following lines). `first_line` is the file line of the text's first line.
pub fn key_value_pos(text: &str, key: &str, first_line: usize) -> Option<Pos> {
    find_key(text.lines().enumerate(), key, 0).map(|(i, col)| Pos::new(first_line + i, col))
}

/// Searches numbered lines for `key:` at the given indent, optionally after a list dash.
fn find_key<'a>(
    lines: impl Iterator<Item = (usize, &'a str)>,
    key: &str,
    indent: usize,
) -> Option<(usize, usize)> {
    for (i, line) in lines {
        // `get` rather than slicing: a multi-byte character may straddle the indent.
        match line.get(..indent) {
            Some(prefix) if prefix.trim().is_empty() => {}
            _ => continue,
        }
        let mut rest = &line[indent..];
        let mut col = indent;
        if let Some(after_dash) = rest.strip_prefix("- ") {
            let trimmed = after_dash.trim_start();
            col += 2 + after_dash.len() - trimmed.len();
            rest = trimmed;
        }
        let Some(after_key) = rest.strip_prefix(key) else {
            continue;
        };
        let Some(after_colon) = after_key.strip_prefix(':') else {
            continue;
        };
        let value = after_colon.trim_start();
        let value_col = if value.is_empty() || value.starts_with('#') {
            col
        } else {
            col + key.len() + 1 + (after_colon.len() - value.len())
        };
        return Some((i, value_col + 1));
    }
    None
}

/// A YAML file's lines, split once, for finding the position of list items and their keys.
pub struct Lines<'a> {
    lines: Vec<&'a str>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        Lines {
            lines: text.lines().collect(),
        }
    }

    /// The 0-based line indexes of the items of the block sequence under the top-level key
    /// `list_key` (`quotes:`). Flow-style lists yield nothing; callers fall back to the key.
    pub fn block_list_items(&self, list_key: &str) -> Vec<usize> {
        let header = format!("{list_key}:");
        let Some(start) = self
            .lines
            .iter()
            .position(|l| l.trim_end() == header || l.starts_with(&format!("{header} ")))
        else {
            return Vec::new();
        };
        let mut items = Vec::new();
        let mut item_indent = None;
        for (i, line) in self.lines.iter().enumerate().skip(start + 1) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            match item_indent {
                None if trimmed.starts_with('-') => {
                    item_indent = Some(indent);
                    items.push(i);
                }
                None => break,
                Some(expected) if indent == expected && trimmed.starts_with('-') => items.push(i),
                // A line at or left of the dashes that is not an item ends the list (a
                // top-level key after an unindented list, or less indented text).
                Some(expected) if indent < expected || (indent == 0 && expected == 0) => break,
                Some(_) => {}
            }
        }
        items
    }

    /// The position of `key:` inside list item `item` (an index into `items`), searching from
    /// the item's first line to the next item's. `first_line` is the file line of line 0.
    pub fn item_key_pos(
        &self,
        items: &[usize],
        item: usize,
        key: &str,
        first_line: usize,
    ) -> Option<Pos> {
        let start = *items.get(item)?;
        let end = items
            .get(item + 1)
            .copied()
            .unwrap_or(self.lines.len())
            .min(self.lines.len());
        let item_line = self.lines[start];
        let dash_indent = item_line.len() - item_line.trim_start().len();
        let candidates = || (start..end).map(|i| (i, self.lines[i]));
        // The first key sits after the dash; the rest are indented to match it.
        find_key(candidates(), key, dash_indent)
            .filter(|(i, _)| *i == start)
            .or_else(|| find_key(candidates(), key, dash_indent + 2))
            .map(|(i, col)| Pos::new(first_line + i, col))
    }

    /// The position of a list item's dash.
    pub fn item_pos(&self, items: &[usize], item: usize, first_line: usize) -> Option<Pos> {
        let line = *items.get(item)?;
        let content = self.lines.get(line)?;
        let col = content.len() - content.trim_start().len() + 1;
        Some(Pos::new(first_line + line, col))
    }

    pub fn line(&self, index: usize) -> &'a str {
        self.lines.get(index).copied().unwrap_or("")
    }
}

/// A short description of a YAML value's type, for "expected text, found a list" messages.
pub fn describe(value: &serde_yaml_ng::Value) -> &'static str {
    use serde_yaml_ng::Value;
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_serde_locations() {
        assert_eq!(
            rewrite_locations("unknown field `x`, expected `a` at line 3 column 1", 1),
            "unknown field `x`, expected `a`"
        );
        assert_eq!(
            rewrite_locations("quotes[0]: missing field `id` at line 4 column 5", 1),
            "quotes[0]: missing field `id`"
        );
        assert_eq!(
            rewrite_locations(
                "did not find expected ',' or ']' at line 3 column 1, while parsing a flow sequence at line 2 column 11",
                2
            ),
            "did not find expected ',' or ']', while parsing a flow sequence that starts at line 3, column 11"
        );
    }

    #[test]
    fn multi_byte_text_at_the_indent_is_not_a_key() {
        let text = "quotes:\n  - id: a\n   é: x\n    text: A\n";
        let lines = Lines::new(text);
        let items = lines.block_list_items("quotes");
        assert_eq!(
            lines.item_key_pos(&items, 0, "text", 1),
            Some(Pos::new(4, 11))
        );
    }

    #[test]
    fn finds_keys_and_items() {
        let text =
            "source:\n  title: T\nquotes:\n  - id: a\n    text: A\n\n  - text: B\n    id: b\n";
        assert_eq!(key_value_pos(text, "quotes", 1), Some(Pos::new(3, 1)));
        let lines = Lines::new(text);
        let items = lines.block_list_items("quotes");
        assert_eq!(items, vec![3, 6]);
        assert_eq!(lines.item_key_pos(&items, 0, "id", 1), Some(Pos::new(4, 9)));
        assert_eq!(lines.item_key_pos(&items, 1, "id", 1), Some(Pos::new(8, 9)));
        assert_eq!(
            lines.item_key_pos(&items, 1, "text", 1),
            Some(Pos::new(7, 11))
        );
        assert_eq!(lines.item_pos(&items, 1, 1), Some(Pos::new(7, 3)));
    }
}
