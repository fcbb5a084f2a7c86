//! What cannot be read: a whole input ([`CsvError`]) or one row
//! ([`RowProblem`], with a [`MalformedRow`] reason).

use std::fmt;

/// Why a whole input cannot be read as a table (a bad row is a
/// [`RowProblem`] instead, and the rest is read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// Not even a header row.
    #[error("the file is empty: no header row")]
    Empty,
    /// The header row cannot be read.
    #[error("line {line}: bad header: {reason}")]
    BadHeader {
        /// Its line.
        line: u64,
        /// What is wrong with it.
        reason: MalformedRow,
    },
    /// No column is named `id`.
    #[error("the header has no `id` column")]
    NoIdColumn,
    /// The kept fields pass 4 GiB, or a count passes what the table
    /// addresses.
    #[error("the input is too large: the kept fields pass 4 GiB")]
    TooLarge,
}

/// Why a row was skipped (see [`RowProblem`]). The messages are the ones
/// `match_csv` prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum MalformedRow {
    /// The row holds bytes that are not UTF-8 (in any column).
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// A quoted field runs to the end of the input.
    #[error("unterminated quoted field")]
    UnterminatedQuote,
    /// A quoted field is followed by text before the next delimiter.
    #[error("text after a closing quote")]
    TextAfterClosingQuote,
    /// The row has more or fewer fields than the header.
    #[error("expected {expected} fields, found {found}")]
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// The `id` field is empty or blank.
    #[error("empty id")]
    EmptyId,
    /// The `kind` field is not `person`, `organization` or `organisation`.
    #[error("unknown kind `{kind}` (expected person, organization or organisation)")]
    UnknownKind {
        /// The value found (trimmed).
        kind: String,
    },
    /// An earlier row of the same input has the same id; the first is kept.
    #[error("duplicate id `{id}` (first on line {first_line})")]
    DuplicateId {
        /// The repeated id.
        id: String,
        /// Line of the row that was kept.
        first_line: u64,
    },
}

/// A row that was skipped: where it starts and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RowProblem {
    /// 1-based line on which the row starts.
    pub line: u64,
    /// Why it was skipped.
    pub reason: MalformedRow,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}
