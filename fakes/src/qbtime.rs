//! The QuickBooks Time fake (`/api/v1/…`, JSON).
//!
//! # Honoured
//! - `GET jobcodes`: `ids`, `parent_ids`, `name` (`*` as a wildcard),
//!   `active` (`yes` by default, `no`, `both`), `type` (`regular` by
//!   default, `pto`, `paid_break`, `unpaid_break`, `all`),
//!   `modified_since` / `modified_before` (ISO 8601), `page` (from 1) and
//!   `limit` (default and largest 200); records keyed by id string under
//!   `results.jobcodes`, ordered by id, `more` while pages follow,
//!   `supplemental_data` unless `supplemental_data=no`.
//! - `POST jobcodes` with `{"data":[…]}` (at most 50): one answer per item
//!   keyed `"1"`, `"2"`, … with `_status_code` and `_status_message`:
//!   200 `Created`; 202 with the existing jobcode when one of the same
//!   parent, name and type exists (a create sent again makes nothing
//!   twice); 417 when the name or short code is used by a sibling of
//!   another type, the name is missing or over 64 characters, the parent
//!   is unknown, a `pto` jobcode is not top-level, or a break type is
//!   asked for. Names compare trimmed and case-blind.
//! - `GET timesheets`: needs `ids`, `start_date`, `modified_since` or
//!   `modified_before` (else 417); `end_date`, `on_the_clock` (`no` by
//!   default, `yes`, `both`), `user_ids`, `jobcode_ids`, paging as above.
//! - `GET timesheets_deleted`: the timesheets deleted
//!   ([`QbTimeFake::delete_timesheet`]), same filters.
//! - Times (`last_modified`, `created`) from the fake's clock as
//!   `2026-12-06T10:00:00+00:00`; errors `{"error":{"code","message"}}`
//!   (401 when the token is not valid, 429 with `Retry-After`).
//!
//! # Not honoured
//! Updating jobcodes over HTTP (`PUT`), writing timesheets over HTTP,
//! users, custom fields, locations, the 300-calls-per-5-minutes window
//! (set a per-minute budget instead), and QBT's own token endpoint (the
//! Intuit one at `/oauth2/v1/tokens/bearer` is served).

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use crate::json::{number, same_name, text};
use crate::server::{self, Answer, Controls, FakeError, Ledger, Req, Running, Throttle, lock};
use crate::time;

const MAX_LIMIT: usize = 200;
const MAX_BATCH: usize = 50;
const MAX_NAME: usize = 64;

#[derive(Debug, Clone)]
struct Rec {
    id: u64,
    json: Map<String, Value>,
    created: i64,
    updated: i64,
}

/// The fake account's records.
#[derive(Debug)]
pub(crate) struct State {
    jobcodes: Vec<Rec>,
    timesheets: Vec<Rec>,
    deleted: Vec<Rec>,
    next_id: u64,
}

/// A fake QuickBooks Time account behind a local HTTP server. See the
/// [module docs](self) for what it honours.
pub struct QbTimeFake {
    controls: Controls,
    state: Arc<Mutex<State>>,
    _running: Running,
}

impl std::fmt::Debug for QbTimeFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QbTimeFake")
            .field("controls", &self.controls)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for QbTimeFake {
    type Target = Controls;
    fn deref(&self) -> &Controls {
        &self.controls
    }
}

fn error(code: u16, message: &str) -> Answer {
    Answer::json(code, &json!({"error": {"code": code, "message": message}}))
}

impl QbTimeFake {
    /// Starts the fake on 127.0.0.1 (a free port); access tokens from its
    /// token endpoint last 3600 s of its clock.
    ///
    /// # Errors
    /// [`FakeError::Start`] when no port or thread could be had.
    pub fn start() -> Result<Self, FakeError> {
        let state = Arc::new(Mutex::new(State {
            jobcodes: Vec::new(),
            timesheets: Vec::new(),
            deleted: Vec::new(),
            next_id: 1000,
        }));
        let (controls, running) =
            server::start(state.clone(), "intuit", 3600, server::INTUIT_TOKEN_PATH)?;
        Ok(Self {
            controls,
            state,
            _running: running,
        })
    }

    /// `http://127.0.0.1:<port>/api/v1`: the base the request paths
    /// (`jobcodes`, …) go under.
    #[must_use]
    pub fn api_base(&self) -> String {
        format!("{}/api/v1", self.base_url())
    }

    /// Inserts a jobcode as if made in the web app (no checks) and returns
    /// its id. `jobcode` holds QBT's fields (`name`, `parent_id`, `type`,
    /// `active`, …).
    pub fn insert_jobcode(&self, jobcode: Value) -> u64 {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        let m = jobcode_defaults(jobcode.as_object().cloned().unwrap_or_default());
        s.push_jobcode(m, now)
    }

    /// Changes fields of jobcode `id` as if edited in the web app. False
    /// when unknown.
    pub fn edit_jobcode(&self, id: u64, fields: Value) -> bool {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        let Some(rec) = s.jobcodes.iter_mut().find(|r| r.id == id) else {
            return false;
        };
        for (k, v) in fields.as_object().into_iter().flatten() {
            rec.json.insert(k.clone(), v.clone());
        }
        rec.updated = now;
        true
    }

    /// Archives jobcode `id` **and its children, recursively**, as QBT
    /// does. False when unknown.
    pub fn archive_jobcode(&self, id: u64) -> bool {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        if !s.jobcodes.iter().any(|r| r.id == id) {
            return false;
        }
        let mut pending = vec![id];
        // Bounded: each jobcode is visited once.
        let mut seen = Vec::new();
        while let Some(current) = pending.pop() {
            if seen.contains(&current) || seen.len() > s.jobcodes.len() {
                continue;
            }
            seen.push(current);
            for r in &mut s.jobcodes {
                if r.id == current {
                    r.json.insert("active".into(), json!(false));
                    r.updated = now;
                }
                if number(r.json.get("parent_id")) == Some(current as f64) {
                    pending.push(r.id);
                }
            }
        }
        true
    }

    /// Inserts a timesheet (QBT's fields: `user_id`, `jobcode_id`, `type`,
    /// `start`, `end`, `date`, `duration`, `on_the_clock`, …) and returns
    /// its id.
    pub fn insert_timesheet(&self, timesheet: Value) -> u64 {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        s.next_id += 1;
        let id = s.next_id;
        let mut m = timesheet.as_object().cloned().unwrap_or_default();
        for (k, v) in [
            ("type", json!("regular")),
            ("on_the_clock", json!(false)),
            ("locked", json!(0)),
            ("notes", json!("")),
            ("customfields", json!("")),
            ("attached_files", json!([])),
            ("tz", json!(0)),
            ("tz_str", json!("tsUTC")),
            ("location", json!("")),
            ("start", json!("")),
            ("end", json!("")),
            ("duration", json!(0)),
        ] {
            m.entry(k).or_insert(v);
        }
        s.timesheets.push(Rec {
            id,
            json: m,
            created: now,
            updated: now,
        });
        id
    }

    /// Changes fields of timesheet `id`. False when unknown.
    pub fn edit_timesheet(&self, id: u64, fields: Value) -> bool {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        let Some(rec) = s.timesheets.iter_mut().find(|r| r.id == id) else {
            return false;
        };
        for (k, v) in fields.as_object().into_iter().flatten() {
            rec.json.insert(k.clone(), v.clone());
        }
        rec.updated = now;
        true
    }

    /// Deletes timesheet `id`: it leaves `timesheets` and shows in
    /// `timesheets_deleted`. False when unknown.
    pub fn delete_timesheet(&self, id: u64) -> bool {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        let Some(i) = s.timesheets.iter().position(|r| r.id == id) else {
            return false;
        };
        let mut rec = s.timesheets.remove(i);
        rec.updated = now;
        rec.json.insert("active".into(), json!("0"));
        s.deleted.push(rec);
        true
    }

    /// Every jobcode as QBT answers it, by id.
    #[must_use]
    pub fn jobcodes(&self) -> Vec<Value> {
        let s = lock(&self.state);
        s.jobcodes.iter().map(|r| s.show_jobcode(r)).collect()
    }
}

fn jobcode_defaults(mut m: Map<String, Value>) -> Map<String, Value> {
    for (k, v) in [
        ("parent_id", json!(0)),
        ("assigned_to_all", json!(false)),
        ("billable", json!(false)),
        ("active", json!(true)),
        ("type", json!("regular")),
        ("billable_rate", json!(0)),
        ("short_code", json!("")),
        ("required_customfields", json!([])),
        ("filtered_customfielditems", json!("")),
        ("locations", json!([])),
        ("connect_with_quickbooks", json!(false)),
    ] {
        m.entry(k).or_insert(v);
    }
    m
}

fn parent_of(r: &Rec) -> u64 {
    number(r.json.get("parent_id")).unwrap_or(0.0) as u64
}

fn flag(value: Option<&str>, default: &str) -> String {
    value.unwrap_or(default).to_ascii_lowercase()
}

fn wildcard(have: &str, pattern: &str) -> bool {
    let (h, p) = (have.to_lowercase(), pattern.to_lowercase());
    match (p.strip_prefix('*'), p.strip_suffix('*')) {
        (Some(x), Some(_)) => h.contains(x.trim_end_matches('*')),
        (Some(x), None) => h.ends_with(x),
        (None, Some(x)) => h.starts_with(x),
        (None, None) => h == p,
    }
}

fn id_list(v: Option<&str>) -> Option<Vec<u64>> {
    v.map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
}

impl State {
    fn push_jobcode(&mut self, json: Map<String, Value>, now: i64) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.jobcodes.push(Rec {
            id,
            json,
            created: now,
            updated: now,
        });
        id
    }

    fn show_jobcode(&self, r: &Rec) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(r.id));
        for (k, v) in &r.json {
            m.insert(k.clone(), v.clone());
        }
        m.insert(
            "has_children".into(),
            json!(self.jobcodes.iter().any(|c| parent_of(c) == r.id)),
        );
        m.insert(
            "last_modified".into(),
            json!(time::rfc3339(r.updated, 0, false)),
        );
        m.insert("created".into(), json!(time::rfc3339(r.created, 0, false)));
        Value::Object(m)
    }

    fn show_timesheet(r: &Rec) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(r.id));
        for (k, v) in &r.json {
            m.insert(k.clone(), v.clone());
        }
        m.insert(
            "last_modified".into(),
            json!(time::rfc3339(r.updated, 0, false)),
        );
        Value::Object(m)
    }

    /// One page of `items` (already filtered and ordered).
    fn page(req: &Req, key: &str, items: Vec<Value>) -> Answer {
        let page = req
            .query("page")
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let limit = req
            .query("limit")
            .or_else(|| req.query("per_page"))
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(MAX_LIMIT)
            .clamp(1, MAX_LIMIT);
        let total = items.len();
        let skip = (page - 1).saturating_mul(limit);
        let mut results = Map::new();
        for item in items.into_iter().skip(skip).take(limit) {
            let id = text(item.get("id")).unwrap_or_default();
            results.insert(id, item);
        }
        let mut body = Map::new();
        body.insert("results".into(), json!({ key: results }));
        body.insert("more".into(), json!(skip.saturating_add(limit) < total));
        if req.query("supplemental_data") != Some("no") {
            body.insert("supplemental_data".into(), json!({}));
        }
        Answer::json(200, &Value::Object(body))
    }

    fn modified_ok(req: &Req, r: &Rec) -> bool {
        let since = req.query("modified_since").and_then(time::parse_iso);
        let before = req.query("modified_before").and_then(time::parse_iso);
        since.is_none_or(|s| r.updated >= s) && before.is_none_or(|b| r.updated < b)
    }

    fn list_jobcodes(&self, req: &Req) -> Answer {
        let active = flag(req.query("active"), "yes");
        let kind = flag(req.query("type"), "regular");
        let ids = id_list(req.query("ids"));
        let parents = id_list(req.query("parent_ids"));
        let items = self
            .jobcodes
            .iter()
            .filter(|r| {
                let is_active = r
                    .json
                    .get("active")
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
                match active.as_str() {
                    "both" => true,
                    "no" | "false" => !is_active,
                    _ => is_active,
                }
            })
            .filter(|r| {
                kind == "all" || r.json.get("type").and_then(Value::as_str) == Some(kind.as_str())
            })
            .filter(|r| ids.as_ref().is_none_or(|ids| ids.contains(&r.id)))
            .filter(|r| parents.as_ref().is_none_or(|p| p.contains(&parent_of(r))))
            .filter(|r| {
                req.query("name").is_none_or(|n| {
                    wildcard(r.json.get("name").and_then(Value::as_str).unwrap_or(""), n)
                })
            })
            .filter(|r| Self::modified_ok(req, r))
            .map(|r| self.show_jobcode(r))
            .collect();
        Self::page(req, "jobcodes", items)
    }

    fn list_timesheets(&self, req: &Req, deleted: bool) -> Answer {
        let needed = ["ids", "start_date", "modified_since", "modified_before"];
        if needed.iter().all(|k| req.query(k).is_none()) {
            return error(417, "Expectation Failed: start_date is required");
        }
        let start = req.query("start_date").and_then(time::parse_iso);
        let end = req.query("end_date").and_then(time::parse_iso);
        let clock = flag(req.query("on_the_clock"), "no");
        let ids = id_list(req.query("ids"));
        let users = id_list(req.query("user_ids"));
        let jobs = id_list(req.query("jobcode_ids"));
        let recs = if deleted {
            &self.deleted
        } else {
            &self.timesheets
        };
        let mut picked: Vec<&Rec> = recs
            .iter()
            .filter(|r| {
                let date = r
                    .json
                    .get("date")
                    .and_then(Value::as_str)
                    .and_then(time::parse_iso);
                start.is_none_or(|s| date.is_some_and(|d| d >= s))
                    && end.is_none_or(|e| date.is_some_and(|d| d <= e))
            })
            .filter(|r| {
                let on = r
                    .json
                    .get("on_the_clock")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                deleted
                    || match clock.as_str() {
                        "both" => true,
                        "yes" | "true" => on,
                        _ => !on,
                    }
            })
            .filter(|r| ids.as_ref().is_none_or(|i| i.contains(&r.id)))
            .filter(|r| {
                users.as_ref().is_none_or(|u| {
                    u.contains(&(number(r.json.get("user_id")).unwrap_or(0.0) as u64))
                })
            })
            .filter(|r| {
                jobs.as_ref().is_none_or(|j| {
                    j.contains(&(number(r.json.get("jobcode_id")).unwrap_or(0.0) as u64))
                })
            })
            .filter(|r| Self::modified_ok(req, r))
            .collect();
        picked.sort_by_key(|r| r.id);
        let items = picked.into_iter().map(Self::show_timesheet).collect();
        Self::page(
            req,
            if deleted {
                "timesheets_deleted"
            } else {
                "timesheets"
            },
            items,
        )
    }

    fn create_jobcodes(&mut self, req: &Req, now: i64) -> Answer {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let Some(items) = body.get("data").and_then(Value::as_array) else {
            return error(
                417,
                "Expectation Failed: the body must be {\"data\": [...]}",
            );
        };
        if items.is_empty() || items.len() > MAX_BATCH {
            return error(
                417,
                "Expectation Failed: between 1 and 50 jobcodes may be created at once",
            );
        }
        let mut results = Map::new();
        for (i, item) in items.iter().enumerate() {
            let m = item.as_object().cloned().unwrap_or_default();
            let answer = self.create_one(m, now);
            results.insert((i + 1).to_string(), answer);
        }
        Answer::json(
            200,
            &json!({"results": {"jobcodes": results}, "supplemental_data": {}}),
        )
    }

    fn create_one(&mut self, m: Map<String, Value>, now: i64) -> Value {
        let name = m
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_owned();
        let refuse = |extra: &str| {
            json!({"_status_code": 417, "_status_message": "Expectation Failed",
                   "_status_extra": extra, "name": name})
        };
        if name.is_empty() {
            return refuse("Name is required");
        }
        if name.chars().count() > MAX_NAME {
            return refuse("Name may be at most 64 characters long");
        }
        let parent = number(m.get("parent_id")).unwrap_or(0.0) as u64;
        if parent != 0 && !self.jobcodes.iter().any(|r| r.id == parent) {
            return refuse("The parent jobcode does not exist");
        }
        let kind = m
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("regular")
            .to_owned();
        match kind.as_str() {
            "regular" => {}
            "pto" if parent == 0 => {}
            "pto" => return refuse("A pto jobcode must be top-level"),
            _ => return refuse("That type cannot be created through the API"),
        }
        let siblings: Vec<&Rec> = self
            .jobcodes
            .iter()
            .filter(|r| parent_of(r) == parent)
            .collect();
        if let Some(same) = siblings.iter().find(|r| {
            r.json
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| same_name(n, &name))
        }) {
            if same.json.get("type").and_then(Value::as_str) == Some(kind.as_str()) {
                let mut v = self.show_jobcode(same);
                if let Value::Object(o) = &mut v {
                    o.insert("_status_code".into(), json!(202));
                    o.insert("_status_message".into(), json!("Accepted"));
                    o.insert(
                        "_status_extra".into(),
                        json!("A jobcode with that parent, name and type exists"),
                    );
                }
                return v;
            }
            return refuse("That name is already in use");
        }
        let short = m.get("short_code").and_then(Value::as_str).unwrap_or("");
        if !short.is_empty() {
            if !short.chars().all(|c| c.is_ascii_alphanumeric()) {
                return refuse("A short code may hold letters and numbers only");
            }
            if siblings.iter().any(|r| {
                r.json
                    .get("short_code")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case(short))
            }) {
                return refuse("That Short Code is already in use");
            }
        }
        let mut stored = m.clone();
        stored.remove("id");
        stored.insert("name".into(), json!(name));
        stored.insert("parent_id".into(), json!(parent));
        let id = self.push_jobcode(jobcode_defaults(stored), now);
        let mut v = self
            .jobcodes
            .iter()
            .find(|r| r.id == id)
            .map(|r| self.show_jobcode(r))
            .unwrap_or(Value::Null);
        if let Value::Object(o) = &mut v {
            o.insert("_status_code".into(), json!(200));
            o.insert("_status_message".into(), json!("Created"));
        }
        v
    }
}

impl Ledger for State {
    fn unauthorized(&self, _now: i64) -> Answer {
        error(401, "Unauthorized: the access token is not valid.")
    }

    fn throttled(&self, _now: i64, throttle: Throttle) -> Answer {
        error(429, "Too Many Requests")
            .with_header("retry-after", throttle.retry_after_secs.to_string())
    }

    fn handle(&mut self, req: &Req, now: i64) -> Answer {
        let Some(resource) = req.path.strip_prefix("/api/v1/") else {
            return error(404, "Not Found");
        };
        match (req.method.as_str(), resource.trim_end_matches('/')) {
            ("GET", "jobcodes") => self.list_jobcodes(req),
            ("POST", "jobcodes") => self.create_jobcodes(req, now),
            ("GET", "timesheets") => self.list_timesheets(req, false),
            ("GET", "timesheets_deleted") => self.list_timesheets(req, true),
            _ => error(404, "Not Found"),
        }
    }

    fn intuit_tokens(&self) -> bool {
        true
    }
}
