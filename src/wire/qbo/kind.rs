//! What a QBO document holds, from its top-level keys.

use super::tree::{Value, each};

/// What a document holds, from its top-level keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Fault,
    Query,
    /// `BatchItemResponse`: the answer to a batch request.
    Batch,
    /// A `status: "Deleted"` stub of the record kind named (the answer to
    /// a delete; a deleted entity in a change listing).
    Deleted(&'static str),
    Customer,
    Invoice,
    Payment,
    BareCustomer,
    BareInvoice,
    BarePayment,
}

/// Top-level JSON keys and XML roots that only QBO uses.
pub(super) const OUR_KEYS: [&str; 9] = [
    "QueryResponse",
    "BatchItemResponse",
    "CDCResponse",
    "Fault",
    "fault",
    "Customer",
    "Invoice",
    "Payment",
    "IntuitResponse",
];

/// Keys that make a bare object a customer (a create or sparse update
/// body).
const CUSTOMER_KEYS: [&str; 14] = [
    "DisplayName",
    "GivenName",
    "MiddleName",
    "FamilyName",
    "CompanyName",
    "PrimaryEmailAddr",
    "PrimaryPhone",
    "Mobile",
    "Fax",
    "AlternatePhone",
    "BillAddr",
    "ShipAddr",
    "ParentRef",
    "Job",
];

pub(super) fn kind_of(top: &Value<'_>) -> Option<Kind> {
    let has = |k: &str| top.get(k).is_some_and(|v| !v.is_null());
    if has("Fault") || has("fault") {
        return Some(Kind::Fault);
    }
    if has("BatchItemResponse") {
        return Some(Kind::Batch);
    }
    // An empty XML `<QueryResponse/>` reads as null: still a query.
    if top.get("QueryResponse").is_some() {
        return Some(Kind::Query);
    }
    for (key, kind) in [
        ("Customer", Kind::Customer),
        ("Invoice", Kind::Invoice),
        ("Payment", Kind::Payment),
    ] {
        if has(key) {
            if is_deleted_stub(top, key) {
                return Some(Kind::Deleted(key));
            }
            return Some(kind);
        }
    }
    if has("CustomerRef") {
        let item_lines = each(top, "Line")
            .any(|l| l.get("DetailType").is_some() || l.get("SalesItemLineDetail").is_some());
        return if item_lines {
            Some(Kind::BareInvoice)
        } else if has("TotalAmt") {
            Some(Kind::BarePayment)
        } else if has("Line") {
            Some(Kind::BareInvoice)
        } else {
            None
        };
    }
    CUSTOMER_KEYS
        .into_iter()
        .any(has)
        .then_some(Kind::BareCustomer)
}

/// Whether every `key` record of `top` is a `status: "Deleted"` stub (an
/// attribute in XML: `<Invoice domain="QBO" status="Deleted">`).
pub(super) fn is_deleted_stub(top: &Value<'_>, key: &str) -> bool {
    let mut any = false;
    for v in each(top, key) {
        let deleted = matches!(v.get("status"), Some(Value::Str(s)) if s == "Deleted");
        if !deleted {
            return false;
        }
        any = true;
    }
    any
}

/// The record kind of a QBO entity this codec does not read, when `top`
/// holds one: an object marked `domain: "QBO"` (every entity QBO sends
/// is).
pub(super) fn other_entity<'t>(top: &'t Value<'_>) -> Option<&'t str> {
    top.entries().iter().find_map(|(k, v)| {
        let first = v.items().first().unwrap_or(v);
        matches!(first.get("domain"), Some(Value::Str(d)) if d == "QBO").then_some(k.as_ref())
    })
}
