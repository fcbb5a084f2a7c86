//! Bulk matching from CSV: a whole listing classified against the firm's
//! contacts, a million rows a side, without building a
//! [`Contact`](crate::Contact) per row.
//!
//! No I/O: [`CsvTableParser`] is pushed bytes (chunks of any size, from a
//! file, a socket or memory) and builds a compact [`CsvTable`] of the
//! fields the matcher reads; [`index_table`] indexes the local side,
//! [`classify_table`] decides the remote side in input order, and
//! [`ResultsCsv`] formats the decisions as
//! `remote_id,class,local_ids,matched_on` rows. Malformed rows are skipped
//! and reported ([`RowProblem`]: line and reason), never dropped silently.
//! [`crate::bulk_io`] has the loop that reads a `std::io::Read` into a
//! table. `examples/match_csv.rs` is a command line over these.
//!
//! ```
//! use ledgerlink::matching::bulk::{
//!     CsvTableParser, MalformedRow, ResultsCsv, classify_table, index_table, parse_csv,
//! };
//! use ledgerlink::{ExistingLinks, MatchIndexBuilder, Profile};
//!
//! let mut locals = parse_csv(b"id,kind,name,email\nK1,organisation,Acme Ltd,ap@acme.test\n")?;
//! let mut parser = CsvTableParser::new();
//! parser.push(b"id,name,email,phone\nX1,ACME LTD,AP@acme.test,555\n")?;
//! parser.push(b"X2,New Co,n@x.test\nX3,\"Other\",o@x.test,1\n")?;
//! let mut remotes = parser.finish()?;
//! assert_eq!(remotes.problems()[0].line, 3);
//! assert_eq!(
//!     remotes.problems()[0].reason,
//!     MalformedRow::FieldCount { expected: 4, found: 3 }
//! );
//!
//! let builder = MatchIndexBuilder::new(Profile::XeroGl);
//! let (index, _) = index_table(&builder, &mut locals)?;
//! let (views, duplicates) = classify_table(&index, &mut remotes, &ExistingLinks::new())?;
//! assert!(duplicates.is_empty());
//! let mut out = Vec::new();
//! ResultsCsv::new().format(&views, &remotes, 0..views.len(), &mut out);
//! assert_eq!(String::from_utf8(out)?, "X1,full,K1,name+email\nX3,none,,\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod check;
mod csv;
mod problems;
mod results;
mod run;
mod scan;
mod stream;
mod table;

pub use csv::{CsvTableParser, parse_csv};
pub use problems::{CsvError, MalformedRow, RowProblem};
pub use results::{ClassCounts, RESULTS_HEADER, ResultsCsv, put_result_row};
pub use run::{classify_table, index_table, index_tables_owned};
pub use stream::{CHUNK_ROWS, ClassifiedCsv, CsvClassifier, StreamError};
pub use table::{CsvRecord, CsvTable};
