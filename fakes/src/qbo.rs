//! The QuickBooks Online fake (`/v3/company/{realmId}/…`, JSON).
//!
//! # Honoured
//! - The realm in the path (another realm is a 403 `AuthorizationFailed`
//!   fault); `minorversion` is accepted and ignored.
//! - `GET query?query=…`: `SELECT * | COUNT(*) FROM Customer | Invoice |
//!   Payment`, `WHERE` conditions joined by `AND` (`=`, `<`, `>`, `<=`,
//!   `>=`, `IN (…)`, `LIKE '%x%'` on `Id`, `Active`, `DisplayName`,
//!   `CustomerRef`, `DocNumber`, `MetaData.LastUpdatedTime`, …),
//!   `ORDERBY field [ASC|DESC]` (default `Id`), `STARTPOSITION` (from 1)
//!   and `MAXRESULTS` (default 100, at most 1000). Customer queries list
//!   **active customers only** unless the query has a condition on
//!   `Active` (`WHERE Active IN (true, false)` lists both). Answers are
//!   `QueryResponse{<Entity>[],startPosition,maxResults}` (an empty page is
//!   `QueryResponse{}`), or `totalCount`; a query the fake cannot read is
//!   a 400 `QueryParserError` fault (code 4000).
//! - `POST customer`: creates (`DisplayName`, or one built from `Title`,
//!   `GivenName`, `MiddleName`, `FamilyName`, `Suffix`; no `:`, tab or
//!   newline in names; at most 500 characters), and updates when the body
//!   has an `Id`: the `SyncToken` must be the current one (else fault
//!   **5010**), `sparse: true` writes only the fields given, otherwise
//!   the writable fields are replaced. Names are unique (fault **6240**)
//!   by `FullyQualifiedName` among customers, active or not, and against
//!   the vendor and employee names the test adds
//!   ([`QboFake::add_other_name`]). Sub-customers (`ParentRef`) get `Job`,
//!   `Level` and `Parent:Child` names. `GET customer/{id}`.
//! - `requestid` on any `POST`: an id seen before answers the first answer
//!   again and writes nothing.
//! - `GET cdc?entities=…&changedSince=…`: customers, invoices and payments
//!   changed at or after that time (inactive ones too), and those deleted
//!   or merged away as `{"domain","status":"Deleted","Id","MetaData"}`
//!   stubs; at most 1000 objects; a `changedSince` more than 30 days
//!   before the fake's clock is refused with a 400 fault.
//! - `POST batch`: `BatchItemRequest[]` of at most 30 items (`bId`,
//!   `operation` create / update / delete with an entity, or `Query`),
//!   answered `BatchItemResponse[]` with `bId` and the entity, a
//!   `QueryResponse`, or a `Fault` per item.
//! - `POST invoice` (customer must exist and be active, else 610;
//!   `DocNumber` at most 21 characters (2050), unique (6140) unless
//!   `include=allowduplicatedocnum`, given one when missing; a `TxnDate` on
//!   or before the books' close date is refused with 6210; `TotalAmt` and
//!   `Balance` from the sales lines less discount lines, plus
//!   `TxnTaxDetail.TotalTax`), `POST invoice?operation=void|delete`.
//! - `POST payment` (lines' `LinkedTxn` invoices of that customer, each
//!   amount at most the invoice's balance; `UnappliedAmt` is the rest),
//!   `POST payment?operation=delete` (balances restored).
//! - `GET preferences` (`AccountingInfoPrefs.BookCloseDate`,
//!   `CurrencyPrefs`).
//! - Every answer carries `time` from the fake's clock, at the company's
//!   UTC offset (default −08:00, [`QboFake::set_utc_offset_minutes`]).
//!   Faults are `{"Fault":{"Error":[{"Message","Detail","code","element"}],
//!   "type"},"time"}` with HTTP 400; a 401 is Intuit's lower-case
//!   `fault` (`AuthenticationFailed; errorCode=003200`); a 429 is a
//!   `ThrottleExceeded` fault with `Retry-After`.
//!
//! # Not honoured
//! XML requests and answers, entities other than these three, tax
//! codes, items and accounts (references are taken as given), currencies,
//! invoice updates other than void and delete, the 10-concurrent-calls
//! limit, and the " (deleted)" renaming of inactive customers.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use crate::json::{at, cents, money, number, same_name, text};
use crate::server::{self, Answer, Controls, FakeError, Ledger, Req, Running, Throttle, lock};
use crate::time;
use crate::webhook::WebhookDelivery;

const MAX_RESULTS: usize = 1000;
const DEFAULT_RESULTS: usize = 100;
const MAX_BATCH: usize = 30;
const CDC_DAYS: i64 = 30;
const MAX_CDC: usize = 1000;
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone)]
struct Rec {
    id: u64,
    json: Map<String, Value>,
    sync: u64,
    created: i64,
    updated: i64,
    deleted: bool,
}

/// A fault: HTTP status, code, message, detail.
#[derive(Debug, Clone)]
struct Fault {
    code: &'static str,
    message: String,
    detail: String,
    kind: &'static str,
}

fn fault(code: &'static str, message: &str, detail: impl Into<String>) -> Fault {
    Fault {
        code,
        message: message.to_owned(),
        detail: detail.into(),
        kind: "ValidationFault",
    }
}

impl Fault {
    fn body(&self) -> Value {
        json!({"Error": [{"Message": self.message, "Detail": self.detail,
                          "code": self.code, "element": ""}], "type": self.kind})
    }
}

fn not_found(id: &str) -> Fault {
    fault(
        "610",
        "Object Not Found",
        format!(
            "Object Not Found : Something you're trying to use has been made inactive or does not exist (Id {id})."
        ),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entity {
    Customer,
    Invoice,
    Payment,
}

impl Entity {
    fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "customer" => Some(Self::Customer),
            "invoice" => Some(Self::Invoice),
            "payment" => Some(Self::Payment),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Customer => "Customer",
            Self::Invoice => "Invoice",
            Self::Payment => "Payment",
        }
    }
}

/// The fake company's records.
#[derive(Debug)]
pub(crate) struct State {
    realm: String,
    offset_min: i32,
    home_currency: String,
    book_close: Option<String>,
    customers: Vec<Rec>,
    invoices: Vec<Rec>,
    payments: Vec<Rec>,
    other_names: Vec<String>,
    request_ids: HashMap<String, Answer>,
    next_id: u64,
    next_doc: u64,
}

/// A fake QuickBooks Online company behind a local HTTP server. See the
/// [module docs](self) for what it honours.
pub struct QboFake {
    controls: Controls,
    state: Arc<Mutex<State>>,
    _running: Running,
}

impl std::fmt::Debug for QboFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QboFake")
            .field("controls", &self.controls)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for QboFake {
    type Target = Controls;
    fn deref(&self) -> &Controls {
        &self.controls
    }
}

impl QboFake {
    /// Starts the fake on 127.0.0.1 (a free port) for company `realm_id`;
    /// access tokens from its token endpoint last 3600 s of its clock.
    ///
    /// # Errors
    /// [`FakeError::Start`] when no port or thread could be had.
    pub fn start(realm_id: &str) -> Result<Self, FakeError> {
        let state = Arc::new(Mutex::new(State {
            realm: realm_id.to_owned(),
            offset_min: -480,
            home_currency: "USD".into(),
            book_close: None,
            customers: Vec::new(),
            invoices: Vec::new(),
            payments: Vec::new(),
            other_names: Vec::new(),
            request_ids: HashMap::new(),
            next_id: 0,
            next_doc: 1000,
        }));
        let (controls, running) =
            server::start(state.clone(), "intuit", 3600, server::INTUIT_TOKEN_PATH)?;
        Ok(Self {
            controls,
            state,
            _running: running,
        })
    }

    /// The base the request paths (`v3/company/{realm}/…`) go under: the
    /// server's [`base_url`](Controls::base_url).
    #[must_use]
    pub fn api_base(&self) -> String {
        self.base_url().to_owned()
    }

    /// The company's realm id.
    #[must_use]
    pub fn realm_id(&self) -> String {
        lock(&self.state).realm.clone()
    }

    /// The company's UTC offset in minutes (times in answers are written
    /// at it; default −480).
    pub fn set_utc_offset_minutes(&self, minutes: i32) {
        lock(&self.state).offset_min = minutes;
    }

    /// The books' close date (`YYYY-MM-DD`): invoices dated on or before it
    /// are refused (6210).
    pub fn set_book_close_date(&self, date: Option<&str>) {
        lock(&self.state).book_close = date.map(str::to_owned);
    }

    /// A vendor or employee name: customers may not take it (6240).
    pub fn add_other_name(&self, name: &str) {
        lock(&self.state).other_names.push(name.to_owned());
    }

    /// Inserts a customer as if made in QBO's web app (no checks) and
    /// returns its `Id`. `customer` holds QBO's fields (`DisplayName`,
    /// `Active`, `PrimaryEmailAddr`, …).
    pub fn insert_customer(&self, customer: Value) -> String {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        let mut m = customer.as_object().cloned().unwrap_or_default();
        let name = m
            .get("DisplayName")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        m.entry("FullyQualifiedName").or_insert(json!(name));
        m.entry("Active").or_insert(json!(true));
        m.entry("Job").or_insert(json!(false));
        m.entry("Level").or_insert(json!(0));
        m.entry("Balance").or_insert(json!(0));
        m.entry("BalanceWithJobs").or_insert(json!(0));
        let rec = s.new_rec(m, now);
        let id = rec.id.to_string();
        s.customers.push(rec);
        id
    }

    /// Changes fields of customer `id` as if edited in the web app: its
    /// `SyncToken` moves on. False when no such customer.
    pub fn edit_customer(&self, id: &str, fields: Value) -> bool {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        let Some(rec) = find_mut(&mut s.customers, id) else {
            return false;
        };
        for (k, v) in fields.as_object().into_iter().flatten() {
            rec.json.insert(k.clone(), v.clone());
        }
        rec.sync += 1;
        rec.updated = now;
        true
    }

    /// Makes customer `id` inactive (QBO's "delete" of a customer).
    pub fn deactivate_customer(&self, id: &str) -> bool {
        self.edit_customer(id, json!({"Active": false}))
    }

    /// Merges customer `from` into `into`: `from` is gone (a `Deleted`
    /// stub in the change feed, absent from queries) and its invoices and
    /// payments move to `into`. False when either is unknown.
    pub fn merge_customer(&self, from: &str, into: &str) -> bool {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        if find_mut(&mut s.customers, into).is_none() {
            return false;
        }
        let Some(rec) = find_mut(&mut s.customers, from) else {
            return false;
        };
        rec.deleted = true;
        rec.updated = now;
        let s = &mut *s;
        for r in s.invoices.iter_mut().chain(s.payments.iter_mut()) {
            if text(at(&r.json, "CustomerRef.value")).as_deref() == Some(from) {
                r.json.insert("CustomerRef".into(), json!({"value": into}));
                r.sync += 1;
                r.updated = now;
            }
        }
        true
    }

    /// Customer `id` as QBO answers it (`None` when unknown or merged away).
    #[must_use]
    pub fn customer(&self, id: &str) -> Option<Value> {
        let s = lock(&self.state);
        s.customers
            .iter()
            .find(|r| r.id.to_string() == id && !r.deleted)
            .map(|r| s.show(r))
    }

    /// Every customer not merged away, active or not, by `Id`.
    #[must_use]
    pub fn customers(&self) -> Vec<Value> {
        let s = lock(&self.state);
        s.customers
            .iter()
            .filter(|r| !r.deleted)
            .map(|r| s.show(r))
            .collect()
    }

    /// Every invoice not deleted, by `Id`.
    #[must_use]
    pub fn invoices(&self) -> Vec<Value> {
        let s = lock(&self.state);
        s.invoices
            .iter()
            .filter(|r| !r.deleted)
            .map(|r| s.show(r))
            .collect()
    }

    /// Every payment not deleted, by `Id`.
    #[must_use]
    pub fn payments(&self) -> Vec<Value> {
        let s = lock(&self.state);
        s.payments
            .iter()
            .filter(|r| !r.deleted)
            .map(|r| s.show(r))
            .collect()
    }

    /// A signed webhook delivery in Intuit's CloudEvents format (an array
    /// of events, `type` `qbo.<entity>.<operation>.v1`) for `events`
    /// (`(entity, operation, id)`, e.g. `("customer", "updated", "58")`),
    /// signed with the app's verifier token in `intuit-signature`.
    #[must_use]
    pub fn webhook(&self, verifier_token: &[u8], events: &[(&str, &str, &str)]) -> WebhookDelivery {
        let now = self.now_ms();
        let realm = self.realm_id();
        let list: Vec<Value> = events
            .iter()
            .enumerate()
            .map(|(i, (entity, operation, id))| {
                json!({
                    "specversion": "1.0",
                    "id": crate::json::uuid(0xe7, (now as u64).wrapping_add(i as u64)),
                    "source": "intuit.fake",
                    "type": format!("qbo.{}.{}.v1", entity.to_ascii_lowercase(), operation.to_ascii_lowercase()),
                    "datacontenttype": "application/json",
                    "time": time::rfc3339(now, 0, true).replace("+00:00", "Z"),
                    "intuitentityid": id,
                    "intuitaccountid": realm,
                    "data": {},
                })
            })
            .collect();
        WebhookDelivery::signed(
            "intuit-signature",
            verifier_token,
            Value::Array(list).to_string().into_bytes(),
        )
    }
}

fn find_mut<'a>(recs: &'a mut [Rec], id: &str) -> Option<&'a mut Rec> {
    recs.iter_mut()
        .find(|r| r.id.to_string() == id && !r.deleted)
}

const NAME_PARTS: [&str; 5] = ["Title", "GivenName", "MiddleName", "FamilyName", "Suffix"];

/// Fields a customer's full (non-sparse) update does not clear.
const KEPT: [&str; 8] = [
    "Id",
    "SyncToken",
    "MetaData",
    "domain",
    "sparse",
    "Balance",
    "BalanceWithJobs",
    "FullyQualifiedName",
];

/// One `WHERE` condition.
#[derive(Debug)]
struct Cond {
    field: String,
    op: String,
    values: Vec<String>,
}

#[derive(Debug)]
struct Query {
    count: bool,
    entity: Entity,
    conds: Vec<Cond>,
    order: Option<(String, bool)>,
    start: usize,
    max: usize,
}

fn find_kw(upper: &str, kw: &str) -> Option<usize> {
    upper.find(kw)
}

/// Reads the fake's subset of QBO's query language.
fn parse_query(q: &str) -> Result<Query, String> {
    let q = q.trim();
    let upper = q.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("SELECT ")
        .ok_or("a query starts with SELECT")?;
    let from = find_kw(&upper, " FROM ").ok_or("no FROM")?;
    let what = rest[..from - 7].trim();
    let count = what.replace(' ', "") == "COUNT(*)";
    if !count && what != "*" {
        return Err("the fake selects * or COUNT(*) only".into());
    }
    let after_from = &q[from + 6..];
    let entity_word = after_from.split_whitespace().next().ok_or("no entity")?;
    let entity =
        Entity::parse(entity_word).ok_or_else(|| format!("unknown entity {entity_word}"))?;
    let mut clauses: Vec<(usize, &str)> = [
        " WHERE ",
        " ORDERBY ",
        " ORDER BY ",
        " STARTPOSITION ",
        " MAXRESULTS ",
    ]
    .iter()
    .filter_map(|k| find_kw(&upper, k).map(|i| (i, *k)))
    .collect();
    clauses.sort_unstable();
    let mut query = Query {
        count,
        entity,
        conds: Vec::new(),
        order: None,
        start: 1,
        max: DEFAULT_RESULTS,
    };
    for (n, (i, kw)) in clauses.iter().enumerate() {
        let end = clauses.get(n + 1).map_or(q.len(), |(j, _)| *j);
        let body = q[i + kw.len()..end].trim();
        match kw.trim() {
            "WHERE" => query.conds = parse_conds(body)?,
            "ORDERBY" | "ORDER BY" => {
                let mut it = body.split_whitespace();
                let field = it.next().ok_or("ORDERBY without a field")?.to_owned();
                let desc = it.next().is_some_and(|d| d.eq_ignore_ascii_case("DESC"));
                query.order = Some((field, desc));
            }
            "STARTPOSITION" => {
                query.start = body.parse().map_err(|_| "STARTPOSITION is not a number")?;
            }
            _ => query.max = body.parse().map_err(|_| "MAXRESULTS is not a number")?,
        }
    }
    if query.start == 0 {
        return Err("STARTPOSITION starts at 1".into());
    }
    query.max = query.max.clamp(1, MAX_RESULTS);
    Ok(query)
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    v.strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .map_or_else(|| v.to_owned(), |x| x.replace("\\'", "'"))
}

fn parse_conds(body: &str) -> Result<Vec<Cond>, String> {
    let mut out = Vec::new();
    let upper = body.to_ascii_uppercase();
    let mut parts = Vec::new();
    let mut last = 0;
    let mut search = 0;
    while let Some(i) = upper[search..].find(" AND ") {
        let at_i = search + i;
        // An AND inside quotes is part of a value.
        if body[..at_i].matches('\'').count().is_multiple_of(2) {
            parts.push(&body[last..at_i]);
            last = at_i + 5;
        }
        search = at_i + 5;
    }
    parts.push(&body[last..]);
    for p in parts {
        let p = p.trim();
        let field = p
            .split(|c: char| c.is_whitespace() || "=<>!".contains(c))
            .next()
            .unwrap_or("");
        let rest = p[field.len()..].trim_start();
        let ops = [">=", "<=", "!=", "=", "<", ">"];
        if let Some(op) = ops.iter().find(|o| rest.starts_with(**o)) {
            out.push(Cond {
                field: field.to_owned(),
                op: (*op).to_owned(),
                values: vec![unquote(&rest[op.len()..])],
            });
        } else if rest.get(..3).is_some_and(|k| k.eq_ignore_ascii_case("IN "))
            || rest.to_ascii_uppercase().starts_with("IN(")
        {
            let list = rest[2..]
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')');
            out.push(Cond {
                field: field.to_owned(),
                op: "IN".into(),
                values: list.split(',').map(unquote).collect(),
            });
        } else if rest
            .get(..5)
            .is_some_and(|k| k.eq_ignore_ascii_case("LIKE "))
        {
            out.push(Cond {
                field: field.to_owned(),
                op: "LIKE".into(),
                values: vec![unquote(&rest[5..])],
            });
        } else {
            return Err(format!("cannot read the condition `{p}`"));
        }
    }
    Ok(out)
}

/// Compares a record's field with a literal: times as times, ids and
/// numbers as numbers, else text without case.
fn compare(field: &str, have: &str, want: &str) -> Ordering {
    if (field.contains("Time") || field.ends_with("Date"))
        && let (Some(a), Some(b)) = (time::parse_iso(have), time::parse_iso(want))
    {
        return a.cmp(&b);
    }
    if let (Ok(a), Ok(b)) = (have.parse::<f64>(), want.parse::<f64>()) {
        return a.partial_cmp(&b).unwrap_or(Ordering::Equal);
    }
    have.to_lowercase().cmp(&want.to_lowercase())
}

fn like(have: &str, pattern: &str) -> bool {
    let h = have.to_lowercase();
    let p = pattern.to_lowercase();
    match (p.strip_prefix('%'), p.strip_suffix('%')) {
        (Some(x), Some(_)) => h.contains(x.trim_end_matches('%')),
        (Some(x), None) => h.ends_with(x),
        (None, Some(x)) => h.starts_with(x),
        (None, None) => h == p,
    }
}

impl State {
    fn now_text(&self, now: i64) -> String {
        time::rfc3339(now, self.offset_min, true)
    }

    fn new_rec(&mut self, json: Map<String, Value>, now: i64) -> Rec {
        self.next_id += 1;
        Rec {
            id: self.next_id,
            json,
            sync: 0,
            created: now,
            updated: now,
            deleted: false,
        }
    }

    fn show(&self, r: &Rec) -> Value {
        let mut m = Map::new();
        m.insert("domain".into(), json!("QBO"));
        m.insert("sparse".into(), json!(false));
        m.insert("Id".into(), json!(r.id.to_string()));
        m.insert("SyncToken".into(), json!(r.sync.to_string()));
        m.insert(
            "MetaData".into(),
            json!({"CreateTime": time::rfc3339(r.created, self.offset_min, false),
                   "LastUpdatedTime": time::rfc3339(r.updated, self.offset_min, false)}),
        );
        for (k, v) in &r.json {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }

    fn stub(&self, r: &Rec) -> Value {
        json!({"domain": "QBO", "status": "Deleted", "Id": r.id.to_string(),
               "MetaData": {"LastUpdatedTime": time::rfc3339(r.updated, self.offset_min, false)}})
    }

    fn fault_answer(&self, now: i64, f: &Fault) -> Answer {
        Answer::json(400, &json!({"Fault": f.body(), "time": self.now_text(now)}))
    }

    fn recs(&self, e: Entity) -> &Vec<Rec> {
        match e {
            Entity::Customer => &self.customers,
            Entity::Invoice => &self.invoices,
            Entity::Payment => &self.payments,
        }
    }

    fn field_of(&self, r: &Rec, field: &str) -> String {
        match field {
            "Id" => r.id.to_string(),
            "SyncToken" => r.sync.to_string(),
            "MetaData.LastUpdatedTime" => time::rfc3339(r.updated, self.offset_min, false),
            "MetaData.CreateTime" => time::rfc3339(r.created, self.offset_min, false),
            "CustomerRef" | "ParentRef" => {
                text(at(&r.json, &format!("{field}.value"))).unwrap_or_default()
            }
            _ => text(at(&r.json, field)).unwrap_or_default(),
        }
    }

    fn run_query(&self, q: &Query) -> Value {
        let active_given = q
            .conds
            .iter()
            .any(|c| c.field.eq_ignore_ascii_case("Active"));
        let mut picked: Vec<&Rec> = self
            .recs(q.entity)
            .iter()
            .filter(|r| !r.deleted)
            .filter(|r| {
                q.entity != Entity::Customer
                    || active_given
                    || r.json
                        .get("Active")
                        .and_then(Value::as_bool)
                        .unwrap_or(true)
            })
            .filter(|r| {
                q.conds.iter().all(|c| {
                    let have = self.field_of(r, &c.field);
                    let want = c.values.first().map(String::as_str).unwrap_or("");
                    match c.op.as_str() {
                        "=" => compare(&c.field, &have, want) == Ordering::Equal,
                        "!=" => compare(&c.field, &have, want) != Ordering::Equal,
                        "<" => compare(&c.field, &have, want) == Ordering::Less,
                        ">" => compare(&c.field, &have, want) == Ordering::Greater,
                        "<=" => compare(&c.field, &have, want) != Ordering::Greater,
                        ">=" => compare(&c.field, &have, want) != Ordering::Less,
                        "IN" => c
                            .values
                            .iter()
                            .any(|v| compare(&c.field, &have, v) == Ordering::Equal),
                        _ => like(&have, want),
                    }
                })
            })
            .collect();
        if q.count {
            return json!({"totalCount": picked.len()});
        }
        let (field, desc) = q.order.clone().unwrap_or(("Id".into(), false));
        picked.sort_by(|a, b| {
            let o = compare(&field, &self.field_of(a, &field), &self.field_of(b, &field))
                .then(a.id.cmp(&b.id));
            if desc { o.reverse() } else { o }
        });
        let page: Vec<Value> = picked
            .into_iter()
            .skip(q.start - 1)
            .take(q.max)
            .map(|r| self.show(r))
            .collect();
        if page.is_empty() {
            return json!({});
        }
        let n = page.len();
        json!({ q.entity.name(): page, "startPosition": q.start, "maxResults": n })
    }

    /// The display name a customer body gives, built from the name parts
    /// when `DisplayName` is missing.
    fn display_name(m: &Map<String, Value>) -> String {
        if let Some(d) = m.get("DisplayName").and_then(Value::as_str) {
            return d.trim().to_owned();
        }
        NAME_PARTS
            .iter()
            .filter_map(|k| m.get(*k).and_then(Value::as_str))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn check_customer(&self, m: &mut Map<String, Value>, except: Option<u64>) -> Result<(), Fault> {
        let name = Self::display_name(m);
        if name.is_empty() {
            return Err(fault(
                "2020",
                "Required param missing, need to supply the required value for the API",
                "Required parameter DisplayName (or one of Title, GivenName, MiddleName, FamilyName, Suffix) is missing in the request",
            ));
        }
        for k in std::iter::once("DisplayName").chain(NAME_PARTS) {
            let v = if k == "DisplayName" {
                Some(name.as_str())
            } else {
                m.get(k).and_then(Value::as_str)
            };
            if v.is_some_and(|v| v.contains([':', '\t', '\n'])) {
                return Err(fault(
                    "6000",
                    "A business validation error has occurred while processing your request",
                    format!(
                        "Business Validation Error: {k} may not contain a colon, tab or newline."
                    ),
                ));
            }
        }
        if name.chars().count() > 500 {
            return Err(fault("2050", "String length is either shorter or longer than supported by specification",
                "String length specified does not match the supported length. Min:0 Max:500 supported. Supplied length: ".to_owned() + &name.chars().count().to_string()));
        }
        if let Some(email) = at(m, "PrimaryEmailAddr.Address").and_then(Value::as_str)
            && !(email.contains('@') && email.contains('.'))
        {
            return Err(fault(
                "6000",
                "A business validation error has occurred while processing your request",
                "Business Validation Error: Invalid email address format",
            ));
        }
        let mut fqn = name.clone();
        let parent = text(at(m, "ParentRef.value"));
        if let Some(p) = parent.as_deref() {
            let Some(parent_rec) = self
                .customers
                .iter()
                .find(|r| r.id.to_string() == p && !r.deleted)
            else {
                return Err(not_found(p));
            };
            let level = number(parent_rec.json.get("Level")).unwrap_or(0.0) as u64 + 1;
            if level > 4 {
                return Err(fault(
                    "6000",
                    "A business validation error has occurred while processing your request",
                    "Business Validation Error: sub-customers nest at most 4 levels under a top-level customer",
                ));
            }
            let parent_fqn = text(parent_rec.json.get("FullyQualifiedName")).unwrap_or_default();
            fqn = format!("{parent_fqn}:{name}");
            m.insert("Job".into(), json!(true));
            m.insert("Level".into(), json!(level));
        } else {
            m.insert("Job".into(), json!(false));
            m.insert("Level".into(), json!(0));
            m.remove("BillWithParent");
        }
        let taken = self.customers.iter().any(|r| {
            !r.deleted
                && Some(r.id) != except
                && r.json
                    .get("FullyQualifiedName")
                    .and_then(Value::as_str)
                    .is_some_and(|f| same_name(f, &fqn))
        }) || self.other_names.iter().any(|o| same_name(o, &name));
        if taken {
            return Err(fault(
                "6240",
                "Duplicate Name Exists Error",
                format!(
                    "The name supplied already exists. : Another customer, vendor or employee is already using this name ({name}). Please use a different name."
                ),
            ));
        }
        m.insert("DisplayName".into(), json!(name));
        m.insert("FullyQualifiedName".into(), json!(fqn));
        Ok(())
    }

    /// Creates or updates a customer from a request body.
    fn write_customer(&mut self, body: &Map<String, Value>, now: i64) -> Result<Value, Fault> {
        let Some(id) = text(body.get("Id")) else {
            let mut m = body.clone();
            for k in [
                "SyncToken",
                "MetaData",
                "domain",
                "sparse",
                "Level",
                "Job",
                "FullyQualifiedName",
                "Balance",
                "BalanceWithJobs",
            ] {
                m.remove(k);
            }
            self.check_customer(&mut m, None)?;
            m.entry("Active").or_insert(json!(true));
            let print = m.get("DisplayName").cloned().unwrap_or(Value::Null);
            m.entry("PrintOnCheckName").or_insert(print);
            m.insert("Balance".into(), json!(0));
            m.insert("BalanceWithJobs".into(), json!(0));
            m.insert("CurrencyRef".into(), json!({"value": self.home_currency}));
            let rec = self.new_rec(m, now);
            let out = self.show(&rec);
            self.customers.push(rec);
            return Ok(out);
        };
        let Some(index) = self
            .customers
            .iter()
            .position(|r| r.id.to_string() == id && !r.deleted)
        else {
            return Err(not_found(&id));
        };
        let current = self.customers[index].sync.to_string();
        match text(body.get("SyncToken")) {
            None => {
                return Err(fault(
                    "2020",
                    "Required param missing, need to supply the required value for the API",
                    "Required parameter SyncToken is missing in the request",
                ));
            }
            Some(t) if t != current => {
                return Err(fault(
                    "5010",
                    "Stale Object Error",
                    "Stale Object Error : You and another user were working on this at the same time. The other user finished before you did, so your work was not saved.",
                ));
            }
            Some(_) => {}
        }
        let sparse = body.get("sparse").and_then(Value::as_bool).unwrap_or(false);
        let mut m = if sparse {
            self.customers[index].json.clone()
        } else {
            self.customers[index]
                .json
                .iter()
                .filter(|(k, _)| KEPT.contains(&k.as_str()) || *k == "CurrencyRef")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        for (k, v) in body {
            if !KEPT.contains(&k.as_str()) && k != "Level" && k != "Job" {
                m.insert(k.clone(), v.clone());
            }
        }
        // DisplayName cannot be removed: without it or any name part, the
        // stored one stays.
        if !m.contains_key("DisplayName")
            && NAME_PARTS.iter().all(|k| !m.contains_key(*k))
            && let Some(old) = self.customers[index].json.get("DisplayName")
        {
            m.insert("DisplayName".into(), old.clone());
        }
        let rec_id = self.customers[index].id;
        self.check_customer(&mut m, Some(rec_id))?;
        let rec = &mut self.customers[index];
        rec.json = m;
        rec.sync += 1;
        rec.updated = now;
        let rec = rec.clone();
        Ok(self.show(&rec))
    }

    fn create_invoice(
        &mut self,
        body: &Map<String, Value>,
        include: &str,
        now: i64,
    ) -> Result<Value, Fault> {
        let customer = text(at(body, "CustomerRef.value")).unwrap_or_default();
        let active = self.customers.iter().any(|r| {
            r.id.to_string() == customer
                && !r.deleted
                && r.json
                    .get("Active")
                    .and_then(Value::as_bool)
                    .unwrap_or(true)
        });
        if !active {
            return Err(not_found(&customer));
        }
        let lines = body
            .get("Line")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if lines.is_empty() {
            return Err(fault(
                "2020",
                "Required param missing, need to supply the required value for the API",
                "Required parameter Line is missing in the request",
            ));
        }
        let doc = match text(body.get("DocNumber")) {
            Some(d) => {
                if d.chars().count() > 21 {
                    return Err(fault(
                        "2050",
                        "String length is either shorter or longer than supported by specification",
                        format!(
                            "String length specified does not match the supported length. Min:0 Max:21 supported. Supplied length: {}",
                            d.chars().count()
                        ),
                    ));
                }
                let dup = self.invoices.iter().any(|r| {
                    !r.deleted && text(r.json.get("DocNumber")).as_deref() == Some(d.as_str())
                });
                if dup && !include.contains("allowduplicatedocnum") {
                    return Err(fault(
                        "6140",
                        "Duplicate Document Number Error",
                        format!(
                            "Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber={d}"
                        ),
                    ));
                }
                d
            }
            None => {
                self.next_doc += 1;
                self.next_doc.to_string()
            }
        };
        let local_today = time::date(now + i64::from(self.offset_min) * 60_000);
        let txn_date = text(body.get("TxnDate")).unwrap_or(local_today);
        if let Some(close) = &self.book_close
            && txn_date.as_str() <= close.as_str()
        {
            return Err(fault(
                "6210",
                "Account Period Closed, cannot update through Services API",
                format!("The account period has closed and the books are locked as of {close}."),
            ));
        }
        let (mut sum, mut discount) = (0.0, 0.0);
        let mut out_lines = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let amount = number(l.get("Amount")).unwrap_or(0.0);
            match l.get("DetailType").and_then(Value::as_str) {
                Some("DiscountLineDetail") => discount += amount,
                Some("SubTotalLineDetail") => continue,
                _ => sum += amount,
            }
            let mut m = l.as_object().cloned().unwrap_or_default();
            m.insert("Id".into(), json!((i + 1).to_string()));
            m.insert("LineNum".into(), json!(i + 1));
            out_lines.push(Value::Object(m));
        }
        out_lines.push(json!({"Amount": money(sum), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}));
        let tax = number(at(body, "TxnTaxDetail.TotalTax")).unwrap_or(0.0);
        let total = cents(sum - discount + tax);
        let due = text(body.get("DueDate")).unwrap_or_else(|| {
            time::parse_iso(&txn_date)
                .map_or_else(|| txn_date.clone(), |t| time::date(t + 30 * DAY_MS))
        });
        let mut m = body.clone();
        m.insert("DocNumber".into(), json!(doc));
        m.insert("TxnDate".into(), json!(txn_date));
        m.insert("DueDate".into(), json!(due));
        m.insert("Line".into(), Value::Array(out_lines));
        m.insert("TxnTaxDetail".into(), json!({"TotalTax": money(tax)}));
        m.insert("TotalAmt".into(), money(total));
        m.insert("Balance".into(), money(total));
        m.insert("CurrencyRef".into(), json!({"value": self.home_currency}));
        m.insert("LinkedTxn".into(), json!([]));
        let rec = self.new_rec(m, now);
        let out = self.show(&rec);
        self.invoices.push(rec);
        Ok(out)
    }

    fn create_payment(&mut self, body: &Map<String, Value>, now: i64) -> Result<Value, Fault> {
        let customer = text(at(body, "CustomerRef.value")).unwrap_or_default();
        if !self
            .customers
            .iter()
            .any(|r| r.id.to_string() == customer && !r.deleted)
        {
            return Err(not_found(&customer));
        }
        let Some(total) = number(body.get("TotalAmt")) else {
            return Err(fault(
                "2020",
                "Required param missing, need to supply the required value for the API",
                "Required parameter TotalAmt is missing in the request",
            ));
        };
        let mut applied = Vec::new();
        let mut sum = 0.0;
        for l in body
            .get("Line")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let amount = number(l.get("Amount")).unwrap_or(0.0);
            for t in l
                .get("LinkedTxn")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let id = text(t.get("TxnId")).unwrap_or_default();
                let Some(inv) = self
                    .invoices
                    .iter()
                    .find(|r| r.id.to_string() == id && !r.deleted)
                else {
                    return Err(not_found(&id));
                };
                if text(at(&inv.json, "CustomerRef.value")).as_deref() != Some(customer.as_str()) {
                    return Err(fault(
                        "6000",
                        "A business validation error has occurred while processing your request",
                        format!(
                            "Business Validation Error: invoice {id} belongs to another customer"
                        ),
                    ));
                }
                if amount > number(inv.json.get("Balance")).unwrap_or(0.0) + 0.005 {
                    return Err(fault(
                        "6000",
                        "A business validation error has occurred while processing your request",
                        format!(
                            "Business Validation Error: the amount applied to invoice {id} is more than its balance"
                        ),
                    ));
                }
                applied.push((id, amount));
            }
            sum += amount;
        }
        if sum > total + 0.005 {
            return Err(fault(
                "6000",
                "A business validation error has occurred while processing your request",
                "Business Validation Error: the lines apply more than the payment's TotalAmt",
            ));
        }
        for (id, amount) in &applied {
            if let Some(inv) = find_mut(&mut self.invoices, id) {
                let balance = number(inv.json.get("Balance")).unwrap_or(0.0) - amount;
                inv.json.insert("Balance".into(), money(balance));
                inv.sync += 1;
                inv.updated = now;
            }
        }
        let mut m = body.clone();
        m.insert("TotalAmt".into(), money(total));
        m.insert("UnappliedAmt".into(), money(total - sum));
        m.entry("TxnDate")
            .or_insert_with(|| json!(time::date(now + i64::from(self.offset_min) * 60_000)));
        m.insert("CurrencyRef".into(), json!({"value": self.home_currency}));
        m.insert("ProcessPayment".into(), json!(false));
        let rec = self.new_rec(m, now);
        let out = self.show(&rec);
        self.payments.push(rec);
        Ok(out)
    }

    /// `operation=delete` / `void` of an invoice or payment.
    fn remove(
        &mut self,
        e: Entity,
        body: &Map<String, Value>,
        void: bool,
        now: i64,
    ) -> Result<Value, Fault> {
        let id = text(body.get("Id")).unwrap_or_default();
        let recs = match e {
            Entity::Invoice => &mut self.invoices,
            Entity::Payment => &mut self.payments,
            Entity::Customer => {
                return Err(fault(
                    "6000",
                    "A business validation error has occurred while processing your request",
                    "Business Validation Error: customers are made inactive, not deleted",
                ));
            }
        };
        let Some(rec) = find_mut(recs, &id) else {
            return Err(not_found(&id));
        };
        if text(body.get("SyncToken")) != Some(rec.sync.to_string()) {
            return Err(fault(
                "5010",
                "Stale Object Error",
                "Stale Object Error : You and another user were working on this at the same time. The other user finished before you did, so your work was not saved.",
            ));
        }
        rec.updated = now;
        if void {
            rec.sync += 1;
            rec.json.insert("Balance".into(), json!(0));
            rec.json.insert("TotalAmt".into(), json!(0));
            rec.json.insert("PrivateNote".into(), json!("Voided"));
            let rec = rec.clone();
            return Ok(self.show(&rec));
        }
        rec.deleted = true;
        let rec = rec.clone();
        if e == Entity::Payment {
            for l in rec
                .json
                .get("Line")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let amount = number(l.get("Amount")).unwrap_or(0.0);
                for t in l
                    .get("LinkedTxn")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(inv) = find_mut(
                        &mut self.invoices,
                        &text(t.get("TxnId")).unwrap_or_default(),
                    ) {
                        let b = number(inv.json.get("Balance")).unwrap_or(0.0) + amount;
                        inv.json.insert("Balance".into(), money(b));
                        inv.sync += 1;
                        inv.updated = now;
                    }
                }
            }
        }
        Ok(self.stub(&rec))
    }

    /// One write of an entity (`operation` create / update / delete / void).
    fn write(
        &mut self,
        e: Entity,
        op: &str,
        body: &Map<String, Value>,
        include: &str,
        now: i64,
    ) -> Result<Value, Fault> {
        match (e, op) {
            (Entity::Customer, "create" | "update" | "") => self.write_customer(body, now),
            (_, "delete") => self.remove(e, body, false, now),
            (Entity::Invoice, "void") => self.remove(e, body, true, now),
            (Entity::Invoice, "create" | "") if !body.contains_key("Id") => {
                self.create_invoice(body, include, now)
            }
            (Entity::Payment, "create" | "") if !body.contains_key("Id") => {
                self.create_payment(body, now)
            }
            _ => Err(fault(
                "6000",
                "A business validation error has occurred while processing your request",
                format!(
                    "Business Validation Error: the fake does not do `{op}` on {}",
                    e.name()
                ),
            )),
        }
    }

    fn cdc(&self, req: &Req, now: i64) -> Answer {
        let Some(since) = req.query("changedSince").and_then(time::parse_iso) else {
            return self.fault_answer(
                now,
                &fault(
                    "2020",
                    "Required param missing, need to supply the required value for the API",
                    "Required parameter changedSince is missing or not a date",
                ),
            );
        };
        if since < now - CDC_DAYS * DAY_MS {
            return self.fault_answer(now, &fault("10000", "Invalid Request",
                format!("Operation cdc with changedSince date {} which is older than fixed days is not supported.", req.query("changedSince").unwrap_or(""))));
        }
        let mut left = MAX_CDC;
        let mut responses = Vec::new();
        for name in req.query("entities").unwrap_or("").split(',') {
            let Some(e) = Entity::parse(name.trim()) else {
                continue;
            };
            let mut recs: Vec<&Rec> = self.recs(e).iter().filter(|r| r.updated >= since).collect();
            recs.sort_by_key(|r| (r.updated, r.id));
            let items: Vec<Value> = recs
                .into_iter()
                .take(left)
                .map(|r| {
                    if r.deleted {
                        self.stub(r)
                    } else {
                        self.show(r)
                    }
                })
                .collect();
            left -= items.len();
            if items.is_empty() {
                responses.push(json!({}));
            } else {
                let n = items.len();
                responses.push(json!({ e.name(): items, "startPosition": 1, "maxResults": n }));
            }
        }
        Answer::json(
            200,
            &json!({"CDCResponse": [{"QueryResponse": responses}], "time": self.now_text(now)}),
        )
    }

    fn batch(&mut self, req: &Req, now: i64) -> Answer {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let Some(items) = body.get("BatchItemRequest").and_then(Value::as_array) else {
            return self.fault_answer(
                now,
                &fault(
                    "2020",
                    "Required param missing, need to supply the required value for the API",
                    "Required parameter BatchItemRequest is missing in the request",
                ),
            );
        };
        if items.len() > MAX_BATCH {
            return self.fault_answer(
                now,
                &fault(
                    "1000",
                    "Too many batch items",
                    format!(
                        "A batch holds at most {MAX_BATCH} items; this one has {}.",
                        items.len()
                    ),
                ),
            );
        }
        let include = req.query("include").unwrap_or("").to_owned();
        let mut out = Vec::new();
        for item in items {
            let bid = item.get("bId").cloned().unwrap_or(Value::Null);
            let result = if let Some(q) = item.get("Query").and_then(Value::as_str) {
                parse_query(q)
                    .map(|q| json!({"QueryResponse": self.run_query(&q)}))
                    .map_err(|m| {
                        fault(
                            "4000",
                            "Error parsing query",
                            format!("QueryParserError: {m}"),
                        )
                    })
            } else {
                let op = item
                    .get("operation")
                    .and_then(Value::as_str)
                    .unwrap_or("create");
                let found = [Entity::Customer, Entity::Invoice, Entity::Payment]
                    .into_iter()
                    .find_map(|e| {
                        item.get(e.name())
                            .and_then(Value::as_object)
                            .map(|b| (e, b.clone()))
                    });
                match found {
                    Some((e, b)) => self
                        .write(e, op, &b, &include, now)
                        .map(|v| json!({ e.name(): v })),
                    None => Err(fault(
                        "2020",
                        "Required param missing, need to supply the required value for the API",
                        "A batch item names no entity",
                    )),
                }
            };
            let mut m = match result {
                Ok(Value::Object(m)) => m,
                Ok(_) => Map::new(),
                Err(f) => {
                    let mut m = Map::new();
                    m.insert("Fault".into(), f.body());
                    m
                }
            };
            m.insert("bId".into(), bid);
            out.push(Value::Object(m));
        }
        Answer::json(
            200,
            &json!({"BatchItemResponse": out, "time": self.now_text(now)}),
        )
    }

    fn route(&mut self, req: &Req, now: i64) -> Answer {
        let segments: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
        let ["v3", "company", realm, resource, rest @ ..] = segments.as_slice() else {
            return Answer::json(
                404,
                &json!({"Fault": fault("404", "Not Found", "No such resource").body(), "time": self.now_text(now)}),
            );
        };
        if *realm != self.realm {
            let mut f = fault(
                "3100",
                "message=AuthorizationFailed; errorCode=003100; statusCode=403",
                "This app is not authorized for that company",
            );
            f.kind = "AUTHENTICATION";
            return Answer::json(403, &json!({"Fault": f.body(), "time": self.now_text(now)}));
        }
        let resource = resource.to_ascii_lowercase();
        let time_text = self.now_text(now);
        match (req.method.as_str(), resource.as_str(), rest) {
            ("GET", "query", []) => match req.query("query").map(parse_query) {
                Some(Ok(q)) => Answer::json(
                    200,
                    &json!({"QueryResponse": self.run_query(&q), "time": time_text}),
                ),
                Some(Err(m)) => self.fault_answer(
                    now,
                    &fault(
                        "4000",
                        "Error parsing query",
                        format!("QueryParserError: {m}"),
                    ),
                ),
                None => self.fault_answer(
                    now,
                    &fault("4000", "Error parsing query", "QueryParserError: no query"),
                ),
            },
            ("GET", "cdc", []) => self.cdc(req, now),
            ("GET", "preferences", []) => {
                let mut acct = Map::new();
                if let Some(d) = &self.book_close {
                    acct.insert("BookCloseDate".into(), json!(d));
                }
                Answer::json(
                    200,
                    &json!({"Preferences": {
                    "AccountingInfoPrefs": acct,
                    "CurrencyPrefs": {"MultiCurrencyEnabled": false, "HomeCurrency": {"value": self.home_currency}},
                    "domain": "QBO", "sparse": false, "Id": "1", "SyncToken": "0"}, "time": time_text}),
                )
            }
            ("GET", name, [id]) => {
                let Some(e) = Entity::parse(name) else {
                    return self.fault_answer(now, &not_found(id));
                };
                match self
                    .recs(e)
                    .iter()
                    .find(|r| r.id.to_string() == *id && !r.deleted)
                {
                    Some(r) => {
                        Answer::json(200, &json!({ e.name(): self.show(r), "time": time_text }))
                    }
                    None => self.fault_answer(now, &not_found(id)),
                }
            }
            ("POST", "batch", []) => self.batch(req, now),
            ("POST", name, []) if Entity::parse(name).is_some() => {
                let Some(e) = Entity::parse(name) else {
                    return self.fault_answer(now, &not_found(name));
                };
                let body: Value = match serde_json::from_slice(&req.body) {
                    Ok(v) => v,
                    Err(_) => {
                        return self.fault_answer(
                            now,
                            &fault(
                                "2500",
                                "Invalid Reference Id",
                                "Request has invalid or unsupported JSON",
                            ),
                        );
                    }
                };
                let body = body.get(e.name()).cloned().unwrap_or(body);
                let Some(body) = body.as_object() else {
                    return self.fault_answer(
                        now,
                        &fault(
                            "2500",
                            "Invalid Reference Id",
                            "Request has invalid or unsupported JSON",
                        ),
                    );
                };
                let op = req.query("operation").unwrap_or("");
                let include = req.query("include").unwrap_or("");
                match self.write(e, op, body, include, now) {
                    Ok(v) => Answer::json(200, &json!({ e.name(): v, "time": self.now_text(now) })),
                    Err(f) => self.fault_answer(now, &f),
                }
            }
            _ => Answer::json(
                404,
                &json!({"Fault": fault("404", "Not Found", "No such resource").body(), "time": time_text}),
            ),
        }
    }
}

impl Ledger for State {
    fn unauthorized(&self, now: i64) -> Answer {
        Answer::json(
            401,
            &json!({
            "warnings": null, "intuitObject": null,
            "fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                                 "detail": "Token expired: the access token is not valid", "code": "3200", "element": null}],
                      "type": "AUTHENTICATION"},
            "report": null, "queryResponse": null, "batchItemResponse": [], "attachableResponse": [],
            "syncErrorResponse": null, "requestId": null, "time": now, "status": null, "cdcresponse": []}),
        )
    }

    fn throttled(&self, now: i64, throttle: Throttle) -> Answer {
        let mut f = fault(
            "3001",
            "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            "The request limit was reached.  Try again later",
        );
        f.kind = "SERVICE";
        Answer::json(429, &json!({"Fault": f.body(), "time": self.now_text(now)}))
            .with_header("retry-after", throttle.retry_after_secs.to_string())
    }

    fn handle(&mut self, req: &Req, now: i64) -> Answer {
        if req.method == "POST"
            && let Some(id) = req.query("requestid").map(str::to_owned)
        {
            if let Some(first) = self.request_ids.get(&id) {
                return first.clone();
            }
            let answer = self.route(req, now);
            self.request_ids.insert(id, answer.clone());
            return answer;
        }
        self.route(req, now)
    }

    fn intuit_tokens(&self) -> bool {
        true
    }
}
