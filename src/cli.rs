//! The command line, parsed by clap: `build`, `check`, `search`, `serve`, `new`, `import`
//! and `init`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use commonplace::kind::Kind;

#[derive(Debug, Parser)]
#[command(
    name = "commonplace",
    version,
    about = "Turn a commonplace book into a cross-linked static site"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (replaced atomically; left as it was on errors).
    Build(BuildArgs),
    /// Report every content problem as file:line:column, and what the site publishes; writes
    /// nothing.
    Check(CheckArgs),
    /// Search notes, quotes, concepts and sources (the index is brought up to date first).
    Search(SearchArgs),
    /// Serve the site on localhost, rebuilding and reloading open pages as files change.
    Serve(ServeArgs),
    /// Add a note, or a quote to a source's file.
    New {
        #[command(subcommand)]
        what: NewCommand,
    },
    /// Import highlights from a Kindle or Readwise into content/quotes/ (again and again:
    /// quotes already there, and every hand edit, stay as they are).
    Import {
        #[command(subcommand)]
        from: ImportCommand,
    },
    /// Create a new knowledge base in DIR (which must be missing or empty).
    Init {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The output folder [default: <ROOT>/public]
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Override `base_url` from commonplace.yaml, e.g. https://user.github.io/kb/
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Print how long each stage took
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// List every file the site publishes and every one it leaves out, with why
    #[arg(long)]
    pub list: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words (AND-ed), "phrases", OR, -word, and concept:, source:, author:, kind: prefixes
    #[arg(value_name = "QUERY", default_value = "", allow_hyphen_values = true)]
    pub query: String,
    #[command(flatten)]
    pub site: SiteArgs,
    /// Only results under this concept (narrower concepts included); repeat to require several
    #[arg(long = "concept", value_name = "C")]
    pub concepts: Vec<String>,
    /// Only results from this source
    #[arg(long, value_name = "S")]
    pub source: Option<String>,
    /// Only notes, quotes, concepts or sources
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// How many results to show
    #[arg(long, short = 'n', default_value_t = 10)]
    pub limit: usize,
    /// Print the results as JSON
    #[arg(long)]
    pub json: bool,
    /// Also print result counts by concept and by source
    #[arg(long)]
    pub facets: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The port to listen on (0 picks a free one)
    #[arg(long, short, default_value_t = 1111)]
    pub port: u16,
    /// The address to listen on; the default keeps the preview to this machine
    #[arg(long, default_value = "127.0.0.1", value_name = "IP")]
    pub bind: std::net::IpAddr,
    /// Open the site in the default browser
    #[arg(long)]
    pub open: bool,
    /// Show exactly the published site; by default every note is shown, and those the
    /// site leaves out (publish: false, drafts, ...) say so at their top
    #[arg(long)]
    pub published: bool,
}

#[derive(Debug, Subcommand)]
pub enum NewCommand {
    /// Create content/notes/<slug>.md with front matter, and print its path.
    Note {
        #[arg(value_name = "TITLE")]
        title: String,
        /// A concept the note is about; repeat for several
        #[arg(long = "concept", value_name = "C")]
        concepts: Vec<String>,
        #[command(flatten)]
        root: RootArg,
    },
    /// Append a quote to the file of SOURCE (a source id), keeping the file as it is written.
    Quote {
        #[arg(value_name = "SOURCE")]
        source: String,
        #[arg(value_name = "TEXT")]
        text: String,
        /// Where it is: a page, chapter, location or time (free text)
        #[arg(long, value_name = "L")]
        locator: Option<String>,
        /// A concept the quote is about; repeat for several
        #[arg(long = "concept", value_name = "C")]
        concepts: Vec<String>,
        #[command(flatten)]
        root: RootArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A Kindle's "My Clippings.txt" (highlights, with the notes on them; bookmarks skipped)
    Kindle {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        options: ImportArgs,
    },
    /// A Readwise CSV export (its tags become concepts)
    Readwise {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        options: ImportArgs,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Show what would be added, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub root: RootArg,
}

#[derive(Debug, Args)]
pub struct RootArg {
    /// The site's folder, holding commonplace.yaml and content/
    #[arg(long, short, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,
}

#[derive(Debug, Args)]
pub struct SiteArgs {
    /// The site's folder, holding commonplace.yaml and content/
    #[arg(long, short, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,
    /// Include notes marked `draft: true`
    #[arg(long)]
    pub drafts: bool,
}
