//! Pure normalisers used for every comparison (N1–N4).
//!
//! Names compare after Unicode compatibility normalisation, full case
//! folding, removal of invisible formatting characters, trimming and
//! collapsing of whitespace runs ([`normalize_name`]). Emails compare trimmed
//! and lower-cased, and implausible addresses never match
//! ([`normalize_email`]).
//!
//! Every function here is total: any `&str` gives a result and none panics.
//! ASCII input that is already normal is returned borrowed, without
//! allocating; the `_into` variants append to a caller's buffer.

mod email;
mod name;

pub use email::{EmailProblem, normalize_email, normalize_email_into};
pub use name::{names_equal, normalize_name, normalize_name_into, normalize_person_name_into};
