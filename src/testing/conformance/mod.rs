//! The conformance kit (feature `testing`): async checks that any
//! implementation of a port can run in its own tests, to prove it keeps the
//! contracts the driver and the planners rely on.
//!
//! - [`state`]: [`StateStore`](crate::ports::StateStore)s — round trips,
//!   compare-and-swap conflicts, the format-1 migration, lease exclusivity
//!   under concurrent workers, incremental saves.

pub mod state;
