//! The Xero Accounting fake (`/api.xro/2.0/…`, JSON).
//!
//! # Honoured
//! - `xero-tenant-id` on every call (a missing or other tenant is a 403
//!   `AuthorizationUnsuccessful` problem answer); `Accept: application/json`
//!   gives JSON, any other `Accept` an XML rendering of the same answer.
//! - `GET Contacts`: `page` (records `pageSize` a page, default 100,
//!   largest 1000; the answer then carries `pagination`), no `page` (every
//!   record, without `ContactPersons`), `includeArchived` (archived ones
//!   are left out otherwise), `order` (`Field [ASC|DESC]`, comma-separated;
//!   default `UpdatedDateUTC ASC, ContactID ASC`), `where` (`Field=="x"`
//!   and `!=` joined by `AND`), `IDs`, `summaryOnly`, and `If-Modified-Since`
//!   (records whose `UpdatedDateUTC` is at or after that second).
//!   `GET Contacts/{ContactID or ContactNumber}`.
//! - `PUT Contacts` / `POST Contacts` (creates; one object or
//!   `{"Contacts":[…]}`): with `summarizeErrors=false` each element is
//!   answered (`StatusAttributeString` OK or ERROR, `ValidationErrors`);
//!   otherwise one bad element refuses the whole call with 400
//!   `ValidationException`, `ErrorNumber` 10, and nothing is saved. Names
//!   are required and unique among **active** contacts (compared trimmed
//!   and case-blind); an email must hold `@` and a dot.
//!   `POST Contacts/{id}` edits (fields given replace those stored;
//!   phones and addresses by type), archives (`ContactStatus: ARCHIVED`)
//!   and restores (a restored name must be free among active contacts).
//! - `Idempotency-Key` (at most 128 characters) on every write: a key seen
//!   before answers the first answer again, status and body, and writes
//!   nothing.
//! - Contacts read back with both address slots (`STREET`, `POBOX`) and
//!   the four phone slots, `UpdatedDateUTC` as `/Date(ms+0000)/` from the
//!   fake's clock, `MergedToContactID` on a contact merged away
//!   ([`XeroFake::merge_contact`]).
//! - `Invoices`: `PUT`/`POST` (creates; contact must exist; line amounts
//!   `Quantity × UnitAmount` less `DiscountRate`; `InvoiceNumber`
//!   `INV-0001…` when none is given for `ACCREC`; a `Date` on or before the
//!   organisation's `PeriodLockDate` is refused), `POST Invoices/{id}`
//!   (status changes: `AUTHORISED`, `VOIDED`, `DELETED`), `GET` with
//!   `where`, `order`, `page`, `summaryOnly`, `If-Modified-Since`.
//! - `Payments`: `PUT` (against an `AUTHORISED` invoice by `InvoiceID` or
//!   `InvoiceNumber`, at most the amount due; the invoice's `AmountPaid`,
//!   `AmountDue` and `PAID` status follow), `POST Payments/{id}` with
//!   `Status: DELETED` (reverses it), `GET` with `where`, `order`, `page`.
//! - `GET Organisation`.
//! - Answers carry Xero's envelope (`Id`, `Status`, `ProviderName`,
//!   `DateTimeUTC`) and the server adds the `Date` header. A 401 is Xero's
//!   problem body (`"Detail":"AuthenticationUnsuccessful"`); a 429 carries
//!   `Retry-After` and `X-Rate-Limit-Problem: minute`.
//!
//! # Not honoured
//! Tax rates (line tax is what the request says, else 0), currencies other
//! than the organisation's, credit notes, contact groups, `searchTerm`,
//! `ContactNumber` uniqueness, the daily and concurrent-call limits, XML
//! request bodies, and `GDPRREQUEST` contacts.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use crate::json::{at, cents, elements, money, number, same_name, text, uuid};
use crate::server::{self, Answer, Controls, FakeError, Ledger, Req, Running, Throttle, lock};
use crate::time;
use crate::webhook::WebhookDelivery;

const PREFIX: &str = "/api.xro/2.0/";
const NIL: &str = "00000000-0000-0000-0000-000000000000";
const MAX_PAGE_SIZE: usize = 1000;
const DEFAULT_PAGE_SIZE: usize = 100;
const MAX_KEY_CHARS: usize = 128;
const SUMMARY_FIELDS: &[&str] = &[
    "ContactID",
    "ContactNumber",
    "AccountNumber",
    "ContactStatus",
    "Name",
    "FirstName",
    "LastName",
    "EmailAddress",
    "IsSupplier",
    "IsCustomer",
    "DefaultCurrency",
    "UpdatedDateUTC",
    "MergedToContactID",
    "InvoiceID",
    "InvoiceNumber",
    "Type",
    "Status",
    "Contact",
    "Date",
    "DueDate",
    "Total",
    "AmountDue",
    "AmountPaid",
    "CurrencyCode",
    "Reference",
];

#[derive(Debug, Clone)]
struct Rec {
    json: Map<String, Value>,
    updated: i64,
}

/// The fake organisation's records.
#[derive(Debug)]
pub(crate) struct State {
    tenant_id: String,
    org_name: String,
    base_currency: String,
    period_lock: Option<i64>,
    contacts: Vec<Rec>,
    invoices: Vec<Rec>,
    payments: Vec<Rec>,
    keys: HashMap<String, Answer>,
    next: u64,
    next_number: u64,
}

/// A fake Xero organisation behind a local HTTP server. See the [module
/// docs](self) for what it honours.
pub struct XeroFake {
    controls: Controls,
    state: Arc<Mutex<State>>,
    _running: Running,
}

impl std::fmt::Debug for XeroFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XeroFake")
            .field("controls", &self.controls)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for XeroFake {
    type Target = Controls;
    fn deref(&self) -> &Controls {
        &self.controls
    }
}

impl XeroFake {
    /// Starts the fake on 127.0.0.1 (a free port), for one organisation
    /// with tenant id `tenant_id`; access tokens from its token endpoint
    /// last 1800 s of its clock.
    ///
    /// # Errors
    /// [`FakeError::Start`] when no port or thread could be had.
    pub fn start(tenant_id: &str) -> Result<Self, FakeError> {
        let state = Arc::new(Mutex::new(State {
            tenant_id: tenant_id.to_owned(),
            org_name: "Fake Organisation".into(),
            base_currency: "NZD".into(),
            period_lock: None,
            contacts: Vec::new(),
            invoices: Vec::new(),
            payments: Vec::new(),
            keys: HashMap::new(),
            next: 0,
            next_number: 0,
        }));
        let (controls, running) =
            server::start(state.clone(), "xero", 1800, server::XERO_TOKEN_PATH)?;
        Ok(Self {
            controls,
            state,
            _running: running,
        })
    }

    /// `http://127.0.0.1:<port>/api.xro/2.0`: the base the request paths
    /// (`Contacts`, …) go under.
    #[must_use]
    pub fn api_base(&self) -> String {
        format!("{}/api.xro/2.0", self.base_url())
    }

    /// The tenant id the fake expects in `xero-tenant-id`.
    #[must_use]
    pub fn tenant_id(&self) -> String {
        lock(&self.state).tenant_id.clone()
    }

    /// Sets the organisation's name, base currency and period lock date
    /// (`YYYY-MM-DD`).
    pub fn set_organisation(&self, name: &str, base_currency: &str, period_lock: Option<&str>) {
        let mut s = lock(&self.state);
        s.org_name = name.to_owned();
        s.base_currency = base_currency.to_owned();
        s.period_lock = period_lock.and_then(time::parse_iso);
    }

    /// Inserts a contact as if made in Xero's web app (no name check), and
    /// returns its `ContactID`. `contact` holds Xero's fields (`Name`,
    /// `EmailAddress`, `ContactStatus`, …).
    pub fn insert_contact(&self, contact: Value) -> String {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        let mut el = contact.as_object().cloned().unwrap_or_default();
        let id = s.new_id(0xc0);
        el.insert("ContactID".into(), Value::String(id.clone()));
        if !el.contains_key("ContactStatus") {
            el.insert("ContactStatus".into(), json!("ACTIVE"));
        }
        s.contacts.push(Rec {
            json: with_slots(el),
            updated: now,
        });
        id
    }

    /// Changes fields of contact `id` as if edited in the web app (no name
    /// check); `UpdatedDateUTC` moves to the fake's clock. False when no
    /// such contact.
    pub fn edit_contact(&self, id: &str, fields: Value) -> bool {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        let Some(rec) = s.contacts.iter_mut().find(|r| is(r, "ContactID", id)) else {
            return false;
        };
        if let Some(f) = fields.as_object() {
            merge_contact_fields(&mut rec.json, f);
        }
        rec.updated = now;
        true
    }

    /// Archives contact `id`. False when no such contact.
    pub fn archive_contact(&self, id: &str) -> bool {
        self.edit_contact(id, json!({"ContactStatus": "ARCHIVED"}))
    }

    /// Merges contact `from` into `into` as Xero's web app does: `from` is
    /// archived with `MergedToContactID`, and its invoices move to `into`.
    /// False when either is unknown.
    pub fn merge_contact(&self, from: &str, into: &str) -> bool {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        if !s.contacts.iter().any(|r| is(r, "ContactID", into)) {
            return false;
        }
        let Some(rec) = s.contacts.iter_mut().find(|r| is(r, "ContactID", from)) else {
            return false;
        };
        rec.json.insert("ContactStatus".into(), json!("ARCHIVED"));
        rec.json.insert("MergedToContactID".into(), json!(into));
        rec.updated = now;
        for inv in &mut s.invoices {
            if text(at(&inv.json, "Contact.ContactID")).as_deref() == Some(from) {
                inv.json
                    .insert("Contact".into(), json!({"ContactID": into}));
                inv.updated = now;
            }
        }
        true
    }

    /// Contact `id` as a GET would answer it.
    #[must_use]
    pub fn contact(&self, id: &str) -> Option<Value> {
        let s = lock(&self.state);
        s.contacts
            .iter()
            .find(|r| is(r, "ContactID", id))
            .map(|r| Value::Object(shown(r)))
    }

    /// Every contact, archived ones included, in the order made.
    #[must_use]
    pub fn contacts(&self) -> Vec<Value> {
        let s = lock(&self.state);
        s.contacts.iter().map(|r| Value::Object(shown(r))).collect()
    }

    /// Every invoice, in the order made.
    #[must_use]
    pub fn invoices(&self) -> Vec<Value> {
        let s = lock(&self.state);
        s.invoices.iter().map(|r| Value::Object(shown(r))).collect()
    }

    /// Every payment, in the order made.
    #[must_use]
    pub fn payments(&self) -> Vec<Value> {
        let s = lock(&self.state);
        s.payments.iter().map(|r| Value::Object(shown(r))).collect()
    }

    /// A signed webhook delivery of `events` (`(eventCategory, eventType,
    /// resourceId)`, e.g. `("CONTACT", "UPDATE", id)`) for this tenant,
    /// signed with the app's webhook `key` in `x-xero-signature`. No
    /// events: Xero's "intent to receive" check.
    #[must_use]
    pub fn webhook(&self, key: &[u8], events: &[(&str, &str, &str)]) -> WebhookDelivery {
        let now = self.now_ms();
        let tenant = self.tenant_id();
        let list: Vec<Value> = events
            .iter()
            .map(|(category, kind, id)| {
                let resource = match *category {
                    "INVOICE" => "Invoices",
                    _ => "Contacts",
                };
                json!({
                    "resourceUrl": format!("https://api.xero.com/api.xro/2.0/{resource}/{id}"),
                    "resourceId": id,
                    "eventDateUtc": time::naive(now) + ".000",
                    "eventType": kind,
                    "eventCategory": category,
                    "tenantId": tenant,
                    "tenantType": "ORGANISATION",
                })
            })
            .collect();
        let n = list.len() as u64;
        let body = json!({
            "events": list,
            "firstEventSequence": if n == 0 { 0 } else { 1 },
            "lastEventSequence": n,
            "entropy": format!("FAKE{now:X}"),
        });
        WebhookDelivery::signed("x-xero-signature", key, body.to_string().into_bytes())
    }
}

fn is(r: &Rec, key: &str, id: &str) -> bool {
    r.json.get(key).and_then(Value::as_str) == Some(id)
}

fn status_of(r: &Rec) -> &str {
    r.json
        .get("ContactStatus")
        .and_then(Value::as_str)
        .unwrap_or("ACTIVE")
}

/// A record as answered: the stored fields and `UpdatedDateUTC`.
fn shown(r: &Rec) -> Map<String, Value> {
    let mut m = r.json.clone();
    m.insert("UpdatedDateUTC".into(), json!(time::ms_json(r.updated)));
    m
}

/// Adds the address and phone slots Xero always answers, keeping those given.
fn with_slots(mut el: Map<String, Value>) -> Map<String, Value> {
    let mut addresses = Vec::new();
    let given_addresses = el
        .get("Addresses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for kind in ["STREET", "POBOX"] {
        let found = given_addresses
            .iter()
            .find(|a| a.get("AddressType").and_then(Value::as_str) == Some(kind))
            .cloned();
        addresses.push(found.unwrap_or_else(|| {
            json!({"AddressType": kind, "City": "", "Region": "", "PostalCode": "", "Country": ""})
        }));
    }
    el.insert("Addresses".into(), Value::Array(addresses));
    let given_phones = el
        .get("Phones")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut phones = Vec::new();
    for kind in ["DEFAULT", "DDI", "MOBILE", "FAX"] {
        let found = given_phones
            .iter()
            .find(|a| a.get("PhoneType").and_then(Value::as_str) == Some(kind))
            .cloned();
        phones.push(found.unwrap_or_else(|| {
            json!({"PhoneType": kind, "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""})
        }));
    }
    el.insert("Phones".into(), Value::Array(phones));
    for (k, v) in [
        ("IsSupplier", json!(false)),
        ("IsCustomer", json!(false)),
        ("ContactPersons", json!([])),
        ("ContactGroups", json!([])),
        ("HasValidationErrors", json!(false)),
    ] {
        el.entry(k).or_insert(v);
    }
    el
}

/// Writes `patch` over a stored contact: plain fields replace, phones and
/// addresses replace the slot of their type; read-only fields are skipped.
fn merge_contact_fields(stored: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (k, v) in patch {
        match k.as_str() {
            "ContactID"
            | "UpdatedDateUTC"
            | "IsCustomer"
            | "IsSupplier"
            | "HasValidationErrors"
            | "ValidationErrors" => {}
            "Addresses" | "Phones" => {
                let type_key = if k == "Phones" {
                    "PhoneType"
                } else {
                    "AddressType"
                };
                let mut slots = stored
                    .get(k)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for item in v.as_array().into_iter().flatten() {
                    let kind = item.get(type_key).cloned();
                    match slots.iter_mut().find(|s| s.get(type_key) == kind.as_ref()) {
                        Some(slot) => *slot = item.clone(),
                        None => slots.push(item.clone()),
                    }
                }
                stored.insert(k.clone(), Value::Array(slots));
            }
            _ => {
                stored.insert(k.clone(), v.clone());
            }
        }
    }
}

fn email_ok(e: &str) -> bool {
    e.is_empty()
        || e.split_once('@')
            .is_some_and(|(a, d)| !a.is_empty() && d.contains('.'))
}

fn duplicate_message(name: &str) -> String {
    format!(
        "The contact name {} is already assigned to another contact. The contact name must be unique across all active contacts.",
        name.trim()
    )
}

/// A refused element as Xero answers it.
fn refused(el: &Map<String, Value>, id_key: &str, errors: &[String]) -> Value {
    let mut m = el.clone();
    m.insert(id_key.into(), json!(NIL));
    m.insert("HasValidationErrors".into(), json!(true));
    m.insert("StatusAttributeString".into(), json!("ERROR"));
    m.insert(
        "ValidationErrors".into(),
        Value::Array(errors.iter().map(|e| json!({"Message": e})).collect()),
    );
    Value::Object(m)
}

/// An element that a write stored, as answered.
fn written(rec: &Rec) -> Value {
    let mut m = shown(rec);
    m.insert("StatusAttributeString".into(), json!("OK"));
    Value::Object(m)
}

fn problem(status: u16, title: &str, detail: &str, instance: String) -> Answer {
    Answer::json(
        status,
        &json!({"Type": null, "Title": title, "Status": status, "Detail": detail,
                "Instance": instance, "Extensions": {}}),
    )
}

fn validation_exception(elements: Vec<Value>) -> Answer {
    Answer::json(
        400,
        &json!({"ErrorNumber": 10, "Type": "ValidationException",
                "Message": "A validation exception occurred", "Elements": elements}),
    )
}

fn bad_request(number: u32, kind: &str, message: &str) -> Answer {
    Answer::json(
        400,
        &json!({"ErrorNumber": number, "Type": kind, "Message": message}),
    )
}

fn not_found() -> Answer {
    Answer::json(
        404,
        &json!({"type": "https://tools.ietf.org/html/rfc7231#section-6.5.4",
                "title": "Not Found", "status": 404}),
    )
}

/// One condition of a `where` filter.
struct Cond {
    field: String,
    value: String,
    equal: bool,
}

fn parse_where(text: &str) -> Result<Vec<Cond>, String> {
    let mut out = Vec::new();
    let normalised = text.replace("&&", " AND ").replace(" and ", " AND ");
    for part in normalised
        .split(" AND ")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (field, value, equal) = if let Some((f, v)) = part.split_once("!=") {
            (f, v, false)
        } else if let Some((f, v)) = part.split_once("==") {
            (f, v, true)
        } else {
            return Err(format!(
                "the fake reads only == and != conditions, not `{part}`"
            ));
        };
        let v = value.trim();
        let v = v
            .strip_prefix("Guid(")
            .and_then(|g| g.strip_suffix(')'))
            .unwrap_or(v)
            .trim_matches('"');
        out.push(Cond {
            field: field.trim().to_owned(),
            value: v.to_owned(),
            equal,
        });
    }
    Ok(out)
}

fn matches(m: &Map<String, Value>, conds: &[Cond]) -> bool {
    conds.iter().all(|c| {
        let v = text(at(m, &c.field)).unwrap_or_default();
        v.eq_ignore_ascii_case(&c.value) == c.equal
    })
}

/// Sorts by `order` (`Field [ASC|DESC], …`), `UpdatedDateUTC` by the time.
/// A sort key of one field: the time, a number, or text.
#[derive(Debug, PartialEq, PartialOrd)]
enum Key {
    Time(i64),
    Number(f64),
    Text(String),
}

fn key_of(r: &Rec, field: &str) -> Key {
    if field == "UpdatedDateUTC" {
        return Key::Time(r.updated);
    }
    match at(&r.json, field) {
        Some(Value::Number(n)) => Key::Number(n.as_f64().unwrap_or(0.0)),
        other => Key::Text(text(other).unwrap_or_default()),
    }
}

/// Sorts by `order` (`Field [ASC|DESC], …`), `UpdatedDateUTC` by the
/// time; each record's keys are computed once.
fn sort(recs: &mut Vec<&Rec>, order: &str) {
    let fields: Vec<(String, bool)> = order
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            let mut it = k.split_whitespace();
            let field = it.next().unwrap_or_default().to_owned();
            let desc = it.next().is_some_and(|d| d.eq_ignore_ascii_case("DESC"));
            (field, desc)
        })
        .collect();
    let mut keyed: Vec<(Vec<Key>, &Rec)> = recs
        .iter()
        .map(|r| (fields.iter().map(|(f, _)| key_of(r, f)).collect(), *r))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        for (i, (_, desc)) in fields.iter().enumerate() {
            let o = a[i].partial_cmp(&b[i]).unwrap_or(Ordering::Equal);
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    *recs = keyed.into_iter().map(|(_, r)| r).collect();
}

impl State {
    fn new_id(&mut self, kind: u32) -> String {
        self.next += 1;
        uuid(kind, self.next)
    }

    fn envelope(&self, now: i64, key: &str, items: Vec<Value>) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("Id".into(), json!(uuid(0xe1, now as u64)));
        m.insert("Status".into(), json!("OK"));
        m.insert("ProviderName".into(), json!("ledgerlink fakes"));
        m.insert("DateTimeUTC".into(), json!(format!("/Date({now})/")));
        m.insert(key.into(), Value::Array(items));
        m
    }

    fn list(
        &self,
        req: &Req,
        now: i64,
        recs: &[Rec],
        key: &str,
        default_order: &str,
        archived_key: Option<&str>,
    ) -> Answer {
        let conds = match req.query("where").map(parse_where).transpose() {
            Ok(c) => c.unwrap_or_default(),
            Err(m) => return bad_request(16, "QueryParseException", &m),
        };
        let since = req
            .header("if-modified-since")
            .and_then(time::parse_http_date);
        let include_archived = req
            .query("includeArchived")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let ids: Option<Vec<String>> = req
            .query("IDs")
            .map(|v| v.split(',').map(|s| s.trim().to_lowercase()).collect());
        let mut picked: Vec<&Rec> = recs
            .iter()
            .filter(|r| since.is_none_or(|s| r.updated >= s))
            .filter(|r| {
                archived_key.is_none_or(|k| {
                    include_archived || r.json.get(k).and_then(Value::as_str) != Some("ARCHIVED")
                })
            })
            .filter(|r| matches(&r.json, &conds))
            .filter(|r| {
                ids.as_ref().is_none_or(|ids| {
                    recs_id(r).is_some_and(|rid| ids.contains(&rid.to_lowercase()))
                })
            })
            .collect();
        sort(&mut picked, req.query("order").unwrap_or(default_order));
        let summary = req
            .query("summaryOnly")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let page: Option<usize> = req.query("page").and_then(|p| p.parse().ok());
        let item_count = picked.len();
        let mut pagination = None;
        if let Some(page) = page {
            let page = page.max(1);
            let size = req
                .query("pageSize")
                .and_then(|p| p.parse::<usize>().ok())
                .unwrap_or(DEFAULT_PAGE_SIZE)
                .clamp(1, MAX_PAGE_SIZE);
            picked = picked
                .into_iter()
                .skip((page - 1).saturating_mul(size))
                .take(size)
                .collect();
            pagination = Some(json!({"page": page, "pageSize": size,
                "pageCount": item_count.div_ceil(size), "itemCount": item_count}));
        }
        let items = picked
            .iter()
            .map(|r| {
                let mut m = shown(r);
                if summary {
                    m.retain(|k, _| SUMMARY_FIELDS.contains(&k.as_str()));
                } else if page.is_none() && key == "Contacts" {
                    m.remove("ContactPersons");
                }
                Value::Object(m)
            })
            .collect();
        let mut env = self.envelope(now, key, items);
        if let Some(p) = pagination {
            env.insert("pagination".into(), p);
        }
        Answer::json(200, &Value::Object(env))
    }

    fn write_contacts(&mut self, req: &Req, now: i64, target: Option<&str>) -> Answer {
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return bad_request(
                14,
                "PostDataInvalidException",
                "The request body is not valid JSON.",
            );
        };
        let Some(els) = elements(&body, "Contacts") else {
            return bad_request(
                14,
                "PostDataInvalidException",
                "`Contacts` must be an array of objects.",
            );
        };
        let per_element = req
            .query("summarizeErrors")
            .is_some_and(|v| v.eq_ignore_ascii_case("false"));
        // Checks every element first against the stored contacts and the
        // elements before it; writes only if all pass or errors are per element.
        let mut staged: Vec<Result<Rec, Value>> = Vec::new();
        let mut scratch = self.contacts.clone();
        for el in &els {
            let id = target
                .map(str::to_owned)
                .or_else(|| {
                    el.get("ContactID")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .filter(|i| i != NIL);
            let existing = id.as_deref().and_then(|i| {
                scratch
                    .iter()
                    .position(|r| is(r, "ContactID", i) || is(r, "ContactNumber", i))
            });
            if id.is_some() && existing.is_none() {
                if target.is_some() {
                    return not_found();
                }
                staged.push(Err(refused(
                    el,
                    "ContactID",
                    &["The contact could not be found.".into()],
                )));
                continue;
            }
            match existing {
                Some(i) => {
                    let mut merged = scratch[i].json.clone();
                    merge_contact_fields(&mut merged, el);
                    let cid = text(merged.get("ContactID")).unwrap_or_default();
                    let changes_name_or_status =
                        el.contains_key("Name") || el.contains_key("ContactStatus");
                    let errors = if changes_name_or_status {
                        contact_errors(&scratch, &merged, Some(&cid))
                    } else {
                        contact_errors(&scratch, el, Some(&cid))
                    };
                    if errors.is_empty() {
                        scratch[i] = Rec {
                            json: merged,
                            updated: now,
                        };
                        staged.push(Ok(scratch[i].clone()));
                    } else {
                        staged.push(Err(refused(el, "ContactID", &errors)));
                    }
                }
                None => {
                    let errors = contact_errors(&scratch, el, None);
                    if errors.is_empty() {
                        let mut stored = el.clone();
                        let cid = self.new_id(0xc0);
                        stored.insert("ContactID".into(), json!(cid));
                        stored.entry("ContactStatus").or_insert(json!("ACTIVE"));
                        stored.remove("IsCustomer");
                        stored.remove("IsSupplier");
                        let rec = Rec {
                            json: with_slots(stored),
                            updated: now,
                        };
                        scratch.push(rec.clone());
                        staged.push(Ok(rec));
                    } else {
                        staged.push(Err(refused(el, "ContactID", &errors)));
                    }
                }
            }
        }
        let failed: Vec<Value> = staged
            .iter()
            .filter_map(|s| s.as_ref().err().cloned())
            .collect();
        if !per_element && !failed.is_empty() {
            return validation_exception(failed);
        }
        self.contacts = scratch;
        let items = staged
            .iter()
            .map(|s| match s {
                Ok(rec) => written(rec),
                Err(v) => v.clone(),
            })
            .collect();
        Answer::json(200, &Value::Object(self.envelope(now, "Contacts", items)))
    }

    fn create_invoice(&mut self, el: &Map<String, Value>, now: i64) -> Result<Rec, Vec<String>> {
        let mut errors = Vec::new();
        let kind = el.get("Type").and_then(Value::as_str).unwrap_or("");
        if !["ACCREC", "ACCPAY"].contains(&kind) {
            errors.push("Invoice Type must be ACCREC or ACCPAY.".into());
        }
        let contact_id = text(el.get("Contact").and_then(|c| c.get("ContactID")));
        let contact_name = contact_id
            .as_deref()
            .and_then(|id| self.contacts.iter().find(|r| is(r, "ContactID", id)))
            .map(|c| c.json.get("Name").cloned().unwrap_or(Value::Null));
        if contact_name.is_none() {
            errors.push("The contact for this document could not be found.".into());
        }
        let date_ms = el
            .get("Date")
            .and_then(Value::as_str)
            .and_then(time::parse_iso)
            .unwrap_or(now);
        if let Some(lock_ms) = self.period_lock
            && date_ms <= lock_ms
        {
            errors.push("The document date cannot be on or before the period lock date.".into());
        }
        let inclusive = el
            .get("LineAmountTypes")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("Inclusive"));
        let mut lines = Vec::new();
        let (mut sum, mut tax) = (0.0, 0.0);
        for (i, line) in el
            .get("LineItems")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let description = line
                .get("Description")
                .and_then(Value::as_str)
                .unwrap_or("");
            if description.trim().is_empty() && line.get("ItemCode").is_none() {
                errors.push(format!("Line item {} needs a Description.", i + 1));
            }
            let qty = number(line.get("Quantity")).unwrap_or(1.0);
            let unit = number(line.get("UnitAmount")).unwrap_or(0.0);
            let discount = number(line.get("DiscountRate")).unwrap_or(0.0);
            let amount = cents(qty * unit * (1.0 - discount / 100.0));
            let line_tax = number(line.get("TaxAmount")).unwrap_or(0.0);
            sum += amount;
            tax += line_tax;
            let mut l = line.as_object().cloned().unwrap_or_default();
            l.insert(
                "LineItemID".into(),
                json!(uuid(0x11, (self.next + 1) * 100 + i as u64)),
            );
            l.insert("Quantity".into(), json!(qty));
            l.insert("UnitAmount".into(), json!(unit));
            l.insert("LineAmount".into(), money(amount));
            l.insert("TaxAmount".into(), money(line_tax));
            lines.push(Value::Object(l));
        }
        if lines.is_empty() {
            errors.push("An invoice needs at least one line item.".into());
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let (sub, total) = if inclusive {
            (sum - tax, sum)
        } else {
            (sum, sum + tax)
        };
        let id = self.new_id(0x1e);
        let number_text = match el.get("InvoiceNumber").and_then(Value::as_str) {
            Some(n) if !n.is_empty() => n.to_owned(),
            _ if kind == "ACCREC" => {
                self.next_number += 1;
                format!("INV-{:04}", self.next_number)
            }
            _ => String::new(),
        };
        let mut m = el.clone();
        let contact_name = contact_name.unwrap_or(Value::Null);
        m.insert("InvoiceID".into(), json!(id));
        m.insert("InvoiceNumber".into(), json!(number_text));
        m.insert(
            "Contact".into(),
            json!({"ContactID": contact_id, "Name": contact_name}),
        );
        m.insert(
            "Status".into(),
            json!(el.get("Status").and_then(Value::as_str).unwrap_or("DRAFT")),
        );
        m.insert(
            "LineAmountTypes".into(),
            json!(if inclusive {
                "Inclusive"
            } else {
                el.get("LineAmountTypes")
                    .and_then(Value::as_str)
                    .unwrap_or("Exclusive")
            }),
        );
        m.insert("LineItems".into(), Value::Array(lines));
        m.insert("SubTotal".into(), money(sub));
        m.insert("TotalTax".into(), money(tax));
        m.insert("Total".into(), money(total));
        m.insert("AmountDue".into(), money(total));
        m.insert("AmountPaid".into(), json!(0.0));
        m.insert("AmountCredited".into(), json!(0.0));
        m.insert(
            "CurrencyCode".into(),
            json!(
                el.get("CurrencyCode")
                    .and_then(Value::as_str)
                    .unwrap_or(&self.base_currency)
            ),
        );
        m.insert("Payments".into(), json!([]));
        m.insert("Date".into(), json!(time::ms_json(date_ms)));
        m.insert(
            "DateString".into(),
            json!(format!("{}T00:00:00", time::date(date_ms))),
        );
        if let Some(due) = el
            .get("DueDate")
            .and_then(Value::as_str)
            .and_then(time::parse_iso)
        {
            m.insert("DueDate".into(), json!(time::ms_json(due)));
            m.insert(
                "DueDateString".into(),
                json!(format!("{}T00:00:00", time::date(due))),
            );
        }
        m.insert("HasErrors".into(), json!(false));
        Ok(Rec {
            json: m,
            updated: now,
        })
    }

    fn create_payment(&mut self, el: &Map<String, Value>, now: i64) -> Result<Rec, Vec<String>> {
        let inv_id = text(el.get("Invoice").and_then(|i| i.get("InvoiceID")));
        let inv_no = text(el.get("Invoice").and_then(|i| i.get("InvoiceNumber")));
        let Some(index) = self.invoices.iter().position(|r| {
            inv_id.as_deref().is_some_and(|i| is(r, "InvoiceID", i))
                || inv_no.as_deref().is_some_and(|n| is(r, "InvoiceNumber", n))
        }) else {
            return Err(vec![
                "The invoice for this payment could not be found.".into(),
            ]);
        };
        let mut errors = Vec::new();
        let amount = number(el.get("Amount")).unwrap_or(0.0);
        let (status, due) = {
            let inv = &self.invoices[index].json;
            (
                inv.get("Status")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                number(inv.get("AmountDue")).unwrap_or(0.0),
            )
        };
        if status != "AUTHORISED" {
            errors.push("Payment can only be made against Authorised documents.".into());
        }
        if amount <= 0.0 {
            errors.push("Payment amount must be greater than zero.".into());
        } else if amount > due + 0.005 {
            errors.push("Payment amount exceeds the amount outstanding on this document.".into());
        }
        if el.get("Account").is_none() {
            errors.push("An account must be given for the payment.".into());
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let id = self.new_id(0xa1);
        let date_ms = el
            .get("Date")
            .and_then(Value::as_str)
            .and_then(time::parse_iso)
            .unwrap_or(now);
        let inv = &mut self.invoices[index];
        let paid = number(inv.json.get("AmountPaid")).unwrap_or(0.0) + amount;
        let left = cents(due - amount);
        inv.json.insert("AmountPaid".into(), money(paid));
        inv.json.insert("AmountDue".into(), money(left));
        if left <= 0.0 {
            inv.json.insert("Status".into(), json!("PAID"));
            inv.json
                .insert("FullyPaidOnDate".into(), json!(time::ms_json(date_ms)));
        }
        if let Some(Value::Array(p)) = inv.json.get_mut("Payments") {
            p.push(
                json!({"PaymentID": id, "Date": time::ms_json(date_ms), "Amount": money(amount)}),
            );
        }
        inv.updated = now;
        let kind = if inv.json.get("Type").and_then(Value::as_str) == Some("ACCPAY") {
            "ACCPAYPAYMENT"
        } else {
            "ACCRECPAYMENT"
        };
        let mut m = Map::new();
        m.insert("PaymentID".into(), json!(id));
        m.insert("Date".into(), json!(time::ms_json(date_ms)));
        m.insert("Amount".into(), money(amount));
        m.insert("BankAmount".into(), money(amount));
        m.insert("CurrencyRate".into(), json!(1.0));
        m.insert(
            "Reference".into(),
            el.get("Reference").cloned().unwrap_or(json!("")),
        );
        m.insert("IsReconciled".into(), json!(false));
        m.insert("Status".into(), json!("AUTHORISED"));
        m.insert("PaymentType".into(), json!(kind));
        m.insert(
            "Account".into(),
            el.get("Account").cloned().unwrap_or(Value::Null),
        );
        m.insert(
            "Invoice".into(),
            json!({
                "InvoiceID": inv.json.get("InvoiceID"),
                "InvoiceNumber": inv.json.get("InvoiceNumber"),
                "Type": inv.json.get("Type"),
                "Contact": inv.json.get("Contact"),
            }),
        );
        m.insert("HasAccount".into(), json!(true));
        m.insert("HasValidationErrors".into(), json!(false));
        Ok(Rec {
            json: m,
            updated: now,
        })
    }

    /// PUT/POST of invoices or payments (all-or-nothing unless
    /// `summarizeErrors=false`).
    fn write_billing(&mut self, req: &Req, now: i64, key: &str) -> Answer {
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return bad_request(
                14,
                "PostDataInvalidException",
                "The request body is not valid JSON.",
            );
        };
        let Some(els) = elements(&body, key) else {
            return bad_request(
                14,
                "PostDataInvalidException",
                "The elements must be an array of objects.",
            );
        };
        let per_element = req
            .query("summarizeErrors")
            .is_some_and(|v| v.eq_ignore_ascii_case("false"));
        let snapshot = (
            self.invoices.clone(),
            self.payments.clone(),
            self.next,
            self.next_number,
        );
        let id_key = if key == "Invoices" {
            "InvoiceID"
        } else {
            "PaymentID"
        };
        let mut items = Vec::new();
        let mut failed = Vec::new();
        for el in &els {
            let made = if key == "Invoices" {
                self.create_invoice(el, now)
            } else {
                self.create_payment(el, now)
            };
            match made {
                Ok(rec) => {
                    items.push(written(&rec));
                    if key == "Invoices" {
                        self.invoices.push(rec);
                    } else {
                        self.payments.push(rec);
                    }
                }
                Err(errors) => {
                    let r = refused(el, id_key, &errors);
                    failed.push(r.clone());
                    items.push(r);
                }
            }
        }
        if !per_element && !failed.is_empty() {
            (self.invoices, self.payments, self.next, self.next_number) = snapshot;
            return validation_exception(failed);
        }
        Answer::json(200, &Value::Object(self.envelope(now, key, items)))
    }

    fn route(&mut self, req: &Req, now: i64) -> Answer {
        let Some(rest) = req.path.strip_prefix(PREFIX) else {
            return not_found();
        };
        if req.header("xero-tenant-id") != Some(self.tenant_id.as_str()) {
            return problem(
                403,
                "Forbidden",
                "AuthorizationUnsuccessful",
                uuid(0xf0, now as u64),
            );
        }
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let resource = segments
            .first()
            .map(|s| s.to_ascii_lowercase())
            .unwrap_or_default();
        let id = segments.get(1).copied();
        let write = req.method == "PUT" || req.method == "POST";
        if write && let Some(key) = req.header("idempotency-key") {
            if key.chars().count() > MAX_KEY_CHARS {
                return bad_request(
                    10,
                    "ValidationException",
                    "Idempotency-Key must be at most 128 characters.",
                );
            }
            let scoped = format!("{} {} {key}", req.method, req.path);
            if let Some(first) = self.keys.get(&scoped) {
                return first.clone();
            }
            let answer = self.route_inner(req, now, &resource, id);
            self.keys.insert(scoped, answer.clone());
            return answer;
        }
        self.route_inner(req, now, &resource, id)
    }

    fn route_inner(&mut self, req: &Req, now: i64, resource: &str, id: Option<&str>) -> Answer {
        match (req.method.as_str(), resource, id) {
            ("GET", "contacts", None) => self.list(
                req,
                now,
                &self.contacts,
                "Contacts",
                "UpdatedDateUTC ASC, ContactID ASC",
                Some("ContactStatus"),
            ),
            ("GET", "contacts", Some(id)) => match self
                .contacts
                .iter()
                .find(|r| is(r, "ContactID", id) || is(r, "ContactNumber", id))
            {
                Some(r) => Answer::json(
                    200,
                    &Value::Object(self.envelope(now, "Contacts", vec![Value::Object(shown(r))])),
                ),
                None => not_found(),
            },
            ("PUT" | "POST", "contacts", None) => self.write_contacts(req, now, None),
            ("POST", "contacts", Some(id)) => self.write_contacts(req, now, Some(id)),
            ("GET", "invoices", None) => self.list(
                req,
                now,
                &self.invoices,
                "Invoices",
                "UpdatedDateUTC ASC, InvoiceID ASC",
                None,
            ),
            ("GET", "invoices", Some(id)) => match self
                .invoices
                .iter()
                .find(|r| is(r, "InvoiceID", id) || is(r, "InvoiceNumber", id))
            {
                Some(r) => Answer::json(
                    200,
                    &Value::Object(self.envelope(now, "Invoices", vec![Value::Object(shown(r))])),
                ),
                None => not_found(),
            },
            ("PUT" | "POST", "invoices", None) => self.write_billing(req, now, "Invoices"),
            ("POST", "invoices", Some(id)) => self.invoice_status(req, now, id),
            ("GET", "payments", None) => self.list(
                req,
                now,
                &self.payments,
                "Payments",
                "UpdatedDateUTC ASC, PaymentID ASC",
                None,
            ),
            ("GET", "payments", Some(id)) => match self
                .payments
                .iter()
                .find(|r| is(r, "PaymentID", id))
            {
                Some(r) => Answer::json(
                    200,
                    &Value::Object(self.envelope(now, "Payments", vec![Value::Object(shown(r))])),
                ),
                None => not_found(),
            },
            ("PUT", "payments", None) => self.write_billing(req, now, "Payments"),
            ("POST", "payments", Some(id)) => self.delete_payment(req, now, id),
            ("GET", "organisation", None) => {
                let org = json!({
                    "OrganisationID": uuid(0x0a, 1),
                    "Name": self.org_name,
                    "LegalName": self.org_name,
                    "BaseCurrency": self.base_currency,
                    "OrganisationStatus": "ACTIVE",
                    "PeriodLockDate": self.period_lock.map(time::ms_json),
                });
                Answer::json(
                    200,
                    &Value::Object(self.envelope(now, "Organisations", vec![org])),
                )
            }
            _ => not_found(),
        }
    }

    fn invoice_status(&mut self, req: &Req, now: i64, id: &str) -> Answer {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let el = elements(&body, "Invoices")
            .and_then(|e| e.into_iter().next())
            .unwrap_or_default();
        let Some(index) = self.invoices.iter().position(|r| is(r, "InvoiceID", id)) else {
            return not_found();
        };
        let inv = &mut self.invoices[index];
        let current = inv
            .json
            .get("Status")
            .and_then(Value::as_str)
            .unwrap_or("DRAFT")
            .to_owned();
        if let Some(status) = el.get("Status").and_then(Value::as_str) {
            let paid = number(inv.json.get("AmountPaid")).unwrap_or(0.0) > 0.0;
            let allowed = match status {
                "AUTHORISED" | "SUBMITTED" => {
                    current == "DRAFT" || current == "SUBMITTED" || current == status
                }
                "DELETED" => current == "DRAFT" || current == "SUBMITTED",
                "VOIDED" => current == "AUTHORISED" && !paid,
                _ => false,
            };
            if !allowed {
                return validation_exception(vec![refused(
                    &el,
                    "InvoiceID",
                    &[format!(
                        "An invoice in status {current} cannot become {status}."
                    )],
                )]);
            }
            inv.json.insert("Status".into(), json!(status));
            if status == "VOIDED" || status == "DELETED" {
                inv.json.insert("AmountDue".into(), json!(0.0));
            }
        }
        for field in ["Reference", "DueDate"] {
            if let Some(v) = el.get(field) {
                inv.json.insert(field.into(), v.clone());
            }
        }
        inv.updated = now;
        let out = written(inv);
        Answer::json(
            200,
            &Value::Object(self.envelope(now, "Invoices", vec![out])),
        )
    }

    fn delete_payment(&mut self, req: &Req, now: i64, id: &str) -> Answer {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let el = elements(&body, "Payments")
            .and_then(|e| e.into_iter().next())
            .unwrap_or_default();
        let Some(index) = self.payments.iter().position(|r| is(r, "PaymentID", id)) else {
            return not_found();
        };
        if el.get("Status").and_then(Value::as_str) != Some("DELETED") {
            return validation_exception(vec![refused(
                &el,
                "PaymentID",
                &["A payment can only be deleted (Status DELETED).".into()],
            )]);
        }
        if self.payments[index]
            .json
            .get("Status")
            .and_then(Value::as_str)
            == Some("DELETED")
        {
            let out = written(&self.payments[index]);
            return Answer::json(
                200,
                &Value::Object(self.envelope(now, "Payments", vec![out])),
            );
        }
        let amount = number(self.payments[index].json.get("Amount")).unwrap_or(0.0);
        let inv_id = text(at(&self.payments[index].json, "Invoice.InvoiceID")).unwrap_or_default();
        if let Some(inv) = self
            .invoices
            .iter_mut()
            .find(|r| is(r, "InvoiceID", &inv_id))
        {
            let paid = number(inv.json.get("AmountPaid")).unwrap_or(0.0) - amount;
            let due = number(inv.json.get("AmountDue")).unwrap_or(0.0) + amount;
            inv.json.insert("AmountPaid".into(), money(paid));
            inv.json.insert("AmountDue".into(), money(due));
            inv.json.insert("Status".into(), json!("AUTHORISED"));
            inv.json.remove("FullyPaidOnDate");
            if let Some(Value::Array(p)) = inv.json.get_mut("Payments") {
                p.retain(|x| x.get("PaymentID").and_then(Value::as_str) != Some(id));
            }
            inv.updated = now;
        }
        let p = &mut self.payments[index];
        p.json.insert("Status".into(), json!("DELETED"));
        p.updated = now;
        let out = written(p);
        Answer::json(
            200,
            &Value::Object(self.envelope(now, "Payments", vec![out])),
        )
    }
}

fn name_taken(contacts: &[Rec], name: &str, except: Option<&str>) -> bool {
    contacts.iter().any(|r| {
        status_of(r) == "ACTIVE"
            && except.is_none_or(|e| !is(r, "ContactID", e))
            && r.json
                .get("Name")
                .and_then(Value::as_str)
                .is_some_and(|n| same_name(n, name))
    })
}

fn contact_errors(contacts: &[Rec], el: &Map<String, Value>, except: Option<&str>) -> Vec<String> {
    let mut errors = Vec::new();
    let name = el.get("Name").and_then(Value::as_str);
    match name {
        Some(n) if n.trim().is_empty() => errors.push("The contact name must not be empty.".into()),
        Some(n) if n.chars().count() > 255 => {
            errors.push("The contact name must be at most 255 characters long.".into());
        }
        Some(n) => {
            let active = el
                .get("ContactStatus")
                .and_then(Value::as_str)
                .unwrap_or("ACTIVE")
                == "ACTIVE";
            if active && name_taken(contacts, n, except) {
                errors.push(duplicate_message(n));
            }
        }
        None if except.is_none() => errors.push("The contact name must be specified.".into()),
        None => {}
    }
    if !email_ok(el.get("EmailAddress").and_then(Value::as_str).unwrap_or("")) {
        errors.push("Email address must be valid.".into());
    }
    errors
}

/// The id of a record (its first `…ID` field).
fn recs_id(r: &Rec) -> Option<&str> {
    ["ContactID", "InvoiceID", "PaymentID"]
        .iter()
        .find_map(|k| r.json.get(*k).and_then(Value::as_str))
}

/// Renders a JSON answer as XML (Xero answers XML without `Accept: application/json`).
fn to_xml(v: &Value, name: &str, out: &mut String) {
    match v {
        Value::Object(m) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in m {
                to_xml(v, k, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Array(items) => {
            out.push_str(&format!("<{name}>"));
            let item = name.strip_suffix('s').unwrap_or(name);
            for i in items {
                to_xml(i, item, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Null => out.push_str(&format!("<{name} />")),
        other => crate::xml::push_text(out, name, &text(Some(other)).unwrap_or_default()),
    }
}

impl Ledger for State {
    fn unauthorized(&self, now: i64) -> Answer {
        problem(
            401,
            "Unauthorized",
            "AuthenticationUnsuccessful",
            uuid(0xf1, now as u64),
        )
    }

    fn throttled(&self, _now: i64, throttle: Throttle) -> Answer {
        Answer::empty(429)
            .with_header("retry-after", throttle.retry_after_secs.to_string())
            .with_header("x-rate-limit-problem", throttle.problem())
    }

    fn handle(&mut self, req: &Req, now: i64) -> Answer {
        let answer = self.route(req, now);
        let wants_json = req.header("accept").is_some_and(|a| a.contains("json"));
        if wants_json || answer.body.is_empty() {
            return answer;
        }
        match serde_json::from_slice::<Value>(&answer.body) {
            Ok(v) => {
                let mut out = String::new();
                let root = if answer.status < 300 {
                    "Response"
                } else {
                    "ApiException"
                };
                to_xml(&v, root, &mut out);
                Answer::xml(answer.status, out)
            }
            Err(_) => answer,
        }
    }

    fn intuit_tokens(&self) -> bool {
        false
    }
}
