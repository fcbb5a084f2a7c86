//! Request bodies: jobcode creates (one, a batch, or the ready operations
//! of a plan) and archives; and the reader of a create body, for fakes of
//! QBT and round trips.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::qbtime::{JobcodeId, JobcodeType, NewJobcode, OpId, Plan};
use crate::rules::qbtime::{JOBCODE_NAME, is_reserved_in_jobcode_name};
use crate::wire::WireError;

use super::MAX_BATCH_ITEMS;
use super::de::{Cursor, Flag, Num, PROVIDER, Text, json_error, shape};
use super::jobcodes::parse_type;

fn invalid(field: impl Into<String>, detail: impl Into<String>) -> WireError {
    WireError::Invalid {
        provider: PROVIDER,
        field: field.into(),
        detail: detail.into(),
    }
}

/// Appends `s` as a JSON string literal.
fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn check_batch(len: usize) -> Result<(), WireError> {
    if len == 0 {
        return Err(invalid("data", "no jobcodes to send"));
    }
    if len > MAX_BATCH_ITEMS {
        return Err(invalid(
            "data",
            format!(
                "{len} jobcodes in one request; QBT accepts at most {MAX_BATCH_ITEMS} \
                 (413 otherwise)"
            ),
        ));
    }
    Ok(())
}

/// Checks one jobcode against QBT's rules before it is sent.
pub(super) fn check_new(j: &NewJobcode) -> Result<(), WireError> {
    if j.name.trim().is_empty() {
        return Err(invalid("name", "empty: QBT requires a name"));
    }
    // The planner's limit, counted by the planner's function.
    if !JOBCODE_NAME.fits(&j.name) {
        return Err(WireError::TooLong {
            provider: PROVIDER,
            field: JOBCODE_NAME.field,
            len: JOBCODE_NAME.len(&j.name),
            max: JOBCODE_NAME.max,
        });
    }
    if j.connect_with_quickbooks && j.name.chars().any(is_reserved_in_jobcode_name) {
        return Err(invalid(
            "name",
            "contains `:` or a control character, which QBO refuses in the customer or job \
             QBT creates there",
        ));
    }
    match j.kind {
        JobcodeType::Regular => {}
        JobcodeType::Pto if j.parent_id.is_top_level() => {}
        JobcodeType::Pto => {
            return Err(invalid(
                "type",
                "a pto jobcode can only be created at the top level",
            ));
        }
        JobcodeType::PaidBreak | JobcodeType::UnpaidBreak => {
            return Err(invalid(
                "type",
                format!(
                    "`{}` jobcodes belong to the Breaks add-on and cannot be written through \
                     the API",
                    j.kind.as_str()
                ),
            ));
        }
    }
    Ok(())
}

fn push_new(out: &mut String, j: &NewJobcode) {
    out.push_str("{\"parent_id\":");
    out.push_str(&j.parent_id.0.to_string());
    out.push_str(",\"name\":");
    push_json_str(out, &j.name);
    out.push_str(",\"type\":\"");
    out.push_str(j.kind.as_str());
    out.push('"');
    // A beta property in QBT's documentation: sent only when wanted.
    if j.connect_with_quickbooks {
        out.push_str(",\"connect_with_quickbooks\":true");
    }
    out.push('}');
}

fn body<T>(items: &[T], mut push: impl FnMut(&mut String, &T)) -> String {
    let mut out = String::with_capacity(16 + items.len() * 96);
    out.push_str("{\"data\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push(&mut out, item);
    }
    out.push_str("]}");
    out
}

/// See [`super::encode_jobcode_creates`].
pub(super) fn creates(jobcodes: &[NewJobcode]) -> Result<String, WireError> {
    check_batch(jobcodes.len())?;
    for j in jobcodes {
        check_new(j)?;
    }
    Ok(body(jobcodes, push_new))
}

/// One request of jobcode creates, from the operations of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobcodeBatch {
    /// The operations sent, in the order of the body's `data` (and of the
    /// results [`decode_jobcode_results`](super::decode_jobcode_results)
    /// returns).
    pub operations: Vec<OpId>,
    /// The body to `POST` to `/jobcodes`.
    pub body: String,
}

/// The requests a plan's ready operations make, and what is left.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanRequests {
    /// Batches of at most [`MAX_BATCH_ITEMS`] creates, in plan order.
    pub batches: Vec<JobcodeBatch>,
    /// Operations whose parent (or another dependency) has not been
    /// created yet: encode again once the batches' results are in.
    pub waiting: Vec<OpId>,
    /// Operations QBT would refuse, with why; never sent.
    pub rejected: Vec<(OpId, WireError)>,
}

/// See [`super::encode_plan`].
pub(super) fn plan(plan: &Plan, created: &BTreeMap<OpId, JobcodeId>) -> PlanRequests {
    let mut out = PlanRequests::default();
    let mut ready: Vec<(OpId, NewJobcode)> = Vec::new();
    for op in &plan.operations {
        if created.contains_key(&op.id) {
            continue;
        }
        let deps_done = op.depends_on.iter().all(|d| created.contains_key(d));
        match op
            .action
            .new_jobcode(|id| created.get(id).copied())
            .filter(|_| deps_done)
        {
            None => out.waiting.push(op.id.clone()),
            Some(new) => match check_new(&new) {
                Ok(()) => ready.push((op.id.clone(), new)),
                Err(e) => out.rejected.push((op.id.clone(), e)),
            },
        }
    }
    for chunk in ready.chunks(MAX_BATCH_ITEMS) {
        out.batches.push(JobcodeBatch {
            operations: chunk.iter().map(|(id, _)| id.clone()).collect(),
            body: body(chunk, |s, (_, j)| push_new(s, j)),
        });
    }
    out
}

#[derive(Deserialize)]
struct RequestWire<'a> {
    #[serde(borrow)]
    data: Vec<NewWire<'a>>,
}

#[derive(Deserialize)]
struct NewWire<'a> {
    parent_id: Option<Num>,
    #[serde(borrow)]
    name: Option<Text<'a>>,
    #[serde(rename = "type", borrow)]
    kind: Option<Text<'a>>,
    connect_with_quickbooks: Option<Flag>,
}

/// See [`super::decode_jobcode_create_request`].
pub(super) fn read_request(bytes: &[u8]) -> Result<Vec<NewJobcode>, WireError> {
    let at = Cursor::default();
    let req: RequestWire<'_> = serde_json::from_slice(bytes).map_err(|e| json_error(&e, &at))?;
    let mut out = Vec::with_capacity(req.data.len());
    for (i, w) in req.data.iter().enumerate() {
        let name = w
            .name
            .as_ref()
            .ok_or_else(|| shape(format!("data[{i}].name"), "missing"))?;
        let kind = match &w.kind {
            None => JobcodeType::Regular,
            Some(t) => parse_type(t.as_str()).ok_or_else(|| {
                shape(
                    format!("data[{i}].type"),
                    format!("unknown jobcode type `{}`", t.as_str()),
                )
            })?,
        };
        out.push(NewJobcode {
            parent_id: JobcodeId(w.parent_id.map_or(0, |n| n.0)),
            name: name.as_str().to_owned(),
            kind,
            connect_with_quickbooks: w.connect_with_quickbooks.is_some_and(|f| f.0),
        });
    }
    Ok(out)
}
