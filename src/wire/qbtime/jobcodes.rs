//! Jobcodes: listings, single objects and the per-item results of a batch
//! create or update.

use std::marker::PhantomData;

use serde::Deserialize;

use crate::ports::AdapterError;
use crate::ports::JobcodePage;
use crate::qbtime::{Jobcode, JobcodeId, JobcodeType};
use crate::wire::{Limits, WireError};

use super::de::{
    Cursor, Envelope, EnvelopeSeed, Flag, Keyed, Loc, Num, Text, check_field, json_error, run,
    shape,
};
use super::errors::status_error;

/// One jobcode as QBT sends it, status fields of a write result included.
/// Fields the model does not keep (`short_code`, `billable`,
/// `billable_rate`, `has_children`, `assigned_to_all`, `last_modified`,
/// `created`, `locations`, custom fields) are skipped unread.
#[derive(Debug, Deserialize)]
pub(super) struct JobcodeWire<'a> {
    id: Option<Num>,
    parent_id: Option<Num>,
    #[serde(borrow)]
    name: Option<Text<'a>>,
    #[serde(rename = "type", borrow)]
    kind: Option<Text<'a>>,
    active: Option<Flag>,
    connect_with_quickbooks: Option<Flag>,
    #[serde(rename = "_status_code")]
    status_code: Option<Num>,
    #[serde(rename = "_status_message", borrow)]
    status_message: Option<Text<'a>>,
    #[serde(rename = "_status_extra", borrow)]
    status_extra: Option<Text<'a>>,
}

impl JobcodeWire<'_> {
    pub(super) const fn is_write_result(&self) -> bool {
        self.status_code.is_some()
    }
}

/// The wire value of a jobcode type; `None` for a type this crate does not
/// know (QBT says more may come).
pub(super) fn parse_type(s: &str) -> Option<JobcodeType> {
    Some(match s {
        "regular" => JobcodeType::Regular,
        "pto" => JobcodeType::Pto,
        "paid_break" => JobcodeType::PaidBreak,
        "unpaid_break" => JobcodeType::UnpaidBreak,
        _ => return None,
    })
}

/// How the key of an item relates to its `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyRole {
    /// A listing: the key is the id (and stands in for a missing `id`).
    Id,
    /// A write result: the key is the request position.
    Position,
}

fn to_jobcode(
    w: &JobcodeWire<'_>,
    key: Option<u64>,
    role: KeyRole,
    loc: Loc<'_>,
) -> Result<Jobcode, WireError> {
    let id = match (w.id, key, role) {
        (Some(Num(id)), Some(key), KeyRole::Id) if id != key => {
            return Err(shape(
                loc.field("id"),
                format!("id {id} differs from the key it is listed under"),
            ));
        }
        (Some(Num(id)), _, _) => id,
        (None, Some(key), KeyRole::Id) => key,
        (None, _, _) => return Err(shape(loc.field("id"), "missing")),
    };
    let parent_id = w
        .parent_id
        .ok_or_else(|| shape(loc.field("parent_id"), "missing"))?
        .0;
    let name = w
        .name
        .as_ref()
        .ok_or_else(|| shape(loc.field("name"), "missing"))?;
    let kind_text = w
        .kind
        .as_ref()
        .ok_or_else(|| shape(loc.field("type"), "missing"))?;
    let kind = parse_type(kind_text.as_str()).ok_or_else(|| {
        shape(
            loc.field("type"),
            format!(
                "unknown jobcode type `{}` (expected regular, pto, paid_break or unpaid_break)",
                kind_text.as_str()
            ),
        )
    })?;
    let active = w
        .active
        .ok_or_else(|| shape(loc.field("active"), "missing"))?
        .0;
    Ok(Jobcode {
        id: JobcodeId(id),
        parent_id: JobcodeId(parent_id),
        name: name.as_str().to_owned(),
        kind,
        active,
        connect_with_quickbooks: w.connect_with_quickbooks.is_some_and(|f| f.0),
    })
}

/// Every item's `name` (the one text a jobcode keeps) within
/// [`Limits::max_field_bytes`].
fn check_names(items: &[Keyed<JobcodeWire<'_>>], limits: &Limits) -> Result<(), WireError> {
    for k in items {
        if let Some(name) = &k.item.name {
            check_field(limits, name.as_str(), || {
                Loc::item("jobcodes", k).field("name")
            })?;
        }
    }
    Ok(())
}

/// Reads the envelope of a jobcode response.
pub(super) fn read_envelope<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<Envelope<JobcodeWire<'a>>, WireError> {
    limits.check_input(crate::wire::Profile::QbTime, bytes)?;
    let mut at = Cursor::default();
    let seed = EnvelopeSeed::<JobcodeWire<'_>> {
        at: &mut at,
        collection: "jobcodes",
        max: limits.max_records,
        item: PhantomData,
    };
    run(bytes, seed).map_err(|e| json_error(&e, &at))
}

/// The page of a listing envelope, sorted by id.
pub(super) fn listing(
    env: Envelope<JobcodeWire<'_>>,
    limits: &Limits,
) -> Result<JobcodePage, WireError> {
    let items = env
        .items
        .ok_or_else(|| shape("results.jobcodes", "missing"))?;
    check_names(&items, limits)?;
    let mut jobcodes = Vec::with_capacity(items.len());
    for k in &items {
        if k.item.is_write_result() {
            return Err(shape(
                Loc::item("jobcodes", k).path(),
                "a write result (`_status_code`), not a listed jobcode: read it with \
                 decode_jobcode_results",
            ));
        }
        jobcodes.push(to_jobcode(
            &k.item,
            k.key,
            KeyRole::Id,
            Loc::item("jobcodes", k),
        )?);
    }
    jobcodes.sort_by_key(|j| j.id);
    if let Some(w) = jobcodes
        .windows(2)
        .find(|w| w.first().map(|j| j.id) == w.get(1).map(|j| j.id))
    {
        let id = w.first().map(|j| j.id).unwrap_or_default();
        return Err(shape(format!("results.jobcodes.{id}"), "listed twice"));
    }
    Ok(JobcodePage {
        jobcodes,
        more: env.more,
    })
}

/// The per-item results of a write envelope, in request order.
pub(super) fn results(
    env: Envelope<JobcodeWire<'_>>,
    limits: &Limits,
) -> Result<Vec<Result<Jobcode, AdapterError>>, WireError> {
    let items = env
        .items
        .ok_or_else(|| shape("results.jobcodes", "missing"))?;
    check_names(&items, limits)?;
    // Objects are keyed by request position (from 1); arrays are in order.
    let mut ordered: Vec<(u64, &Keyed<JobcodeWire<'_>>)> = items
        .iter()
        .map(|k| {
            let pos = k
                .key
                .unwrap_or_else(|| u64::try_from(k.index).unwrap_or(u64::MAX).saturating_add(1));
            (pos, k)
        })
        .collect();
    ordered.sort_by_key(|(pos, _)| *pos);
    for (expected, (pos, k)) in (1u64..).zip(&ordered) {
        if *pos != expected {
            return Err(shape(
                Loc::item("jobcodes", k).path(),
                format!(
                    "write results must be numbered 1 to {} (the request order); found {pos} \
                     where {expected} was expected",
                    ordered.len()
                ),
            ));
        }
    }
    let mut out = Vec::with_capacity(ordered.len());
    for (_, k) in ordered {
        out.push(item_result(&k.item, k.key, Loc::item("jobcodes", k))?);
    }
    Ok(out)
}

/// One write result: 200/201 created (or edited), 202 "exists already",
/// anything else refused.
fn item_result(
    w: &JobcodeWire<'_>,
    key: Option<u64>,
    loc: Loc<'_>,
) -> Result<Result<Jobcode, AdapterError>, WireError> {
    let Some(Num(code)) = w.status_code else {
        return Err(shape(loc.field("_status_code"), "missing"));
    };
    let Ok(code) = u16::try_from(code) else {
        return Err(shape(
            loc.field("_status_code"),
            format!("{code} is not an HTTP status"),
        ));
    };
    let name = || {
        w.name
            .as_ref()
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default()
    };
    Ok(match code {
        200 | 201 => Ok(to_jobcode(w, key, KeyRole::Position, loc)?),
        // Not created: a jobcode of the same parent, name and type exists.
        // When QBT sends it back whole, it is the jobcode asked for.
        202 => to_jobcode(w, key, KeyRole::Position, loc)
            .map_err(|_| AdapterError::DuplicateName { name: name() }),
        _ => {
            let message = w
                .status_extra
                .as_ref()
                .filter(|t| !t.as_str().trim().is_empty())
                .or(w.status_message.as_ref())
                .map_or_else(|| format!("status {code}"), |t| t.as_str().to_owned());
            Err(status_error(code, message, None))
        }
    })
}

/// Reads one jobcode object (`{"id":…,"parent_id":…,…}`), outside any
/// envelope.
pub(super) fn single(bytes: &[u8]) -> Result<Jobcode, WireError> {
    let at = Cursor::default();
    let w: JobcodeWire<'_> = serde_json::from_slice(bytes).map_err(|e| json_error(&e, &at))?;
    if w.is_write_result() {
        return item_result(&w, None, Loc::Root)?
            .map_err(|e| shape("_status_code", format!("a refused write: {e}")));
    }
    to_jobcode(&w, None, KeyRole::Id, Loc::Root)
}
