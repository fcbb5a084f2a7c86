//! Answers that are not one kind of record: a batch answer (each item a
//! record, a query page or a fault, in the request's order, with its
//! `bId`), and the stubs QBO answers a delete with (`{"Invoice":
//! {"domain": "QBO", "status": "Deleted", "Id": "266"}}`), which a change
//! listing also carries for deleted entities.

use crate::wire::{BatchItem, Payload, WireError};

use super::kind::{Kind, kind_of};
use super::tree::{At, Value, each, filled, shape};
use super::{DecodeOptions, build, unsupported};

/// The ids of the `key` stubs of `top`.
pub(super) fn deleted(top: &Value<'_>, key: &'static str) -> Result<Payload, WireError> {
    let at = At::Key(&At::Root, key);
    let ids = each(top, key)
        .enumerate()
        .map(|(i, v)| {
            let at = At::Index(&at, i);
            let id_at = At::Key(&at, "Id");
            v.get("Id")
                .map_or(Ok(None), |id| filled(id, &id_at))?
                .map(str::to_owned)
                .ok_or_else(|| shape(&id_at, "a deleted record without an Id"))
        })
        .collect::<Result<_, _>>()?;
    Ok(Payload::Deleted {
        kind: key.to_owned(),
        ids,
        more: false,
    })
}

/// Every `BatchItemResponse` item, in order: its `bId` and what it holds,
/// read as a document of its own (an item of a kind this codec does not
/// read is an [`WireError::Unsupported`] in its place, not a failure of
/// the whole answer).
pub(super) fn items(top: &Value<'_>, opts: &DecodeOptions) -> Result<Vec<BatchItem>, WireError> {
    let at = At::Key(&At::Root, "BatchItemResponse");
    each(top, "BatchItemResponse")
        .enumerate()
        .map(|(i, item)| {
            let at = At::Index(&at, i);
            if !matches!(item, Value::Obj(_)) {
                return Err(shape(&at, "expected a batch item object"));
            }
            let id = item
                .get("bId")
                .map_or(Ok(None), |b| filled(b, &At::Key(&at, "bId")))?
                .unwrap_or_default()
                .to_owned();
            let result = match kind_of(item) {
                Some(Kind::Batch) => Err(shape(&at, "a batch inside a batch")),
                Some(kind) => build(kind, item, opts),
                None => Err(unsupported(format!(
                    "batch item `{}`: neither a customer, an invoice, a payment, a query nor a fault",
                    super::tree::head(&id)
                ))),
            };
            Ok(BatchItem { id, result })
        })
        .collect()
}
