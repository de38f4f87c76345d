//! What the terminal shows: problems as `file:line:col` lines, a build's progress bar, each
//! rebuild of `serve` as one line, and search results as a person reads them (rank, kind,
//! title or quote text, source and locator, URL, and a snippet with the matched words
//! highlighted).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use commonplace::diagnostic::Diagnostic;
use commonplace::kind::Kind;
use commonplace::lock::Holder;
use commonplace::search::{Lookups, SearchResults};

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
            "No results for \"{}\"; showing results for \"{}\".",
            clean(&results.query),
            clean(corrected)
        );
    }
    let shown = results.hits.len();
    let _ = writeln!(
        out,
        "{} of {}",
        shown,
        commonplace::text::plural(results.total, "result")
    );
    for (rank, hit) in results.hits.iter().enumerate() {
        let snippet = snippet_text(&clean(&hit.snippet), color);
        // A short quote whose snippet is the quote itself is shown once, with the matched words
        // marked; otherwise the title, then the snippet where it adds something.
        let bare = |t: &str| t.trim().trim_end_matches(['.', '…', '!', '?']).to_string();
        let snippet_is_title =
            bare(&snippet_text(&clean(&hit.snippet), false)) == bare(&clean(&hit.title));
        let title = if snippet_is_title {
            snippet.clone()
        } else {
            paint(BOLD, &clean(&hit.title))
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
            if hit.kind != Kind::Source {
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
        let _ = writeln!(out, "     {}", paint(DIM, &clean(&line)));
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
        let _ = writeln!(out, "\nconcepts: {}", clean(&list(&results.facets.concept)));
        let _ = writeln!(out, "sources: {}", clean(&list(&results.facets.source)));
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

pub fn print_diagnostics(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{}", clean(&d.to_string()));
    }
}

/// Text from the content or the file system made safe for a terminal: control characters
/// other than a line break or a tab are shown as escapes (`\u{1b}`), so a title or a file
/// name cannot move the cursor, clear the screen or retitle the window.
pub fn clean(text: &str) -> String {
    if !text.chars().any(is_unsafe) {
        return text.to_string();
    }
    text.chars()
        .map(|c| match is_unsafe(c) {
            true => c.escape_unicode().to_string(),
            false => c.to_string(),
        })
        .collect()
}

fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// A build's progress bar, on stderr: hidden for the first second, so quick builds print one
/// line.
pub struct ProgressBar {
    bar: indicatif::ProgressBar,
    enabled: bool,
    shown: AtomicBool,
    started: Instant,
}

impl ProgressBar {
    /// `enabled` only where someone watches (stderr is a terminal).
    pub fn new(enabled: bool) -> Self {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {wide_bar} {pos}/{len}")
                .expect("the template is valid"),
        );
        ProgressBar {
            bar,
            enabled,
            shown: AtomicBool::new(false),
            started: Instant::now(),
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl commonplace::Progress for ProgressBar {
    fn writing(&self, pages: usize) {
        self.bar.set_length(pages as u64);
    }

    fn page_written(&self) {
        if !self.enabled {
            return;
        }
        if !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() > Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_message("writing pages");
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        self.bar.inc(1);
    }
}

impl commonplace::lock::Waiting for ProgressBar {
    fn waiting(&self, holder: Option<&Holder>) {
        WaitNotice.waiting(holder);
    }
}

/// Says on stderr that the command waits for another writer of the site, and which.
pub struct WaitNotice;

impl commonplace::lock::Waiting for WaitNotice {
    fn waiting(&self, holder: Option<&Holder>) {
        eprintln!("{}", wait_message(holder));
    }
}

fn wait_message(holder: Option<&Holder>) -> String {
    let who = match holder {
        Some(holder) => holder.to_string(),
        None => "another commonplace command".to_string(),
    };
    clean(&format!(
        "Waiting for {who} to finish with this site (it holds .commonplace/lock)…"
    ))
}

/// Prints each rebuild of `serve` as one line, and its problems when they differ from the last
/// rebuild's, so a long session does not repeat the same warnings after every save.
#[derive(Default)]
pub struct ServeReporter {
    shown: Mutex<Vec<Diagnostic>>,
}

impl commonplace::serve::Reporter for ServeReporter {
    fn listening(&self, url: &str) {
        println!("Serving {url} (Ctrl-C stops)");
    }

    fn rebuilt(&self, rebuilt: &commonplace::serve::preview::Rebuilt) {
        let mut shown = self.shown.lock().expect("not poisoned");
        if *shown != rebuilt.diagnostics {
            print_diagnostics(&rebuilt.diagnostics);
            *shown = rebuilt.diagnostics.clone();
        }
        if let Some(failure) = &rebuilt.failure {
            eprintln!("error: {}", clean(failure));
        }
        let line = clean(&commonplace::serve::describe(rebuilt));
        if rebuilt.has_errors() {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }

    fn warning(&self, message: &str) {
        eprintln!("warning: {}", clean(message));
    }
}

impl commonplace::lock::Waiting for ServeReporter {
    fn waiting(&self, holder: Option<&Holder>) {
        eprintln!("{}", wait_message(holder));
    }
}
