//! TeX math as MathML, which browsers draw without a script or a font download.

/// Why a piece of TeX could not be read, and where in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MathError {
    pub message: String,
    /// Byte offset in the TeX.
    pub offset: usize,
}

/// `tex` as a `<math>` element; `display` for a block of its own.
pub fn to_mathml(tex: &str, display: bool) -> Result<String, MathError> {
    let _ = (tex, display);
    Err(MathError {
        message: "math is not supported yet".to_string(),
        offset: 0,
    })
}
