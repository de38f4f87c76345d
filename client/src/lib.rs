//! The part of commonplace's search that runs in the browser (built for
//! `wasm32-unknown-unknown`) and, natively, in commonplace itself: the index's analyzer, the
//! format of the static search bundle, and the ranking over it. The exporter and the browser
//! share this code, so there is one way text becomes terms and one way hits are scored.

pub mod analyzer;
pub mod bundle;
mod ffi;
mod fold;
pub mod search;

pub use analyzer::Analyzer;

#[cfg(target_family = "wasm")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
