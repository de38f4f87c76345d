//! TeX math as MathML, which browsers draw without a script or a font download: `math-core`
//! (pinned to the last version that builds on this project's Rust), whose errors say where in
//! the TeX they are, so the link stage reports them at their line.

use std::sync::LazyLock;

use math_core::{LatexToMathML, MathCoreConfig, MathDisplay};

/// Why a piece of TeX could not be read, and where in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MathError {
    pub message: String,
    /// Byte offset in the TeX.
    pub offset: usize,
}

static CONVERTER: LazyLock<LatexToMathML> = LazyLock::new(|| {
    LatexToMathML::new(MathCoreConfig::default()).expect("the default configuration has no macros")
});

/// `tex` as a `<math>` element; `display` for a block of its own.
pub fn to_mathml(tex: &str, display: bool) -> Result<String, MathError> {
    let mode = if display {
        MathDisplay::Block
    } else {
        MathDisplay::Inline
    };
    CONVERTER
        .convert_with_local_state(tex, mode)
        .map(|converted| converted.mathml)
        .map_err(|err| MathError {
            message: err.error_message(),
            offset: err.0.start,
        })
}

/// Whether the MathML of `tex` must be cleaned before it goes on a page: this version of
/// math-core writes the text of some commands (`\operatorname{…}`) without escaping it, so
/// TeX with a character that HTML gives meaning to is cleaned like an author's HTML.
pub fn needs_cleaning(tex: &str) -> bool {
    tex.contains(['<', '>', '&', '"'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn math_becomes_mathml_and_errors_say_where() {
        assert_eq!(
            to_mathml(r"\frac{a}{b}", false).unwrap(),
            "<math><mfrac><mi>a</mi><mi>b</mi></mfrac></math>"
        );
        assert!(to_mathml("x^2", true)
            .unwrap()
            .starts_with("<math display=\"block\">"));
        let err = to_mathml(r"a + \foo", false).unwrap_err();
        assert_eq!(err.offset, 4);
        assert!(err.message.contains("foo"), "{}", err.message);
        assert!(needs_cleaning(
            r"\operatorname{<img src=x onerror=alert(1)>}"
        ));
        assert!(!needs_cleaning(r"\frac{a}{b}"));
    }
}
