//! Many contacts created in one call: `PUT Contacts?summarizeErrors=false`
//! and its per-contact answer.

use serde_json::{Map, Value};

use crate::model::Contact;
use crate::ports::AdapterError;
use crate::wire::{Method, Request, Response};

use super::super::{check_idempotency_key, decode_contacts_with_limits, decode_error, encode};
use super::{Calls, MAX_BATCH_CONTACTS, MAX_REQUEST_BYTES, success_body, validation, with_key};

/// The `Idempotency-Key` of a batch of creates whose own keys are `keys`,
/// in order: `ledgerlink:batch:<count>:<32 hex digits>`, the digits a
/// 128-bit FNV-1a hash of the keys (each preceded by its length, so that
/// no two lists of keys read as the same bytes).
///
/// The same keys in the same order always give the same key, so a batch
/// sent again is answered by Xero as the first time; any other list gives
/// another key. It holds no randomness and is at most 60 characters
/// (Xero takes 128). FNV-1a is not a cryptographic hash: the keys are the
/// planner's own, not chosen by an adversary, and two different batches
/// share a key with a chance of about one in 2^128.
///
/// ```
/// use ledgerlink::wire::xero::batch_idempotency_key;
///
/// let a = batch_idempotency_key(&["ledgerlink:s:r1:op-1", "ledgerlink:s:r1:op-2"]);
/// assert_eq!(a, batch_idempotency_key(&["ledgerlink:s:r1:op-1", "ledgerlink:s:r1:op-2"]));
/// assert_ne!(a, batch_idempotency_key(&["ledgerlink:s:r1:op-2", "ledgerlink:s:r1:op-1"]));
/// assert!(a.starts_with("ledgerlink:batch:2:") && a.len() <= 128);
/// ```
#[must_use]
pub fn batch_idempotency_key(keys: &[&str]) -> String {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut h = OFFSET;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u128::from(b);
            h = h.wrapping_mul(PRIME);
        }
    };
    for k in keys {
        eat(&(k.len() as u64).to_le_bytes());
        eat(k.as_bytes());
    }
    format!("ledgerlink:batch:{}:{h:032x}", keys.len())
}

impl Calls {
    /// Creates every contact of `items` (each with its own idempotency
    /// key) in one call: `PUT Contacts?summarizeErrors=false`, the
    /// contacts in order, with one `Idempotency-Key` made from the items'
    /// keys by [`batch_idempotency_key`] (the batch sent again with the
    /// same items carries the same key). With `summarizeErrors=false` Xero
    /// creates the contacts it accepts and answers every element, refused
    /// ones with their errors.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] (nothing is to be sent) for no items,
    /// more than [`MAX_BATCH_CONTACTS`], a body over
    /// [`MAX_REQUEST_BYTES`], or a contact or key an encoder refuses (the
    /// message names its position).
    pub fn create_batch(&self, items: &[(&Contact, &str)]) -> Result<Request, AdapterError> {
        if items.is_empty() {
            return Err(validation("Xero: a batch needs at least one contact"));
        }
        if items.len() > MAX_BATCH_CONTACTS {
            return Err(validation(format!(
                "Xero: {} contacts in one batch, at most {MAX_BATCH_CONTACTS}",
                items.len()
            )));
        }
        for (i, (_, key)) in items.iter().enumerate() {
            check_idempotency_key(key)
                .map_err(|e| validation(format!("contact {i} of the batch: {e}")))?;
        }
        let contacts: Vec<&Contact> = items.iter().map(|(c, _)| *c).collect();
        let body = encode::contacts_create(&contacts)
            .map_err(|(i, e)| validation(format!("contact {i} of the batch: {e}")))?;
        if body.len() > MAX_REQUEST_BYTES {
            return Err(validation(format!(
                "Xero: the batch's body is {} bytes, at most {MAX_REQUEST_BYTES}",
                body.len()
            )));
        }
        let keys: Vec<&str> = items.iter().map(|(_, k)| *k).collect();
        let key = batch_idempotency_key(&keys);
        Ok(with_key(
            self.with_json(Method::Put, "Contacts", body)?
                .with_query("summarizeErrors", "false"),
            &key,
        ))
    }

    /// Reads the answer to [`create_batch`](Self::create_batch) of `n`
    /// items: one result per item, in the items' order — the contact as
    /// stored, or the item's own refusal
    /// ([`AdapterError::DuplicateName`] for a name in use, else
    /// [`AdapterError::Validation`]).
    ///
    /// A Xero that summarised its errors anyway (HTTP 400 listing the `n`
    /// elements) gives each refused element its error and each other one
    /// [`AdapterError::Transient`]: it may have been created, and its
    /// answer is not in the summary (sent again with its key, it is not
    /// created twice).
    ///
    /// # Errors
    /// The whole answer's error, for every item: the mapped error of a
    /// failed answer; [`AdapterError::Transient`] for a body that cannot be
    /// read or that answers another number of elements than `n`.
    pub fn read_create_batch(
        &self,
        n: usize,
        answer: &Response<'_>,
    ) -> Result<Vec<Result<Contact, AdapterError>>, AdapterError> {
        if answer.status == 400
            && let Some(elements) = self.elements(answer.body, "Elements")
            && elements.len() == n
            && n > 0
        {
            return Ok(elements
                .iter()
                .map(|el| {
                    if failed(el) {
                        Err(element_error(el))
                    } else {
                        Err(AdapterError::Transient {
                            message: "Xero refused the batch with a summary that does not say whether this contact was created".into(),
                        })
                    }
                })
                .collect());
        }
        let body = success_body(answer, None)?;
        let Some(elements) = self.elements(body, "Contacts") else {
            // Not a list of contacts: the error it holds, or unreadable.
            let e = decode_contacts_with_limits(body, None, &self.options.limits)
                .err()
                .map_or_else(
                    || AdapterError::Transient {
                        message: "Xero: the batch answer cannot be read".into(),
                    },
                    |e| super::unreadable(body, &e),
                );
            return Err(e);
        };
        if elements.len() != n {
            return Err(AdapterError::Transient {
                message: format!(
                    "Xero answered {} contacts for a batch of {n}: the answer cannot be matched to the contacts sent",
                    elements.len()
                ),
            });
        }
        Ok(elements
            .into_iter()
            .map(|el| {
                if failed(&el) {
                    return Err(element_error(&el));
                }
                self.element_contact(el)
            })
            .collect())
    }

    /// The list `key` of a JSON object body, within the input limit.
    fn elements(&self, body: &[u8], key: &str) -> Option<Vec<Value>> {
        if body.len() > self.options.limits.max_input_bytes {
            return None;
        }
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        let mut doc: Map<String, Value> = serde_json::from_slice(body).ok()?;
        match doc.remove(key)? {
            Value::Array(items) if items.len() <= self.options.limits.max_records => Some(items),
            _ => None,
        }
    }

    /// One accepted element, read by the contacts decoder.
    fn element_contact(&self, el: Value) -> Result<Contact, AdapterError> {
        let mut doc = Map::new();
        doc.insert("Contacts".into(), Value::Array(vec![el]));
        let bytes =
            serde_json::to_vec(&Value::Object(doc)).map_err(|e| AdapterError::Transient {
                message: format!("Xero: a batch element cannot be read: {e}"),
            })?;
        let page =
            decode_contacts_with_limits(&bytes, None, &self.options.limits).map_err(|e| {
                AdapterError::Transient {
                    message: e.to_string(),
                }
            })?;
        super::stored(page.records.into_iter().next())
    }
}

/// Whether an element of a `summarizeErrors=false` answer was refused
/// (`StatusAttributeString` `ERROR`, `HasValidationErrors` or
/// `HasErrors` true, or validation errors of its own). `WARNING` elements were accepted.
pub(super) fn failed(el: &Value) -> bool {
    let status_error = el
        .get("StatusAttributeString")
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("ERROR"));
    let flagged = ["HasValidationErrors", "HasErrors"]
        .iter()
        .any(|k| el.get(*k).and_then(Value::as_bool) == Some(true));
    let listed = el
        .get("ValidationErrors")
        .and_then(Value::as_array)
        .is_some_and(|v| !v.is_empty());
    status_error || flagged || listed
}

/// The error of one refused element, read by the Xero error decoder as
/// the only element of a validation exception. Messages Xero sends as
/// `Description` (some endpoints do) are read as `Message`.
pub(super) fn element_error(el: &Value) -> AdapterError {
    let mut el = el.clone();
    if let Some(errors) = el.get_mut("ValidationErrors").and_then(Value::as_array_mut) {
        for e in errors.iter_mut() {
            if let Some(obj) = e.as_object_mut()
                && !obj.contains_key("Message")
                && let Some(d) = obj.get("Description").cloned()
            {
                obj.insert("Message".into(), d);
            }
        }
    }
    let mut doc = Map::new();
    doc.insert("ErrorNumber".into(), Value::from(10));
    doc.insert("Type".into(), Value::from("ValidationException"));
    doc.insert(
        "Message".into(),
        Value::from("A validation exception occurred"),
    );
    doc.insert("Elements".into(), Value::Array(vec![el]));
    match serde_json::to_vec(&Value::Object(doc)) {
        Ok(bytes) => decode_error(400, &bytes, None),
        Err(e) => AdapterError::Validation {
            code: None,
            message: format!("Xero refused the element: {e}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_keys_depend_on_every_key_and_its_place() {
        let one = batch_idempotency_key(&["a"]);
        assert_eq!(one, batch_idempotency_key(&["a"]));
        assert_ne!(
            batch_idempotency_key(&["ab", "c"]),
            batch_idempotency_key(&["a", "bc"])
        );
        assert_ne!(
            batch_idempotency_key(&["a", "b"]),
            batch_idempotency_key(&["b", "a"])
        );
        assert_ne!(
            batch_idempotency_key(&["a"]),
            batch_idempotency_key(&["a", "a"])
        );
        let long = "k".repeat(128);
        let many: Vec<&str> = vec![long.as_str(); MAX_BATCH_CONTACTS];
        let key = batch_idempotency_key(&many);
        assert!(key.len() <= 60, "{key}");
        assert!(check_idempotency_key(&key).is_ok());
        // A fixed value: the key must not change between versions, or a
        // batch in flight across an upgrade would be created twice.
        assert_eq!(
            batch_idempotency_key(&["ledgerlink:s:r:op-1", "ledgerlink:s:r:op-2"]),
            "ledgerlink:batch:2:f764624472d42e488499c23dc3acaf40"
        );
    }

    #[test]
    fn refused_elements_are_recognised_in_every_spelling() {
        let ok = serde_json::json!({"ContactID": "x", "StatusAttributeString": "OK", "ValidationErrors": []});
        let warn =
            serde_json::json!({"StatusAttributeString": "WARNING", "Warnings": [{"Message": "w"}]});
        assert!(!failed(&ok));
        assert!(!failed(&warn));
        assert!(failed(
            &serde_json::json!({"StatusAttributeString": "ERROR"})
        ));
        assert!(failed(&serde_json::json!({"HasValidationErrors": true})));
        assert!(failed(&serde_json::json!({"HasErrors": true})));
        assert!(failed(
            &serde_json::json!({"ValidationErrors": [{"Message": "m"}]})
        ));
        let described = serde_json::json!({"StatusAttributeString": "ERROR",
            "ValidationErrors": [{"Description": "Email address must be valid."}]});
        assert_eq!(
            element_error(&described),
            AdapterError::Validation {
                code: Some("10".into()),
                message: "Email address must be valid.".into()
            }
        );
    }
}
