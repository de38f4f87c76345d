//! Themes: a site overrides one template of the embedded default theme by a same-named file,
//! adds static files, and a missing theme is a clear error.

use crate::common::*;

#[test]
fn a_site_overrides_one_template_and_keeps_the_rest() {
    let site = fixture_copy("minimal");
    let templates = site.path().join("themes/default/templates");
    std::fs::create_dir_all(&templates).unwrap();
    // Front matter keys commonplace does not know reach templates as `note.extra`.
    std::fs::write(
        templates.join("note.html"),
        "{% extends \"base.html\" %}{% block content %}<p class=\"rating\">{{ note.title }}: {{ note.extra.rating | default(value=\"-\") }} / {{ note.extra.status | default(value=\"-\") }}</p>{% endblock content %}",
    )
    .unwrap();
    write_file(
        site.path(),
        "content/notes/rated.md",
        "---\ntitle: Rated\nrating: 4\nstatus: evergreen\n---\nBody\n",
    );
    std::fs::write(
        templates.join("quote.html"),
        "{% extends \"base.html\" %}{% block content %}<p class=\"custom\">{{ quote.text }} [{{ quote.global_id }}]</p>{% endblock content %}",
    )
    .unwrap();
    std::fs::create_dir_all(site.path().join("themes/default/static/js")).unwrap();
    write_file(
        site.path(),
        "themes/default/static/js/extra.js",
        "// mine\n",
    );

    let build = run(&["build"], site.path());
    assert!(build.status.success(), "{}", stderr(&build));
    let public = site.path().join("public");
    let quote = std::fs::read_to_string(public.join("quotes/book/one/index.html")).unwrap();
    assert!(
        quote.contains("<p class=\"custom\">The first quote. [book/one]</p>"),
        "{quote}"
    );
    // The embedded base template still wraps it, and other templates are the embedded ones.
    assert!(quote.contains("<link rel=\"stylesheet\" href=\"/style.css\">"));
    let rated = std::fs::read_to_string(public.join("notes/rated/index.html")).unwrap();
    assert!(
        rated.contains("<p class=\"rating\">Rated: 4 / evergreen</p>"),
        "{rated}"
    );
    let concept = std::fs::read_to_string(public.join("concepts/topic/index.html")).unwrap();
    assert!(concept.contains("<article class=\"concept\">"));
    assert_eq!(
        std::fs::read_to_string(public.join("js/extra.js")).unwrap(),
        "// mine\n"
    );
    assert!(public.join("style.css").is_file());
}

#[test]
fn a_missing_theme_is_an_error_and_a_broken_template_names_itself() {
    let site = fixture_copy("minimal");
    let config = site.path().join("commonplace.yaml");
    std::fs::write(&config, "title: Fixture site\ntheme: paper\n").unwrap();
    let build = run(&["build"], site.path());
    assert_eq!(build.status.code(), Some(1));
    assert_eq!(
        stderr(&build),
        "error: theme `paper` not found: there is no folder `themes/paper`\n"
    );

    // A syntax error is found when the theme loads, and names the theme and the template.
    let templates = site.path().join("themes/paper/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("note.html"),
        "{% extends \"base.html\" %}{% block content %}",
    )
    .unwrap();
    let build = run(&["build"], site.path());
    assert_eq!(build.status.code(), Some(1));
    let printed = stderr(&build);
    assert!(
        printed.starts_with("error: template error in theme `paper`"),
        "{printed}"
    );
    assert!(printed.contains("note.html"), "{printed}");

    // An unknown filter is found while rendering, and names the page.
    std::fs::write(
        templates.join("note.html"),
        "{% extends \"base.html\" %}{% block content %}{{ note.title | nosuchfilter }}{% endblock content %}",
    )
    .unwrap();
    let build = run(&["build"], site.path());
    assert_eq!(build.status.code(), Some(1));
    let printed = stderr(&build);
    assert!(
        printed.starts_with(
            "error: couldn't render `notes/first/index.html` with template `note.html`"
        ),
        "{printed}"
    );
    assert!(
        printed.contains("Filter 'nosuchfilter' not found"),
        "{printed}"
    );
    assert!(!site.path().join("public").exists());
}

#[test]
fn raw_html_in_a_note_passes_through() {
    let site = fixture_copy("minimal");
    write_file(
        site.path(),
        "content/notes/html.md",
        "---\ntitle: HTML\n---\n<details><summary>More</summary>\n\nHidden *text*.\n\n</details>\n\nInline <kbd>Ctrl</kbd>.\n",
    );
    let build = run(&["build"], site.path());
    assert!(build.status.success(), "{}", stderr(&build));
    let page = std::fs::read_to_string(site.path().join("public/notes/html/index.html")).unwrap();
    assert!(page.contains("<details><summary>More</summary>"));
    assert!(page.contains("<p>Hidden <em>text</em>.</p>"));
    assert!(page.contains("Inline <kbd>Ctrl</kbd>."));
}
