//! `commonplace search` over the demo knowledge base and fixtures: ranking, facets, the concept
//! hierarchy, phrases, exclusion, typo correction, incremental updates, JSON and bad queries.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::common::*;

pub fn search(site: &Path, args: &[&str]) -> Value {
    let mut all = vec!["search", "--json"];
    all.extend_from_slice(args);
    let output = run(&all, site);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("search --json prints JSON")
}

pub fn ids(results: &Value) -> Vec<String> {
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{}:{}",
                h["kind"].as_str().unwrap(),
                h["id"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn ranking_puts_the_expected_first_hit_first() {
    let site = demo_copy();
    for (query, first) in [
        ("magic scaling sauce", "quote:ddia/magic-scaling-sauce"),
        ("MTTF", "quote:ddia/disk-mttf"),
        ("fan-out timeline", "note:scalability/twitter-home-timeline"),
        ("abstraction", "quote:ddia/abstraction"),
        ("buzzwords", "note:beyond-buzzwords"),
        (
            "percentiles",
            "note:scalability/percentiles-and-tail-latency",
        ),
    ] {
        let results = search(site.path(), &[query]);
        assert_eq!(
            ids(&results).first().map(String::as_str),
            Some(first),
            "{query}: {:?}",
            ids(&results)
        );
    }
}

/// Quotes per concept counted from the content files, each quote also counted under every
/// broader concept of its concepts.
fn quote_counts_from_files(root: &Path) -> BTreeMap<String, u64> {
    let mut broader: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(root.join("content/concepts")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let front = text.split("---").nth(1).unwrap();
        let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(front).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let parents = value["broader"]
            .as_sequence()
            .map(|s| s.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        broader.insert(name, parents);
    }
    let text = std::fs::read_to_string(root.join("content/quotes/ddia.yaml")).unwrap();
    let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let mut counts = BTreeMap::new();
    for quote in value["quotes"].as_sequence().unwrap() {
        let mut names: Vec<String> = Vec::new();
        let mut queue: Vec<String> = quote["concepts"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        while let Some(name) = queue.pop() {
            if !names.contains(&name) {
                queue.extend(broader.get(&name).cloned().unwrap_or_default());
                names.push(name);
            }
        }
        for name in names {
            *counts.entry(name).or_insert(0) += 1;
        }
    }
    counts
}

#[test]
fn facet_counts_equal_a_count_made_from_the_content_files() {
    let site = demo_copy();
    let results = search(site.path(), &["--kind", "quote", "--limit", "100"]);
    let expected = quote_counts_from_files(site.path());
    let facets: BTreeMap<String, u64> = results["facets"]["concept"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    assert_eq!(facets, expected);
    assert_eq!(results["total"], 22);
    assert_eq!(results["facets"]["source"]["ddia"], 22);
}

#[test]
fn a_concept_lists_its_quotes_and_its_narrower_concepts_quotes_in_reading_order() {
    let site = demo_copy();
    let results = search(site.path(), &["--concept", "reliability", "--limit", "50"]);
    let found = ids(&results);
    // Tagged only with fault-tolerance, whose broader concept is reliability.
    assert!(found.contains(&"quote:ddia/faults-and-fault-tolerance".to_string()));
    assert!(
        found.contains(&"quote:ddia/humans-unreliable".to_string()),
        "{found:?}"
    );
    assert!(found.iter().all(|id| id.starts_with("quote:")));
    // Reading order: the order of the quote file (all of chapter 1 here).
    assert_eq!(
        found,
        [
            "quote:ddia/faults-and-fault-tolerance",
            "quote:ddia/fault-not-failure",
            "quote:ddia/fault-vs-failure-definition",
            "quote:ddia/trigger-faults-deliberately",
            "quote:ddia/disk-mttf",
            "quote:ddia/humans-unreliable",
        ]
    );
    // The same through the query syntax, and through an alias.
    let inline = search(site.path(), &["concept:reliability", "--kind", "quote"]);
    assert_eq!(inline["total"], 6);
    let alias = search(site.path(), &["--concept", "resilience", "--limit", "50"]);
    assert_eq!(
        ids(&alias),
        [
            "quote:ddia/faults-and-fault-tolerance",
            "quote:ddia/fault-not-failure",
            "quote:ddia/fault-vs-failure-definition",
            "quote:ddia/trigger-faults-deliberately",
        ]
    );
}

#[test]
fn phrases_exclusion_or_and_field_prefixes() {
    let site = demo_copy();
    let phrase = search(site.path(), &["\"fault is not the same\""]);
    assert_eq!(ids(&phrase), ["quote:ddia/fault-not-failure"]);

    let without = search(site.path(), &["fault -failure", "--kind", "quote"]);
    let found = ids(&without);
    assert!(found.contains(&"quote:ddia/faults-and-fault-tolerance".to_string()));
    assert!(!found.contains(&"quote:ddia/fault-not-failure".to_string()));
    // A query may start with an exclusion: it is not taken for an option.
    let leading = search(site.path(), &["-failure fault", "--kind", "quote"]);
    assert_eq!(ids(&leading), ids(&without));

    // "abstraction" also finds "well-abstracted": both stem to "abstract".
    let either = search(site.path(), &["MTTF OR abstraction"]);
    let mut found = ids(&either);
    found.sort();
    assert_eq!(
        found,
        [
            "note:maintainability/designing-for-change",
            "note:maintainability/removing-accidental-complexity",
            "quote:ddia/abstraction",
            "quote:ddia/disk-mttf",
        ]
    );
    let author = search(site.path(), &["author:kleppmann", "--kind", "source"]);
    assert_eq!(ids(&author), ["source:ddia"]);

    let in_concept = search(site.path(), &["fault concept:human-error"]);
    assert_eq!(
        ids(&in_concept),
        ["note:reliability/hardware-software-and-human-errors"]
    );
    let kind = search(site.path(), &["latency kind:concept"]);
    assert_eq!(ids(&kind), ["concept:tail-latency"]);
    let source = search(site.path(), &["latency source:ddia", "--kind", "quote"]);
    let mut found = ids(&source);
    found.sort();
    assert_eq!(
        found,
        [
            "quote:ddia/latency-not-response-time",
            "quote:ddia/tail-latencies"
        ]
    );
    assert_eq!(search(site.path(), &["latency source:nope"])["total"], 0);
}

#[test]
fn a_query_with_a_typo_is_retried_and_says_so() {
    let site = demo_copy();
    let results = search(site.path(), &["laod paramters"]);
    assert_eq!(results["corrected"], "load paramet");
    assert!(ids(&results).contains(&"quote:ddia/load-parameters".to_string()));

    let human = run(&["search", "laod paramters"], site.path());
    assert!(stdout(&human)
        .starts_with("No results for \"laod paramters\"; showing results for \"load paramet\".\n"));
    // Nothing near enough: no correction, no results.
    let nothing = search(site.path(), &["xyzzyplugh"]);
    assert_eq!(nothing["total"], 0);
    assert!(nothing.get("corrected").is_none());
}

#[test]
fn accents_fold_and_words_stem() {
    let site = fixture_copy("minimal");
    write_file(
        site.path(),
        "content/notes/naive.md",
        "# Naive scaling\n\nA naive design scales badly.\n",
    );
    for query in ["naïve", "NAIVE", "scaling", "scaled"] {
        let results = search(site.path(), &[query]);
        assert_eq!(
            ids(&results).first().map(String::as_str),
            Some("note:naive"),
            "{query}"
        );
    }
}

/// The index's content hash of every document, by key (`note:second`).
fn manifest(site: &Path) -> BTreeMap<String, String> {
    let text =
        std::fs::read_to_string(site.join(".commonplace/index/commonplace-hashes.txt")).unwrap();
    text.lines()
        .map(|line| {
            let (key, hash) = line.rsplit_once(' ').unwrap();
            (key.to_string(), hash.to_string())
        })
        .collect()
}

#[test]
fn an_edit_changes_one_document_and_a_removal_leaves_the_index() {
    let site = fixture_copy("minimal");
    assert!(run(&["build"], site.path()).status.success());
    let before = manifest(site.path());
    assert_eq!(search(site.path(), &["zeppelin"])["total"], 0);

    write_file(
        site.path(),
        "content/notes/second.md",
        "---\ntitle: Second note\nconcepts: [topic, other]\n---\nA zeppelin now. ^blk\n",
    );
    assert!(run(&["build"], site.path()).status.success());
    let after = manifest(site.path());
    let changed: Vec<&String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(changed, ["note:second"]);
    assert_eq!(before.len(), after.len());
    assert_eq!(ids(&search(site.path(), &["zeppelin"])), ["note:second"]);
    assert_eq!(search(site.path(), &["\"second body\""])["total"], 0);

    std::fs::remove_file(site.path().join("content/notes/second.md")).unwrap();
    // `search` brings the index up to date by itself.
    assert_eq!(search(site.path(), &["zeppelin"])["total"], 0);
    assert!(!manifest(site.path()).contains_key("note:second"));
}

#[test]
fn json_has_the_documented_shape() {
    let site = demo_copy();
    let results = search(site.path(), &["scalability", "--limit", "2"]);
    let keys: Vec<&String> = results.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["facets", "hits", "query", "total"]);
    assert_eq!(results["query"], "scalability");
    let hit = &results["hits"][0];
    let mut hit_keys: Vec<&String> = hit.as_object().unwrap().keys().collect();
    hit_keys.sort();
    assert_eq!(
        hit_keys,
        ["concepts", "id", "kind", "locator", "score", "snippet", "source", "title", "url"]
    );
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    assert!(hit["url"].as_str().unwrap().starts_with('/'));
    assert!(results["hits"].as_array().unwrap().len() <= 2);
    assert!(results["facets"]["concept"].is_object());
    assert!(results["facets"]["source"].is_object());
    // A hit's concepts are concept names, a narrower concept's own name included.
    let note = search(site.path(), &["kind:note percentiles tail latency"]);
    assert_eq!(
        note["hits"][0]["id"],
        "scalability/percentiles-and-tail-latency"
    );
    let concepts: Vec<&str> = note["hits"][0]["concepts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(concepts, ["scalability", "tail-latency"]);
    // Matched words are marked in the snippet, and the rest is escaped HTML.
    let marked = search(site.path(), &["MTTF"]);
    assert!(marked["hits"][0]["snippet"]
        .as_str()
        .unwrap()
        .contains("<mark>MTTF</mark>"));
}

#[test]
fn bad_queries_are_one_line_errors() {
    let site = demo_copy();
    for (args, expected) in [
        (
            vec!["search", "fault AND ("],
            "error: query syntax error at character 12: expected word\n",
        ),
        (
            vec!["search", "--concept", "relability"],
            "error: unknown concept `relability` (did you mean `reliability`?)\n",
        ),
        (
            vec!["search", "x kind:poem"],
            "error: unknown kind `poem`; use one of note, quote, concept, source\n",
        ),
        (
            vec!["search"],
            "error: give words to search for, or --concept, --source or --kind to list\n",
        ),
    ] {
        let output = run(&args, site.path());
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&output), expected, "{args:?}");
    }
}

#[test]
fn a_query_block_renders_the_quotes_it_finds_and_stays_current() {
    let site = fixture_copy("minimal");
    write_file(
        site.path(),
        "content/notes/collection.md",
        "---\ntitle: Collection\n---\nEverything under other:\n\n```query\nconcept:other source:book\n```\n",
    );
    assert!(run(&["build"], site.path()).status.success());
    let page =
        || std::fs::read_to_string(site.path().join("public/notes/collection/index.html")).unwrap();
    let html = page();
    assert!(
        html.contains("<code>concept:other source:book</code> · 2 quotes"),
        "{html}"
    );
    // In locator order: p. 9 before p. 80; `one` is on `topic`, narrower than `other`.
    let one = html.find("/quotes/book/one/").unwrap();
    let two = html.find("/quotes/book/two/").unwrap();
    assert!(one < two);
    assert!(html.contains("The second &lt;script&gt;alert(1)&lt;/script&gt; &amp; more."));

    // A new quote on the concept joins the list at the next build.
    let quotes = site.path().join("content/quotes/book.yaml");
    let mut text = std::fs::read_to_string(&quotes).unwrap();
    text.push_str("  - id: three\n    text: A third.\n    locator: p. 10\n    concepts: [other]\n");
    std::fs::write(&quotes, text).unwrap();
    assert!(run(&["build"], site.path()).status.success());
    let html = page();
    assert!(html.contains("· 3 quotes"));
    let three = html.find("/quotes/book/three/").unwrap();
    assert!(html.find("/quotes/book/one/").unwrap() < three);
    assert!(three < html.find("/quotes/book/two/").unwrap());
}
