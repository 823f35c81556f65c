//! What a dataset file holds (skeleton; being written).

/// Placeholder so the workspace builds while the crate is written.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
