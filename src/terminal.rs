//! Search results as a person reads them in a terminal: rank, kind, title or quote text, source
//! and locator, URL, and a snippet with the matched words highlighted.

use std::fmt::Write as _;

use commonplace::search::index::Lookups;
use commonplace::search::query::SearchResults;

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const MARK: &str = "\x1b[1;33m";
const RESET: &str = "\x1b[0m";

pub fn results(results: &SearchResults, lookups: &Lookups, facets: bool, color: bool) -> String {
    let paint = |style: &str, text: &str| {
        if color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    if let Some(corrected) = &results.corrected {
        let _ = writeln!(
            out,
            "No results for \"{}\"; showing results for \"{corrected}\".",
            results.query
        );
    }
    let shown = results.hits.len();
    let _ = writeln!(
        out,
        "{} of {}",
        shown,
        commonplace::plural(results.total, "result")
    );
    for (rank, hit) in results.hits.iter().enumerate() {
        let snippet = snippet_text(&hit.snippet, color);
        // A short quote whose snippet is the quote itself is shown once, with the matched words
        // marked; otherwise the title, then the snippet where it adds something.
        let bare = |t: &str| t.trim().trim_end_matches(['.', '…', '!', '?']).to_string();
        let snippet_is_title = bare(&snippet_text(&hit.snippet, false)) == bare(&hit.title);
        let title = if snippet_is_title {
            snippet.clone()
        } else {
            paint(BOLD, &hit.title)
        };
        let _ = writeln!(
            out,
            "\n{:>3}. {} {}",
            rank + 1,
            paint(DIM, &format!("{:<7}", hit.kind)),
            title
        );
        let mut line = String::new();
        if let Some(source) = &hit.source {
            if hit.kind != "source" {
                let title = lookups
                    .source_titles
                    .get(source)
                    .map_or(source.as_str(), String::as_str);
                line.push_str(title);
                if let Some(locator) = &hit.locator {
                    line.push_str(", ");
                    line.push_str(locator);
                }
                line.push_str(" · ");
            }
        }
        line.push_str(&hit.url);
        let _ = writeln!(out, "     {}", paint(DIM, &line));
        if !snippet_is_title && !snippet.trim().is_empty() {
            let _ = writeln!(out, "     {snippet}");
        }
    }
    if facets {
        let list = |counts: &std::collections::BTreeMap<String, u64>| {
            let mut pairs: Vec<(&String, &u64)> = counts.iter().collect();
            pairs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            pairs
                .iter()
                .map(|(name, n)| format!("{name} ({n})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(out, "\nconcepts: {}", list(&results.facets.concept));
        let _ = writeln!(out, "sources: {}", list(&results.facets.source));
    }
    out
}

/// A snippet's HTML as terminal text: `<mark>` becomes colour (or nothing), entities are decoded,
/// line breaks become spaces.
fn snippet_text(html: &str, color: bool) -> String {
    let (on, off) = if color { (MARK, RESET) } else { ("", "") };
    html.replace("<mark>", on)
        .replace("</mark>", off)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
