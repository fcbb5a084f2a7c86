//! The QuickBooks Online call codec (`wire::qbo::Calls`) through its public
//! API: every request builder against the documented request (method,
//! path, query, headers, body), every reader against real-shaped answers
//! (the crate's fixtures in `tests/fixtures/qbo/calls`, and the shared
//! recorded ones) and each error status, and random or truncated bytes
//! into every reader. The change feed against a fake company is in
//! `feed.rs`.

mod answers;
mod feed;
mod requests;
mod robustness;

use ledgerlink::Profile;
use ledgerlink::billing::{DraftAllocation, DraftLine, InvoiceDraft, InvoiceRef, PaymentDraft};
use ledgerlink::model::{
    Contact, ContactId, ContactStatus, Currency, InvoiceTotals, PhoneKind, VersionToken,
};
use ledgerlink::ports::AdapterError;
use ledgerlink::sync::{ContactRef, FieldValue, SyncField};
use ledgerlink::wire::qbo::{self, Calls, MAX_BATCH_ITEMS, PRODUCTION_BASE, SANDBOX_BASE};
use ledgerlink::wire::{Method, Request, Response};
use proptest::prelude::*;

use crate::support::contacts::patch;
use crate::support::fixtures::{fixture, shared_fixture};
use crate::support::money::{dec, usd};
use crate::support::time::{at, date};

// ------------------------------------------------------------- helpers

fn calls() -> Calls {
    Calls::new("9130")
}

fn ok(body: &[u8]) -> Response<'_> {
    Response::new(200, body)
}

fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    q(pairs)
}

const CUSTOMER_QUERY_1: &str = "SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000";

/// A minimal customer as QBO answers it.
fn customer_json(id: u32, active: bool) -> String {
    format!(
        r#"{{"domain":"QBO","sparse":false,"Id":"{id}","SyncToken":"0","MetaData":{{"CreateTime":"2024-02-01T10:00:00-08:00","LastUpdatedTime":"2024-02-01T10:00:00-08:00"}},"DisplayName":"Customer {id}","Active":{active}}}"#
    )
}

fn query_page(ids: std::ops::Range<u32>) -> String {
    let customers: Vec<String> = ids.clone().map(|i| customer_json(i, i % 3 != 0)).collect();
    format!(
        r#"{{"QueryResponse":{{"Customer":[{}],"startPosition":1,"maxResults":{}}},"time":"2024-03-01T10:00:06.187-08:00"}}"#,
        customers.join(","),
        ids.len()
    )
}

fn jane() -> Contact {
    Contact::person("", "Jane", "Smith")
        .with_display_name("Jane Smith")
        .with_phone(PhoneKind::Mobile, "021 555 0101")
}

fn invoice_draft() -> InvoiceDraft {
    InvoiceDraft {
        invoice_id: "INV-1".into(),
        doc_number: "INV-0001".into(),
        contact_id: "L1".into(),
        customer: ContactRef::Id("101".into()),
        issue_date: date(2024, 2, 1),
        due_date: date(2024, 2, 29),
        currency: Currency::USD,
        lines: vec![DraftLine {
            service: "7".into(),
            default_service: false,
            description: "Monthly books".into(),
            quantity: dec("1.5"),
            unit_price: usd("33.333"),
            amount: usd("50.00"),
            tax_code: Some("TAX".into()),
        }],
        totals: InvoiceTotals {
            net: usd("50.00"),
            tax: usd("0"),
            gross: usd("50.00"),
        },
    }
}

fn payment_draft() -> PaymentDraft {
    PaymentDraft {
        source_id: "pm-1".into(),
        contact_id: "L1".into(),
        customer: ContactRef::Id("101".into()),
        date: date(2024, 3, 2),
        amount: usd("50.00"),
        allocations: vec![DraftAllocation {
            invoice: InvoiceRef::Id("501".into()),
            local_invoice_id: "INV-1".into(),
            amount: usd("50.00"),
        }],
        unapplied: usd("0"),
        changes: Vec::new(),
    }
}

const EXPIRED: &[u8] = br#"{"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; statusCode=401","detail":"Token expired: AB0160139","code":"3200"}],"type":"AUTHENTICATION"},"time":"2024-03-01T10:00:06.187-08:00"}"#;
const FORBIDDEN: &[u8] = br#"{"fault":{"error":[{"message":"message=AuthorizationFailed; errorCode=003100; statusCode=403","detail":"Unauthorized","code":"3100"}],"type":"AUTHENTICATION"},"time":"2024-03-01T10:00:06.187-08:00"}"#;
const THROTTLED: &[u8] = br#"{"Fault":{"Error":[{"Message":"message=ThrottleExceeded; errorCode=003001; statusCode=429","Detail":"The request limit was reached.","code":"3001"}],"type":"SERVICE"},"time":"2024-03-01T10:00:06.187-08:00"}"#;

/// Every reader on one answer (a readers' table for the error statuses).
fn every_reader(answer: &Response<'_>) -> Vec<(&'static str, Result<(), AdapterError>)> {
    let c = calls();
    let id = ContactId::from("58");
    let j = jane();
    let items = [(&j, "k1")];
    let mut facts = c.ledger_facts();
    let _ = facts.next_request();
    let mut out = vec![
        ("read_list", c.read_list(None, answer).map(drop)),
        (
            "read_changes (cdc)",
            c.read_changes(Some("2024-03-01T17:00:00Z"), None, answer)
                .map(drop),
        ),
        (
            "read_changes (full)",
            c.read_changes(None, None, answer).map(drop),
        ),
        ("read_create", c.read_create(answer).map(drop)),
        ("read_update", c.read_update(&id, answer).map(drop)),
        (
            "read_create_invoice",
            c.read_create_invoice(answer).map(drop),
        ),
        (
            "read_list_payments",
            c.read_list_payments(None, answer).map(drop),
        ),
        (
            "read_create_payment",
            c.read_create_payment(answer).map(drop),
        ),
        ("ledger_facts read", facts.read(answer)),
    ];
    for r in c.read_create_batch(&items, answer) {
        out.push(("read_create_batch", r.map(drop)));
    }
    out
}
