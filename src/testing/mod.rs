//! In-memory stores for tests and examples (feature `testing`).
