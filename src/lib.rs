//! commonplace turns a commonplace book into a cross-linked static site.

pub mod config;
pub mod diagnostic;
pub mod fs;
pub mod load;
pub mod link;
pub mod slug;
pub mod yaml;
