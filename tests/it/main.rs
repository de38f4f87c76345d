//! Integration tests, in one test binary so the crate links once. They run the real
//! `commonplace` binary (built once by cargo) against fixtures under `tests/fixtures/`.

mod architecture;
mod browser;
mod bundle;
mod cli;
mod client;
mod common;
mod diagnostics;
mod faults;
mod import;
mod links;
mod live;
mod markdown_spec;
mod obsidian;
mod pipeline;
mod publish;
mod search;
mod serve;
mod snapshots;
mod theme;
mod vault;
