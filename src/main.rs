//! The `commonplace` binary: parse the command line, run one command, print every problem
//! once, exit. One function per command; the library does the work, `terminal.rs` the
//! printing.

mod cli;
mod terminal;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use commonplace::diagnostic::{self, Diagnostic};
use commonplace::load::publish::Publication;
use commonplace::text::plural;
use commonplace::{BuildOptions, Error, SiteOptions};

use cli::{
    BuildArgs, CheckArgs, Cli, Command, ImportCommand, NewCommand, SearchArgs, ServeArgs, SiteArgs,
};
use terminal::{print_diagnostics, WaitNotice};

/// A build allocates and frees millions of small strings on every core (pages, lists, index
/// documents); glibc's allocator spent a tenth of a build's CPU in malloc and free, and gave
/// memory back to the kernel only to fault it in again.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Build(args) => build(args),
        Command::Check(args) => check(args),
        Command::Search(args) => search(args),
        Command::Serve(args) => serve(args),
        Command::New { what } => new(what),
        Command::Import { from } => import(from),
        Command::Init { dir } => init(&dir),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", terminal::clean(&format!("{err:#}")));
            ExitCode::FAILURE
        }
    }
}

fn site_options(site: SiteArgs) -> SiteOptions {
    SiteOptions {
        root: site.root,
        drafts: site.drafts,
        withheld: false,
        base_url: None,
    }
}

fn build(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let options = BuildOptions {
        site: SiteOptions {
            base_url: args.base_url,
            ..site_options(args.site)
        },
        output: args.output,
    };
    let progress = terminal::ProgressBar::new(std::io::stderr().is_terminal());
    let built = commonplace::build(&options, &progress);
    progress.finish();
    match built {
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
            if args.timings {
                for lap in &report.timings {
                    let memory = lap
                        .peak_memory_kib
                        .map(|kib| format!("   peak so far {:>5} MiB", kib / 1024))
                        .unwrap_or_default();
                    println!(
                        "  {:<13}{:>7.3} s{memory}",
                        lap.stage,
                        lap.time.as_secs_f64()
                    );
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

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let (diagnostics, publication) = commonplace::check(&site_options(args.site))?;
    print_diagnostics(&diagnostics);
    if args.list {
        let mut published: Vec<_> = publication
            .published
            .iter()
            .chain(&publication.files)
            .collect();
        published.sort();
        for file in published {
            println!("published  {}", shown_path(file));
        }
        for (file, why) in &publication.withheld {
            println!(
                "withheld   {}  ({})",
                shown_path(file),
                terminal::clean(&why.to_string())
            );
        }
    }
    if diagnostic::count_errors(&diagnostics) > 0 {
        eprintln!("error: check found {}", summary(&diagnostics));
        return Ok(ExitCode::FAILURE);
    }
    println!("{}", publication_summary(&publication));
    println!(
        "No problems found{}",
        match diagnostics.len() {
            0 => String::new(),
            n => format!(" but {}", plural(n, "warning")),
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn search(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let request = commonplace::search::SearchRequest {
        query: args.query,
        concepts: args.concepts,
        source: args.source,
        kind: args.kind,
        limit: args.limit.clamp(1, 1000),
        facets: args.json || args.facets,
    };
    let outcome = commonplace::search(&site_options(args.site), &request, &WaitNotice)?;
    let errors = diagnostic::count_errors(&outcome.diagnostics);
    if errors > 0 {
        eprintln!(
            "warning: the content has {}; `commonplace check` lists them",
            plural(errors, "error")
        );
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&outcome.results).expect("results serialize")
        );
    } else {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        print!(
            "{}",
            terminal::results(&outcome.results, &outcome.lookups, args.facets, color)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let options = commonplace::serve::ServeOptions {
        root: args.site.root,
        bind: args.bind,
        port: args.port,
        open: args.open,
        drafts: args.site.drafts,
        published: args.published,
    };
    commonplace::serve::serve(options, terminal::ServeReporter::default())?;
    Ok(ExitCode::SUCCESS)
}

fn new(what: NewCommand) -> anyhow::Result<ExitCode> {
    match what {
        NewCommand::Note {
            title,
            concepts,
            root,
        } => {
            let path = commonplace::new::note(&root.root, &title, &concepts, &WaitNotice)?;
            println!("{}", shown_path(&path));
        }
        NewCommand::Quote {
            source,
            text,
            locator,
            concepts,
            root,
        } => {
            let locator = locator.as_deref();
            let id = commonplace::new::quote(
                &root.root,
                &source,
                &text,
                locator,
                &concepts,
                &WaitNotice,
            )?;
            let id = terminal::clean(&id);
            println!("added {id} (cite as [[{id}]], embed with ![[{id}]])");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn import(from: ImportCommand) -> anyhow::Result<ExitCode> {
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
    let outcome =
        commonplace::import::import(&options.root.root, export, options.dry_run, &WaitNotice)?;
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
    println!("{}{dry}", terminal::clean(&outcome.summary()));
    Ok(ExitCode::SUCCESS)
}

fn init(dir: &Path) -> anyhow::Result<ExitCode> {
    let written: Vec<PathBuf> = commonplace::init::init(dir)?;
    for path in &written {
        println!("created {}", shown_path(path));
    }
    println!("Now run: commonplace build --root {}", shown_path(dir));
    Ok(ExitCode::SUCCESS)
}

/// One line on what the site publishes: `Publishing 12 notes, 1 quote file and 3 other files;
/// leaving out 4 files (3 publish: false, 1 ignored)`.
fn publication_summary(publication: &Publication) -> String {
    let under = |folder: &str| {
        publication
            .published
            .iter()
            .filter(|f| f.starts_with(Path::new(commonplace::site::CONTENT_DIR).join(folder)))
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

/// `2 errors and 1 warning`.
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
    terminal::clean(&diagnostic::display_path(shown))
}
