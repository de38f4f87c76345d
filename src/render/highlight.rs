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

/// The stylesheet for highlighted code: a light palette for readers whose system prefers
/// light, a dark one for those who prefer dark (each whole, so no rule of one shows through
/// the other). Committed as `themes/default/static/highlight.css`, which a test keeps equal to
/// this, so a build never loads the themes.
#[cfg(test)]
fn css() -> String {
    let themes = two_face::theme::extra();
    let light = themes.get(two_face::theme::EmbeddedThemeName::InspiredGithub);
    let dark = themes.get(two_face::theme::EmbeddedThemeName::Base16OceanDark);
    let light = syntect::html::css_for_theme_with_class_style(light, CLASS_STYLE)
        .expect("the embedded theme makes CSS");
    let dark = syntect::html::css_for_theme_with_class_style(dark, CLASS_STYLE)
        .expect("the embedded theme makes CSS");
    // The themes were made for other backgrounds than the stylesheet's code blocks (`--quote-bg`
    // in style.css); each colour is moved just far enough to read at 4.5:1 on them.
    let light = readable(&light, [0xf5, 0xf1, 0xe8], [0, 0, 0]);
    let dark = readable(&dark, [0x1f, 0x22, 0x26], [0xff, 0xff, 0xff]);
    format!(
        "/* Code highlighting: InspiredGitHub, and base16-ocean.dark for dark schemes, each colour\n   made to read at 4.5:1 on the code background. Made by commonplace\n   (render/highlight.rs); a test keeps this file equal to what it makes. */\n@media (prefers-color-scheme: light) {{\n{light}}}\n@media (prefers-color-scheme: dark) {{\n{dark}}}\n"
    )
}

/// `css` with every `color: #rrggbb` moved toward `towards` until it contrasts with
/// `background` at 4.5:1 (WCAG's level for text).
#[cfg(test)]
fn readable(css: &str, background: [u8; 3], towards: [u8; 3]) -> String {
    fn luminance([r, g, b]: [u8; 3]) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }
    let contrast = |a: [u8; 3], b: [u8; 3]| {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    };
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(at) = rest.find(" color: #") {
        let start = at + " color: #".len();
        out.push_str(&rest[..start]);
        let hex = &rest[start..start + 6];
        let mut color = [0u8; 3];
        for (i, c) in color.iter_mut().enumerate() {
            *c =
                u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("syntect writes hex colours");
        }
        let mut step = 0.0;
        let mut moved = color;
        while contrast(moved, background) < 4.5 && step < 1.0 {
            step += 0.02;
            for i in 0..3 {
                let (from, to) = (f64::from(color[i]), f64::from(towards[i]));
                moved[i] = (from + (to - from) * step).round() as u8;
            }
        }
        out.push_str(&format!("{:02x}{:02x}{:02x}", moved[0], moved[1], moved[2]));
        rest = &rest[start + 6..];
    }
    out.push_str(rest);
    out
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
    fn the_committed_stylesheet_is_what_the_themes_make() {
        let css = css();
        assert!(css.contains(".hl-"));
        assert!(css.contains("@media (prefers-color-scheme: dark)"));
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/themes/default/static/highlight.css"
        );
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        if committed != css && std::env::var_os("COMMONPLACE_WRITE_HIGHLIGHT_CSS").is_some() {
            std::fs::write(path, &css).unwrap();
            return;
        }
        assert!(
            committed == css,
            "themes/default/static/highlight.css is stale: run `COMMONPLACE_WRITE_HIGHLIGHT_CSS=1 cargo test --lib highlight`"
        );
    }
}
