//! The author's own HTML, kept as Obsidian keeps it but cleaned as Obsidian and Obsidian
//! Publish clean it: no `<script>`, no `on…=` handlers, no `javascript:` URLs, no forms. A note
//! is cleaned only when its author wrote HTML in it; the cleaning keeps everything the
//! renderer itself writes (callouts, embeds, footnotes, MathML, highlighted code), so a
//! cleaned page looks like an uncleaned one. A site whose authors are all trusted can turn it
//! off (`sanitize_html: false`).

use std::sync::LazyLock;

use ammonia::Builder;

static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::default();
    builder
        .add_tags([
            // What the renderer writes.
            "section", "input", "label", // footnotes, task lists
            // What Obsidian users write.
            "iframe", "video", "audio", "source", "track", "picture", "center", "font", "button",
        ])
        .add_tags(MATHML)
        .add_generic_attributes(["id", "class", "style", "dir", "role", "aria-label", "align"])
        .add_generic_attribute_prefixes(["data-", "aria-"])
        .add_tag_attributes("a", ["target", "rel", "name"])
        .add_tag_attributes("img", ["loading", "decoding", "title"])
        .add_tag_attributes("details", ["open"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("ol", ["type", "reversed"])
        .add_tag_attributes("font", ["color", "size", "face"])
        .add_tag_attributes("button", ["type", "disabled"])
        .add_tag_attributes(
            "iframe",
            [
                "src",
                "width",
                "height",
                "title",
                "allow",
                "allowfullscreen",
                "frameborder",
                "loading",
                "referrerpolicy",
                "sandbox",
            ],
        )
        .add_tag_attributes(
            "video",
            [
                "src",
                "controls",
                "width",
                "height",
                "poster",
                "loop",
                "muted",
                "autoplay",
                "playsinline",
            ],
        )
        .add_tag_attributes("audio", ["src", "controls", "loop", "muted"])
        .add_tag_attributes("source", ["src", "type", "srcset", "media"])
        .add_tag_attributes("track", ["src", "kind", "srclang", "label", "default"])
        .add_tag_attributes("math", ["display", "xmlns"])
        .add_tag_attributes(
            "mo",
            [
                "stretchy",
                "fence",
                "separator",
                "lspace",
                "rspace",
                "form",
                "largeop",
                "movablelimits",
                "symmetric",
                "minsize",
                "maxsize",
            ],
        )
        .add_tag_attributes("mi", ["mathvariant"])
        .add_tag_attributes(
            "mstyle",
            ["displaystyle", "scriptlevel", "mathcolor", "mathbackground"],
        )
        .add_tag_attributes("mspace", ["width", "height", "depth"])
        .add_tag_attributes("mpadded", ["width", "height", "depth", "lspace", "voffset"])
        .add_tag_attributes("mfrac", ["linethickness"])
        .add_tag_attributes(
            "mtable",
            [
                "columnalign",
                "rowalign",
                "columnspacing",
                "rowspacing",
                "columnlines",
                "rowlines",
                "frame",
            ],
        )
        .add_tag_attributes("mtd", ["columnspan", "rowspan", "columnalign"])
        .add_tag_attributes("munder", ["accentunder"])
        .add_tag_attributes("mover", ["accent"])
        .add_tag_attributes("munderover", ["accent", "accentunder"])
        .add_tag_attributes("menclose", ["notation"])
        .add_tag_attributes("annotation", ["encoding"])
        // The renderer's own links have no `rel`; an author's keep what they wrote.
        .link_rel(None)
        .strip_comments(true);
    builder
});

/// MathML's elements, which the renderer writes for math and authors may write by hand.
const MATHML: [&str; 31] = [
    "math",
    "semantics",
    "annotation",
    "mrow",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mspace",
    "msup",
    "msub",
    "msubsup",
    "mfrac",
    "msqrt",
    "mroot",
    "mtable",
    "mtr",
    "mtd",
    "munder",
    "mover",
    "munderover",
    "mstyle",
    "mpadded",
    "mphantom",
    "menclose",
    "merror",
    "mmultiscripts",
    "mprescripts",
    "none",
    "mlabeledtr",
];

/// `html` without scripts, event handlers or dangerous URLs.
pub fn clean(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_script_urls_go() {
        assert_eq!(
            clean("<p onclick=\"steal()\">Hi<script>alert(1)</script></p>"),
            "<p>Hi</p>"
        );
        assert_eq!(
            clean("<a href=\"javascript:alert(1)\">x</a> <a href=\"/notes/a/\" class=\"internal\">a</a>"),
            "<a>x</a> <a href=\"/notes/a/\" class=\"internal\">a</a>"
        );
        assert_eq!(
            clean("<iframe src=\"https://www.youtube.com/embed/x\" allowfullscreen></iframe>"),
            "<iframe src=\"https://www.youtube.com/embed/x\" allowfullscreen=\"\"></iframe>"
        );
        assert_eq!(
            clean("<form action=\"/x\"><input type=\"text\"></form>"),
            "<input type=\"text\">"
        );
    }

    #[test]
    fn what_the_renderer_writes_stays() {
        for html in [
            "<details class=\"callout\" data-callout=\"tip\" open=\"\"><summary class=\"callout-title\">T</summary><div class=\"callout-content\"><p id=\"^b\">x</p></div></details>",
            "<math display=\"block\"><mfrac><mi>a</mi><mn>2</mn></mfrac></math>",
            "<pre class=\"highlight\"><code class=\"language-rust\"><span class=\"hl-source hl-rust\">fn</span></code></pre>",
            "<sup class=\"footnote-ref\"><a href=\"#fn-a\" id=\"fn-a-ref\">1</a></sup>",
            "<p><mark>hi</mark></p>",
        ] {
            assert_eq!(clean(html), html);
        }
    }
}
