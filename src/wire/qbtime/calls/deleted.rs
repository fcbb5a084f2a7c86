//! The deleted-timesheets listing (`GET timesheets_deleted`): the ids of
//! the timesheets QBT deleted, and `more`. The deleted records' other
//! fields are not read: a deletion needs only its id.

use std::marker::PhantomData;

use serde::Deserialize;

use crate::wire::{Limits, Profile, WireError};

use super::super::de::{Cursor, EnvelopeSeed, Loc, Num, json_error, run, shape};

/// One deleted timesheet; everything but its `id` is skipped unread.
#[derive(Debug, Deserialize)]
struct DeletedWire {
    id: Option<Num>,
}

/// The collection QBT names the deleted timesheets by.
const COLLECTION: &str = "timesheets_deleted";

/// The ids of one page of deleted timesheets, sorted, and `more`.
pub(super) fn read(bytes: &[u8], limits: &Limits) -> Result<(Vec<u64>, bool), WireError> {
    limits.check_input(Profile::QbTime, bytes)?;
    let mut at = Cursor::default();
    let seed = EnvelopeSeed::<DeletedWire> {
        at: &mut at,
        collection: COLLECTION,
        max: limits.max_records,
        item: PhantomData,
    };
    let env = run(bytes, seed).map_err(|e| json_error(&e, &at))?;
    let items = env
        .items
        .ok_or_else(|| shape(format!("results.{COLLECTION}"), "missing"))?;
    let mut ids = Vec::with_capacity(items.len());
    for k in &items {
        let loc = Loc::item(COLLECTION, k);
        let id = match (k.item.id, k.key) {
            (Some(Num(id)), Some(key)) if id != key => {
                return Err(shape(
                    loc.field("id"),
                    format!("id {id} differs from the key it is listed under"),
                ));
            }
            (Some(Num(id)), _) | (None, Some(id)) => id,
            (None, None) => return Err(shape(loc.field("id"), "missing")),
        };
        ids.push(id);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok((ids, env.more))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::for_provider(Profile::QbTime)
    }

    #[test]
    fn ids_come_from_keys_or_items_sorted() {
        let page = br#"{"results":{"timesheets_deleted":{
            "135288460":{"id":135288460,"user_id":1242509,"type":"regular","active":"0"},
            "135288102":{"id":"135288102"}}},"more":true,"supplemental_data":{"jobcodes":{}}}"#;
        assert_eq!(
            read(page, &limits()),
            Ok((vec![135_288_102, 135_288_460], true))
        );
        let empty = br#"{"results":{"timesheets_deleted":[]},"more":false}"#;
        assert_eq!(read(empty, &limits()), Ok((vec![], false)));
        let listed = br#"{"results":{"timesheets_deleted":[{"id":4},{"id":3}]}}"#;
        assert_eq!(read(listed, &limits()), Ok((vec![3, 4], false)));
    }

    #[test]
    fn other_shapes_are_typed_errors() {
        for bad in [
            &br#"{"results":{"timesheets":{}}}"#[..],
            br#"{"results":{"timesheets_deleted":{"1":{"id":2}}}}"#,
            br#"{"results":{"timesheets_deleted":[{"user_id":2}]}}"#,
            br#"{"results":{"timesheets_deleted":{"x":{}}}}"#,
            b"[]",
            b"",
        ] {
            assert!(
                read(bad, &limits()).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
