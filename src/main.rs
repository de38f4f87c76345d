//! The `commonplace` binary: parse the command line, run, print every problem once, exit.

mod cli;
mod terminal;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use commonplace::diagnostic::{self, Diagnostic};
use commonplace::{plural, BuildOptions, Error};

use cli::{Cli, Command, ImportCommand, NewCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Build {
            site,
            output,
            base_url,
            timings,
        } => {
            let options = BuildOptions {
                root: site.root,
                output,
                drafts: site.drafts,
                withheld: false,
                base_url,
                progress: std::io::stderr().is_terminal(),
            };
            match commonplace::build(&options) {
                Ok(report) => {
                    print_diagnostics(&report.diagnostics);
                    println!(
                        "Built {} ({}, {}, {}, {}) in {:.2} s into {}",
                        plural(report.pages, "page"),
                        plural(report.notes, "note"),
                        plural(report.quotes, "quote"),
                        plural(report.concepts, "concept"),
                        plural(report.sources, "source"),
                        report.elapsed.as_secs_f64(),
                        shown_path(&report.output),
                    );
                    if timings {
                        for (stage, time) in &report.timings {
                            println!("  {stage:<13}{:>7.3} s", time.as_secs_f64());
                        }
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(Error::Content { diagnostics }) => {
                    print_diagnostics(&diagnostics);
                    let output = options.output_dir();
                    let kept = if output.exists() {
                        format!("{} was left as it was", shown_path(&output))
                    } else {
                        "nothing was written".to_string()
                    };
                    eprintln!("error: build failed with {}; {kept}", summary(&diagnostics));
                    Ok(ExitCode::FAILURE)
                }
                Err(err) => Err(err.into()),
            }
        }
        Command::Check { site, list } => {
            let options = BuildOptions {
                root: site.root,
                drafts: site.drafts,
                ..BuildOptions::default()
            };
            let (diagnostics, publication) = commonplace::check(&options)?;
            print_diagnostics(&diagnostics);
            if list {
                let mut published: Vec<_> = publication
                    .published
                    .iter()
                    .chain(&publication.files)
                    .collect();
                published.sort();
                for file in published {
                    println!("published  {}", diagnostic::display_path(file));
                }
                for (file, why) in &publication.withheld {
                    println!("withheld   {}  ({why})", diagnostic::display_path(file));
                }
            }
            if diagnostic::count_errors(&diagnostics) == 0 {
                println!("{}", publication_summary(&publication));
            }
            if diagnostic::count_errors(&diagnostics) > 0 {
                eprintln!("error: check found {}", summary(&diagnostics));
                Ok(ExitCode::FAILURE)
            } else {
                println!(
                    "No problems found{}",
                    match diagnostics.len() {
                        0 => String::new(),
                        n => format!(" but {}", plural(n, "warning")),
                    }
                );
                Ok(ExitCode::SUCCESS)
            }
        }
        Command::Search {
            query,
            site,
            concepts,
            source,
            kind,
            limit,
            json,
            facets,
        } => {
            let options = BuildOptions {
                root: site.root,
                drafts: site.drafts,
                ..BuildOptions::default()
            };
            let request = commonplace::search::query::SearchRequest {
                query,
                concepts,
                source,
                kind,
                limit: limit.clamp(1, 1000),
                facets: json || facets,
            };
            let outcome = commonplace::search(&options, &request)?;
            let errors = diagnostic::count_errors(&outcome.diagnostics);
            if errors > 0 {
                eprintln!(
                    "warning: the content has {}; `commonplace check` lists them",
                    plural(errors, "error")
                );
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&outcome.results).expect("results serialize")
                );
            } else {
                let color =
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                print!(
                    "{}",
                    terminal::results(&outcome.results, &outcome.lookups, facets, color)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            site,
            port,
            bind,
            open,
            published,
        } => {
            let options = commonplace::serve::ServeOptions {
                root: site.root,
                bind,
                port,
                open,
                drafts: site.drafts,
                published,
            };
            commonplace::serve::serve(options, TerminalReporter::default())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::New { what } => match what {
            NewCommand::Note {
                title,
                concepts,
                root,
            } => {
                let path = commonplace::new::note(&root.root, &title, &concepts)?;
                println!("{}", shown_path(&path));
                Ok(ExitCode::SUCCESS)
            }
            NewCommand::Quote {
                source,
                text,
                locator,
                concepts,
                root,
            } => {
                let id = commonplace::new::quote(
                    &root.root,
                    &source,
                    &text,
                    locator.as_deref(),
                    &concepts,
                )?;
                println!("added {id} (cite as [[{id}]], embed with ![[{id}]])");
                Ok(ExitCode::SUCCESS)
            }
        },
        Command::Import { from } => {
            let (file, options, kindle) = match from {
                ImportCommand::Kindle { file, options } => (file, options, true),
                ImportCommand::Readwise { file, options } => (file, options, false),
            };
            let bytes = commonplace::fs::read(&file)?;
            let export = if kindle {
                commonplace::import::kindle::parse(&String::from_utf8_lossy(&bytes), &file)?
            } else {
                commonplace::import::readwise::parse(&bytes, &file)?
            };
            let outcome = commonplace::import::import(&options.root.root, export, options.dry_run)?;
            print_diagnostics(&outcome.warnings);
            for (path, added, is_new) in &outcome.files {
                let verb = match (options.dry_run, is_new) {
                    (true, true) => "would create",
                    (true, false) => "would add to",
                    (false, true) => "created",
                    (false, false) => "added to",
                };
                println!("{verb} {} ({})", shown_path(path), plural(*added, "quote"));
            }
            let dry = if options.dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            };
            println!("{}{dry}", outcome.summary());
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { dir } => {
            let written = commonplace::init::init(&dir)?;
            for path in &written {
                println!("created {}", shown_path(path));
            }
            println!("Now run: commonplace build --root {}", shown_path(&dir));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints each rebuild of `serve` as one line, and its problems when they differ from the last
/// rebuild's, so a long session does not repeat the same warnings after every save.
#[derive(Default)]
struct TerminalReporter {
    shown: std::sync::Mutex<Vec<Diagnostic>>,
}

impl commonplace::serve::Reporter for TerminalReporter {
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
            eprintln!("error: {failure}");
        }
        let line = commonplace::serve::describe(rebuilt);
        if rebuilt.has_errors() {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
}

/// One line on what the site publishes: `Publishing 12 notes, 1 quote file and 3 other files;
/// leaving out 4 files (3 publish: false, 1 ignored)`.
fn publication_summary(publication: &commonplace::load::publish::Publication) -> String {
    let under = |folder: &str| {
        publication
            .published
            .iter()
            .filter(|f| f.starts_with(Path::new(commonplace::load::CONTENT_DIR).join(folder)))
            .count()
    };
    let mut parts = vec![plural(under("notes"), "note")];
    for (folder, what) in [("concepts", "concept file"), ("quotes", "quote file")] {
        if under(folder) > 0 {
            parts.push(plural(under(folder), what));
        }
    }
    if !publication.files.is_empty() {
        parts.push(plural(publication.files.len(), "other file"));
    }
    let published = match parts.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => unreachable!("notes are always counted"),
    };
    if publication.withheld.is_empty() {
        return format!("Publishing {published}; leaving nothing out");
    }
    let mut reasons: Vec<(&str, usize)> = Vec::new();
    for (_, why) in &publication.withheld {
        match reasons.iter_mut().find(|(kind, _)| *kind == why.kind()) {
            Some((_, n)) => *n += 1,
            None => reasons.push((why.kind(), 1)),
        }
    }
    let reasons: Vec<String> = reasons
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    format!(
        "Publishing {published}; leaving out {} ({})",
        plural(publication.withheld.len(), "file"),
        reasons.join(", "),
    )
}

fn print_diagnostics(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{d}");
    }
}

fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostic::count_errors(diagnostics);
    let warnings = diagnostics.len() - errors;
    if warnings == 0 {
        plural(errors, "error")
    } else {
        format!(
            "{} and {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

/// A path relative to the current folder when it is under it, as the user most likely typed it.
fn shown_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf));
    let shown = relative.as_deref().unwrap_or(path);
    let shown = shown.strip_prefix(".").unwrap_or(shown);
    diagnostic::display_path(shown)
}
