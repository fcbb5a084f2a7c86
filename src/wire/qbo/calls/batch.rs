//! Many customer creates in one call: `POST batch`.

use crate::model::Contact;
use crate::ports::AdapterError;
use crate::wire::WireError;
use crate::wire::{Request, Response};

use super::super::fault;
use super::super::tree::{At, Value, each, filled};
use super::super::{ErrorContext, encode_customer_create, read, request_id};
use super::{Calls, success_doc, unreadable};

/// Most items one batch takes: Intuit's "API call limits and throttles"
/// page gives 30 payloads a batch request (its older batch page said 10);
/// QBO also throttles the batch endpoint on its own (40 batches a minute
/// per company and app).
pub const MAX_BATCH_ITEMS: usize = 30;

fn too_many(n: usize) -> AdapterError {
    AdapterError::Validation {
        code: None,
        message: format!(
            "a QuickBooks Online batch takes 1 to {MAX_BATCH_ITEMS} items, not {n}: send them in several batches"
        ),
    }
}

/// The `requestid` of a batch: one key made of every item's key, in
/// order, each with its length (no two lists of keys give the same text),
/// then shortened as any key ([`request_id`]).
fn batch_request_id(items: &[(&Contact, &str)]) -> Result<String, AdapterError> {
    let mut key = String::from("ledgerlink:qbo-batch");
    for (_, k) in items {
        if k.is_empty() {
            return Err((crate::wire::WireError::Invalid {
                provider: crate::wire::Profile::Qbo,
                field: "requestid".into(),
                detail: "an item without an idempotency key".into(),
            })
            .into_refusal());
        }
        key.push(':');
        key.push_str(&k.len().to_string());
        key.push(':');
        key.push_str(k);
    }
    request_id(&key).map_err(WireError::into_refusal)
}

/// The `bId` of the item at `index` (0-based) of the caller's list.
fn bid(index: usize) -> String {
    index.saturating_add(1).to_string()
}

impl Calls {
    /// `POST batch?requestid=…`: creates the customers of `items` (each a
    /// contact and its idempotency key, at most [`MAX_BATCH_ITEMS`]) in
    /// one call, each as a `BatchItemRequest` with `operation: create`
    /// and a `bId` from its position (`"1"`, `"2"`, …). QBO's `requestid`
    /// for the whole batch is made from every item's key, in order: the
    /// same items sent again (after a lost answer) carry the same id and
    /// are answered, not created twice — send a batch again only as it
    /// was, items and order alike.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for no items or more than
    /// [`MAX_BATCH_ITEMS`], an empty key, or an item the encoder refuses
    /// (its position in the message): nothing is sent.
    pub fn create_batch(&self, items: &[(&Contact, &str)]) -> Result<Request, AdapterError> {
        if items.is_empty() || items.len() > MAX_BATCH_ITEMS {
            return Err(too_many(items.len()));
        }
        let id = batch_request_id(items)?;
        let mut body = String::from(r#"{"BatchItemRequest":["#);
        for (i, (contact, _)) in items.iter().enumerate() {
            let customer =
                encode_customer_create(contact).map_err(|e| AdapterError::Validation {
                    code: None,
                    message: format!("batch item {}: {e}", bid(i)),
                })?;
            if i > 0 {
                body.push(',');
            }
            body.push_str(&format!(
                r#"{{"bId":"{}","operation":"create","Customer":{customer}}}"#,
                bid(i)
            ));
        }
        body.push_str("]}");
        Ok(self.post("batch", body, Some(id)))
    }

    /// Reads the answer to [`create_batch`](Self::create_batch) of the same
    /// `items`: one result per item, in the caller's order, matched by
    /// `bId` (QBO may answer out of order) — the customer as stored, the
    /// error of the item's `Fault` (6240 → [`AdapterError::DuplicateName`],
    /// …), or [`AdapterError::Transient`] for an item QBO did not answer.
    /// A failure of the whole call (401, 429, 5xx, a fault for the batch,
    /// an unreadable body) is every item's result.
    #[must_use]
    pub fn read_create_batch(
        &self,
        items: &[(&Contact, &str)],
        answer: &Response<'_>,
    ) -> Vec<Result<Contact, AdapterError>> {
        let doc = match success_doc(answer, ErrorContext::default()) {
            Ok(doc) => doc,
            Err(e) => return vec![Err(e); items.len()],
        };
        let mut out: Vec<Option<Result<Contact, AdapterError>>> = vec![None; items.len()];
        let root = At::Root;
        let at = At::Key(&root, "BatchItemResponse");
        for (i, item) in each(&doc.top, "BatchItemResponse").enumerate() {
            let at = At::Index(&at, i);
            let Some(index) = item
                .get("bId")
                .and_then(|b| filled(b, &At::Key(&at, "bId")).ok().flatten())
                .and_then(|b| b.trim().parse::<usize>().ok())
                .and_then(|b| b.checked_sub(1))
            else {
                continue;
            };
            let (Some(slot), Some((contact, _))) = (out.get_mut(index), items.get(index)) else {
                continue;
            };
            if slot.is_none() {
                *slot = Some(item_result(item, &at, contact, answer));
            }
        }
        out.into_iter()
            .enumerate()
            .map(|(i, r)| {
                r.unwrap_or_else(|| {
                    Err(AdapterError::Transient {
                        message: format!(
                            "QuickBooks Online answered nothing for batch item {} (it may have been created)",
                            bid(i)
                        ),
                    })
                })
            })
            .collect()
    }
}

/// One `BatchItemResponse`: its fault's error, or its customer.
fn item_result(
    item: &Value<'_>,
    at: &At<'_>,
    contact: &Contact,
    answer: &Response<'_>,
) -> Result<Contact, AdapterError> {
    for key in ["Fault", "fault"] {
        if let Some(v) = item.get(key).filter(|v| !v.is_null()) {
            let f = fault::read_fault(v, &At::Key(at, key)).map_err(|e| unreadable(answer, e))?;
            let ctx = ErrorContext {
                name: contact.display_name.as_deref(),
                retry_after_secs: answer.retry_after_secs(),
                ..ErrorContext::default()
            };
            return Err(fault::classify(0, Some(&f), "", &ctx));
        }
    }
    match item.get("Customer") {
        Some(v) => {
            read::customer(v, &At::Key(at, "Customer"), true).map_err(|e| unreadable(answer, e))
        }
        None => Err(unreadable(
            answer,
            format!("{}: neither a customer nor a fault", at.render()),
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn batch_ids_depend_on_every_key_in_order() {
        let c = Contact::default();
        let a = batch_request_id(&[(&c, "k1"), (&c, "k2")]).unwrap();
        assert_eq!(a, batch_request_id(&[(&c, "k1"), (&c, "k2")]).unwrap());
        assert_ne!(a, batch_request_id(&[(&c, "k2"), (&c, "k1")]).unwrap());
        assert_ne!(
            batch_request_id(&[(&c, "a:1:b")]).unwrap(),
            batch_request_id(&[(&c, "a"), (&c, "b")]).unwrap()
        );
        assert!(batch_request_id(&[(&c, "")]).is_err());
        assert_eq!(bid(0), "1");
    }
}
