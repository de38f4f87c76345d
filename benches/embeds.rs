//! `cargo bench --bench embeds`: a chain of 40 notes in which each embeds the two before it.
//! There is no cycle, but expanded in full the last page would hold about 10^8 embeds (the
//! chain doubles, Fibonacci-like, with each note); pages stop at the depth cap and warn, so
//! the build stays linear in the content (each page at most 8 deep, 500 embeds and 1 MiB of
//! embedded text). Prints the median wall time and peak memory of several builds from scratch
//! with the release binary.
//!
//! Environment: `COMMONPLACE_BENCH_RUNS` (default 5), `COMMONPLACE_BENCH_CHAIN` (default 40).

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/usage.rs"]
mod usage;

use std::path::Path;

fn main() {
    let runs = corpus::env_number("COMMONPLACE_BENCH_RUNS", 5);
    let depth = corpus::env_number("COMMONPLACE_BENCH_CHAIN", 40);
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-embeds");
    let _ = std::fs::remove_dir_all(&tmp);
    let site = tmp.join("site");
    std::fs::create_dir_all(site.join("content/notes")).unwrap();
    std::fs::write(site.join("commonplace.yaml"), "title: Embed chain\n").unwrap();
    for i in 0..depth {
        let mut text =
            format!("# Note {i}\n\nA paragraph of note {i}, embedded by the next two.\n");
        for before in [i.checked_sub(1), i.checked_sub(2)].into_iter().flatten() {
            text.push_str(&format!("\n![[c{before:03}]]\n"));
        }
        std::fs::write(site.join(format!("content/notes/c{i:03}.md")), text).unwrap();
    }
    // Each embed of the full chain, counted: what a renderer without a cap would expand.
    let mut full: Vec<f64> = vec![1.0; depth];
    for i in 2..depth {
        full[i] = 1.0 + full[i - 1] + full[i - 2];
    }
    let mut results: Vec<usage::Run> = (0..runs)
        .map(|run| {
            let _ = std::fs::remove_dir_all(site.join(".commonplace"));
            usage::run_build(
                env!("CARGO_BIN_EXE_commonplace"),
                &site,
                &tmp.join(format!("public-{run}")),
                true,
            )
        })
        .collect();
    results.sort_by_key(|r| r.wall);
    let median = &results[results.len() / 2];
    let walls: Vec<String> = results
        .iter()
        .map(|r| format!("{:.3}", r.wall.as_secs_f64()))
        .collect();
    let last =
        std::fs::read_to_string(tmp.join(format!("public-0/notes/c{:03}/index.html", depth - 1)))
            .expect("the last note's page");
    println!(
        "embed chain of {depth} notes (each embeds the two before it; in full the last page would expand {:.1e} embeds):",
        full[depth - 1]
    );
    println!(
        "build: wall {:.3} s median (runs: {} s), user {:.3} s, sys {:.3} s, peak memory {} MiB; the last page holds {} embeds and is {} kB",
        median.wall.as_secs_f64(),
        walls.join(", "),
        median.user.as_secs_f64(),
        median.system.as_secs_f64(),
        results.iter().map(|r| r.max_rss_kib).max().unwrap_or(0) / 1024,
        last.matches("class=\"embed embed-note\"").count(),
        last.len() / 1000,
    );
    let _ = std::fs::remove_dir_all(&tmp);
}
