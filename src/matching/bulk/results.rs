//! The results as CSV, `remote_id,class,local_ids,matched_on`, one row per
//! remote record in input order, and the counts per class.

use std::fmt;
use std::ops::Range;

use crate::matching::index::{BatchViews, MatchView};
use crate::matching::outcome::MatchClass;
use crate::matching::par;

use super::table::CsvTable;

/// The header row of the results (line feed included).
pub const RESULTS_HEADER: &str = "remote_id,class,local_ids,matched_on\n";

/// Records counted per class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClassCounts {
    /// In [`MatchClass::ALL`] order.
    counts: [usize; MatchClass::ALL.len()],
}

impl ClassCounts {
    /// Counts one record.
    pub fn add(&mut self, class: MatchClass) {
        if let Some(n) = MatchClass::ALL
            .iter()
            .position(|c| *c == class)
            .and_then(|i| self.counts.get_mut(i))
        {
            *n += 1;
        }
    }

    /// Records of `class`.
    #[must_use]
    pub fn get(&self, class: MatchClass) -> usize {
        MatchClass::ALL
            .iter()
            .position(|c| *c == class)
            .and_then(|i| self.counts.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// Records counted.
    #[must_use]
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: &Self) {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
    }
}

/// `full 3, partial 1, …`: every class, except the two a first sync
/// never produces (`already_linked`, `unsynced`) when they are zero.
impl fmt::Display for ClassCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (c, n) in MatchClass::ALL.iter().zip(self.counts) {
            if n == 0 && matches!(c, MatchClass::AlreadyLinked | MatchClass::Unsynced) {
                continue;
            }
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "{} {n}", c.as_str())?;
        }
        Ok(())
    }
}

fn needs_quotes(s: &[u8]) -> bool {
    s.iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r'))
}

/// Appends a CSV field, quoted when it must be.
fn put_field(out: &mut Vec<u8>, s: &[u8]) {
    if needs_quotes(s) {
        out.push(b'"');
        for &c in s {
            if c == b'"' {
                out.push(b'"');
            }
            out.push(c);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s);
    }
}

/// Appends one results row: the remote id, the class, the sorted local ids
/// (`;`-separated; for a match issue at most
/// [`MAX_LISTED_CANDIDATES`](crate::matching::MAX_LISTED_CANDIDATES) name
/// and as many email matches) and the fields matched.
pub fn put_result_row(out: &mut Vec<u8>, remote_id: &str, view: &MatchView<'_>) {
    let mut ids = Vec::new();
    put_row(out, &mut ids, remote_id, view);
}

fn put_row(out: &mut Vec<u8>, ids: &mut Vec<u8>, remote_id: &str, v: &MatchView<'_>) {
    put_field(out, remote_id.as_bytes());
    out.push(b',');
    out.extend_from_slice(v.class().as_str().as_bytes());
    out.push(b',');
    ids.clear();
    for (i, id) in v.local_ids().enumerate() {
        if i > 0 {
            ids.push(b';');
        }
        ids.extend_from_slice(id.as_bytes());
    }
    put_field(out, ids);
    out.push(b',');
    if let Some(m) = v.matched_on() {
        out.extend_from_slice(m.as_str().as_bytes());
    }
    out.push(b'\n');
}

/// Rows formatted per group (see [`BatchViews::touch_local_ids`]).
const ROW_GROUP: usize = 16;

fn format_rows<'r>(
    views: &BatchViews<'_>,
    remote_id: impl Fn(usize) -> Option<&'r str>,
    range: Range<usize>,
    out: &mut Vec<u8>,
    counts: &mut ClassCounts,
) {
    let mut ids = Vec::with_capacity(256);
    let mut start = range.start;
    // A group of rows at a time, their local ids touched first.
    while start < range.end {
        let end = range.end.min(start + ROW_GROUP);
        views.touch_local_ids(start..end);
        for i in start..end {
            if let (Some(v), Some(id)) = (views.get(i), remote_id(i)) {
                counts.add(v.class());
                put_row(out, &mut ids, id, &v);
            }
        }
        start = end;
    }
}

/// Formats decided batches as results CSV, a range of rows at a time (two
/// halves formatted in parallel with the `parallel` feature), counting the
/// classes. Output is the same with and without it.
#[derive(Debug, Default)]
pub struct ResultsCsv {
    counts: ClassCounts,
    second: Vec<u8>,
}

impl ResultsCsv {
    /// A formatter with zero counts.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the rows of positions `range` (clamped to the batch) of
    /// `views`, whose records are `remotes`' rows, to `out`.
    ///
    /// ```
    /// use ledgerlink::matching::bulk::{ResultsCsv, classify_table, index_table, parse_csv};
    /// use ledgerlink::{ExistingLinks, MatchIndexBuilder, Profile};
    /// let mut locals = parse_csv(b"id,name,email\nK1,Acme,a@acme.test\n")?;
    /// let mut remotes = parse_csv(b"id,name,email\nX1,ACME,a@acme.test\nX2,Other,o@x.test\n")?;
    /// let (index, _) = index_table(&MatchIndexBuilder::new(Profile::XeroGl), &mut locals)?;
    /// let (views, _) = classify_table(&index, &mut remotes, &ExistingLinks::new())?;
    /// let mut out = Vec::new();
    /// let mut csv = ResultsCsv::new();
    /// csv.format(&views, &remotes, 0..views.len(), &mut out);
    /// assert_eq!(out, b"X1,full,K1,name+email\nX2,none,,\n");
    /// assert_eq!(csv.counts().to_string(), "full 1, partial 0, ambiguous 0, none 1, unmatchable 0, possible_duplicate 0");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn format(
        &mut self,
        views: &BatchViews<'_>,
        remotes: &CsvTable,
        range: Range<usize>,
        out: &mut Vec<u8>,
    ) {
        self.format_with(views, &|i| remotes.record(i).map(|r| r.id()), range, out);
    }

    /// [`ResultsCsv::format`] for a streamed batch
    /// ([`CsvClassifier`](super::CsvClassifier)), which holds the remote
    /// ids itself.
    pub fn format_streamed(
        &mut self,
        views: &BatchViews<'_>,
        range: Range<usize>,
        out: &mut Vec<u8>,
    ) {
        self.format_with(views, &|i| views.remote_id(i), range, out);
    }

    fn format_with<'r>(
        &mut self,
        views: &BatchViews<'_>,
        remote_id: &(dyn Fn(usize) -> Option<&'r str> + Sync),
        range: Range<usize>,
        out: &mut Vec<u8>,
    ) {
        let end = range.end.min(views.len());
        let start = range.start.min(end);
        if end - start < 4096 {
            format_rows(views, remote_id, start..end, out, &mut self.counts);
            return;
        }
        let mid = start + (end - start) / 2;
        let mut second_counts = ClassCounts::default();
        let Self { counts, second } = self;
        second.clear();
        par::join(
            || format_rows(views, remote_id, start..mid, out, counts),
            || format_rows(views, remote_id, mid..end, second, &mut second_counts),
        );
        out.extend_from_slice(second);
        self.counts.merge(&second_counts);
    }

    /// Records formatted so far, per class.
    #[must_use]
    pub fn counts(&self) -> &ClassCounts {
        &self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_fields_are_quoted_when_needed() {
        let mut out = Vec::new();
        for f in ["plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", ""] {
            put_field(&mut out, f.as_bytes());
            out.push(b'|');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"cr\r\"||"
        );
    }
}
