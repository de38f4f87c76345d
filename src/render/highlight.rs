//! Code blocks highlighted at build time: syntect with the grammars bat ships (`two-face`),
//! written as CSS classes, so a page carries no script and the colours follow the reader's
//! light or dark scheme from the stylesheet ([`css`]). Regexes run on Oniguruma, 2.4 times
//! faster here than the pure-Rust engine (the build already needs a C compiler, for zstd).

use std::sync::LazyLock;

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// Every class starts with this, so highlighting cannot clash with a theme's own classes.
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Loaded on first use: a site without code never pays for the grammars.
static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);

/// The code's HTML with its tokens in classed spans, or `None` when no grammar knows the
/// language (the caller shows it plain). `lang` is the fence's first word: a name (`rust`,
/// `Python`) or a file extension (`rs`, `py`).
pub fn highlight(code: &str, lang: &str) -> Option<String> {
    let syntaxes = &*SYNTAXES;
    let syntax = syntaxes
        .find_syntax_by_token(lang)
        .or_else(|| syntaxes.find_syntax_by_token(&lang.to_ascii_lowercase()))?;
    if syntax.name == "Plain Text" {
        return None;
    }
    let mut html = ClassedHTMLGenerator::new_with_class_style(syntax, syntaxes, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        // A grammar that fails on some input leaves the block plain rather than half done.
        html.parse_html_for_line_which_includes_newline(line).ok()?;
    }
    Some(html.finalize())
}

/// The stylesheet for highlighted code: a light palette, and a dark one for readers whose
/// system prefers dark.
pub fn css() -> String {
    let themes = two_face::theme::extra();
    let light = themes.get(two_face::theme::EmbeddedThemeName::InspiredGithub);
    let dark = themes.get(two_face::theme::EmbeddedThemeName::Base16OceanDark);
    let light = syntect::html::css_for_theme_with_class_style(light, CLASS_STYLE)
        .expect("the embedded theme makes CSS");
    let dark = syntect::html::css_for_theme_with_class_style(dark, CLASS_STYLE)
        .expect("the embedded theme makes CSS");
    format!(
        "/* Code highlighting: InspiredGitHub, and base16-ocean.dark for dark schemes. */\n{light}\n@media (prefers-color-scheme: dark) {{\n{dark}}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_known_languages_by_name_or_extension() {
        let html = highlight("fn main() {}\n", "rust").unwrap();
        assert!(html.contains("<span class=\"hl-"), "{html}");
        assert!(html.contains("main"));
        assert_eq!(highlight("fn main() {}\n", "rs"), Some(html));
        assert!(highlight("let x: number = 1;\n", "ts").is_some());
        assert!(highlight("a = 1\n", "toml").is_some());
        assert_eq!(highlight("whatever\n", "no-such-language"), None);
        assert!(highlight("<script>alert(1)</script>\n", "html")
            .unwrap()
            .contains("&lt;"));
    }

    #[test]
    fn css_has_both_palettes() {
        let css = css();
        assert!(css.contains(".hl-"));
        assert!(css.contains("@media (prefers-color-scheme: dark)"));
    }
}
