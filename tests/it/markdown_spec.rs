//! Markdown fidelity: every CommonMark spec example, rendered by the note renderer, equals the
//! spec's HTML apart from the ids we add to headings and the classes of highlighted code.

use commonplace::render::markdown::render_alone;

#[derive(serde::Deserialize)]
struct Example {
    example: u32,
    markdown: String,
    html: String,
}

/// The same normalisation pulldown-cmark's own spec tests use: self-closing void tags and line
/// breaks between tags are not differences.
fn standardize(html: &str) -> String {
    html.replace("<br>", "<br />")
        .replace("<br/>", "<br />")
        .replace("<hr>", "<hr />")
        .replace("<hr/>", "<hr />")
        .replace(">\n<", "><")
}

/// Drops ` id="..."` from heading start tags: the one thing the note renderer adds.
fn without_heading_ids(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("<h") {
        let tag_start = &rest[i..];
        let is_heading = tag_start.len() > 3
            && tag_start.as_bytes()[2].is_ascii_digit()
            && tag_start[3..].starts_with(" id=\"");
        if is_heading {
            out.push_str(&rest[..i + 3]);
            let after_attr = &tag_start[3 + " id=\"".len()..];
            let close = after_attr.find('"').unwrap();
            rest = &after_attr[close + 1..];
        } else {
            out.push_str(&rest[..i + 2]);
            rest = &rest[i + 2..];
        }
    }
    out.push_str(rest);
    out
}

/// Highlighted code's spans and class, the other thing the note renderer adds: code that the
/// spec writes plain, the renderer writes in classed spans.
fn without_highlighting(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<pre class=\"highlight\">") {
        out.push_str(&rest[..start]);
        out.push_str("<pre>");
        let block = &rest[start + "<pre class=\"highlight\">".len()..];
        let end = block.find("</pre>").unwrap();
        let closed = block[..end].replace("</span>", "");
        let mut code = closed.as_str();
        while let Some(tag) = code.find("<span") {
            out.push_str(&code[..tag]);
            code = &code[tag + code[tag..].find('>').unwrap() + 1..];
        }
        out.push_str(code);
        rest = &block[end..];
    }
    out.push_str(rest);
    out
}

/// The spec examples where our dialect deliberately departs from CommonMark, and what it
/// renders instead: `[[` is a wikilink (content-format.md; unresolved, it shows its text), and
/// a bare `https://` address is a link, as in GitHub's and Obsidian's Markdown.
const DIALECT_EXAMPLES: &[(u32, &str)] = &[
    (548, "<p>[foo]</p>\n<p>[foo]: /url</p>\n"),
    (559, "<p>*foo* bar</p>\n"),
    (590, "<p>foo</p>\n<p>foo: /url \"title\"</p>\n"),
    (
        602,
        "<p>&lt;<a href=\"https://foo.bar/baz\">https://foo.bar/baz</a> bim&gt;</p>\n",
    ),
    (
        608,
        "<p>&lt; <a href=\"https://foo.bar\">https://foo.bar</a> &gt;</p>\n",
    ),
    (
        611,
        "<p><a href=\"https://example.com\">https://example.com</a></p>\n",
    ),
];

#[test]
fn commonmark_spec_examples_render_as_the_spec_says() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/commonmark/spec.json"
    );
    let examples: Vec<Example> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(examples.len(), 652);
    let mut failures = Vec::new();
    for ex in &examples {
        let rendered = without_highlighting(&without_heading_ids(&render_alone(&ex.markdown)));
        let expected = match DIALECT_EXAMPLES.iter().find(|(n, _)| *n == ex.example) {
            Some((_, ours)) => {
                assert!(
                    ex.markdown.contains("[[") || ex.markdown.contains("https://"),
                    "example {} has no wikilink or address",
                    ex.example
                );
                ours.to_string()
            }
            None => ex.html.clone(),
        };
        if standardize(&rendered) != standardize(&expected) {
            failures.push(format!(
                "example {}:\n--- markdown\n{}--- expected\n{}--- rendered\n{}",
                ex.example, ex.markdown, expected, rendered
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples differ:\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
}

#[test]
fn heading_ids_are_the_only_addition() {
    assert_eq!(
        render_alone("## Load parameters\n\n## Load parameters\n"),
        "<h2 id=\"load-parameters\">Load parameters</h2>\n<h2 id=\"load-parameters-1\">Load parameters</h2>\n"
    );
}
