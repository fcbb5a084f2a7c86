//! The Xero Practice Manager fake (`/practicemanager/3.1/…`, XML).
//!
//! # Honoured
//! - `xero-tenant-id` on every call (missing or another: a 403 problem
//!   answer, as Xero's gateway gives).
//! - `GET client.api/list` — every client, **archived and deleted ones
//!   included** (`IsArchived` / `IsDeleted` `Yes`); `detailed=true` adds
//!   each client's contacts (with `IsPrimary` and `Position`);
//!   `modifiedsince=yyyy-MM-ddTHH:mm:ss` (UTC) keeps the clients changed at
//!   or after it. Editing a contact does **not** mark its clients modified.
//! - `GET client.api/get/{uuid}`, `GET client.api/contact/{uuid}`.
//! - `POST client.api/add` (`<Client>` with a `Name`; duplicate names are
//!   allowed), `PUT client.api/update` (`<Client><UUID>` and `Name`; the
//!   other elements given replace the stored ones), `PUT client.api/archive`,
//!   `POST client.api/delete`.
//! - `POST client.api/contact` (`<Contact>` with a `Name` and
//!   `<Client><UUID>`), `PUT client.api/contact/{uuid}` (`Name` needed),
//!   `POST client.api/client/{uuid}/contacts` (at most 10 `<Contact>`s:
//!   with a `UUID` an existing contact is linked, without one a new contact
//!   is made and linked).
//! - Booleans `Yes` / `No`; `WebSite` written, `Website` read; the tax
//!   number read back masked (`******123`); answers
//!   `<Response api-method="…"><Status>OK</Status>…</Response>`; refusals
//!   are `<Status>ERROR</Status><ErrorDescription>…` inside HTTP 200, as
//!   XPM sends them. A 401 is the gateway's JSON problem body
//!   (`TokenExpired`); a 429 carries `Retry-After`.
//!
//! # Not honoured
//! `paged-list`, `search`, groups, notes, relationships, custom fields,
//! staff (`AccountManager`, `JobManager`), JSON answers, and the
//! practice-configured business structures (any text is kept).

use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::json::uuid;
use crate::server::{self, Answer, Controls, FakeError, Ledger, Req, Running, Throttle, lock};
use crate::time;
use crate::xml::{self, Element, escape, push_text};

const PREFIX: &str = "/practicemanager/3.1/";
const MAX_LINKS: usize = 10;
/// Elements of a client's body that are not plain fields.
const STRUCTURED: [&str; 10] = [
    "UUID",
    "ID",
    "Contacts",
    "Notes",
    "Groups",
    "Relationships",
    "AccountManager",
    "JobManager",
    "Type",
    "BillingClient",
];
const CONTACT_FIELDS: [&str; 6] = [
    "Name",
    "Salutation",
    "Addressee",
    "Mobile",
    "Email",
    "Phone",
];

#[derive(Debug, Clone)]
struct Link {
    contact: String,
    primary: bool,
    position: String,
}

#[derive(Debug, Clone)]
struct Client {
    uuid: String,
    fields: Vec<(String, String)>,
    archived: bool,
    deleted: bool,
    prospect: bool,
    modified: i64,
    links: Vec<Link>,
}

#[derive(Debug, Clone)]
struct Person {
    uuid: String,
    fields: Vec<(String, String)>,
    modified: i64,
}

/// The fake practice's records.
#[derive(Debug)]
pub(crate) struct State {
    tenant_id: String,
    clients: Vec<Client>,
    contacts: Vec<Person>,
    next: u64,
}

/// A fake XPM practice behind a local HTTP server. See the [module
/// docs](self) for what it honours.
pub struct XpmFake {
    controls: Controls,
    state: Arc<Mutex<State>>,
    _running: Running,
}

impl std::fmt::Debug for XpmFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XpmFake")
            .field("controls", &self.controls)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for XpmFake {
    type Target = Controls;
    fn deref(&self) -> &Controls {
        &self.controls
    }
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(k, _)| k == name) {
        Some(slot) => slot.1 = value.to_owned(),
        None => fields.push((name.to_owned(), value.to_owned())),
    }
}

fn get<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn yes(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

impl XpmFake {
    /// Starts the fake on 127.0.0.1 (a free port) for the practice with
    /// tenant id `tenant_id`; access tokens from its token endpoint last
    /// 1800 s of its clock.
    ///
    /// # Errors
    /// [`FakeError::Start`] when no port or thread could be had.
    pub fn start(tenant_id: &str) -> Result<Self, FakeError> {
        let state = Arc::new(Mutex::new(State {
            tenant_id: tenant_id.to_owned(),
            clients: Vec::new(),
            contacts: Vec::new(),
            next: 0,
        }));
        let (controls, running) =
            server::start(state.clone(), "xero", 1800, server::XERO_TOKEN_PATH)?;
        Ok(Self {
            controls,
            state,
            _running: running,
        })
    }

    /// `http://127.0.0.1:<port>/practicemanager/3.1`: the base the request
    /// paths (`client.api/list`, …) go under.
    #[must_use]
    pub fn api_base(&self) -> String {
        format!("{}/practicemanager/3.1", self.base_url())
    }

    /// The tenant id the fake expects in `xero-tenant-id`.
    #[must_use]
    pub fn tenant_id(&self) -> String {
        lock(&self.state).tenant_id.clone()
    }

    /// Inserts a client with `fields` (`("Name", "Jo Bloggs")`,
    /// `("Email", …)`, `("BusinessStructure", "Individual")`, …) and returns
    /// its UUID.
    pub fn insert_client(&self, fields: &[(&str, &str)]) -> String {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        let id = s.new_id(0xc1);
        let fields = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        s.clients.push(Client {
            uuid: id.clone(),
            fields,
            archived: false,
            deleted: false,
            prospect: false,
            modified: now,
            links: Vec::new(),
        });
        id
    }

    /// Inserts a contact with `fields` (`Name`, `Email`, `Mobile`, …) linked
    /// to `client` (as its primary contact when `primary`) and returns its
    /// UUID; `None` when the client is unknown.
    pub fn insert_contact(
        &self,
        client: &str,
        fields: &[(&str, &str)],
        primary: bool,
    ) -> Option<String> {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        let index = s.clients.iter().position(|c| c.uuid == client)?;
        let id = s.new_id(0xc2);
        let fields = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        s.contacts.push(Person {
            uuid: id.clone(),
            fields,
            modified: now,
        });
        s.clients[index].links.push(Link {
            contact: id.clone(),
            primary,
            position: String::new(),
        });
        Some(id)
    }

    /// Sets fields of client `uuid` as if edited in the web app; its
    /// modified time moves to the fake's clock. False when unknown.
    pub fn edit_client(&self, uuid: &str, fields: &[(&str, &str)]) -> bool {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        let Some(c) = s.clients.iter_mut().find(|c| c.uuid == uuid) else {
            return false;
        };
        for (k, v) in fields {
            set(&mut c.fields, k, v);
        }
        c.modified = now;
        true
    }

    /// Archives client `uuid`. False when unknown.
    pub fn archive_client(&self, uuid: &str) -> bool {
        self.flag(uuid, |c| c.archived = true)
    }

    /// Deletes client `uuid` (it stays listed with `IsDeleted` `Yes`).
    /// False when unknown.
    pub fn delete_client(&self, uuid: &str) -> bool {
        self.flag(uuid, |c| c.deleted = true)
    }

    fn flag(&self, uuid: &str, f: impl FnOnce(&mut Client)) -> bool {
        let now = self.now_ms();
        let mut s = lock(&self.state);
        let Some(c) = s.clients.iter_mut().find(|c| c.uuid == uuid) else {
            return false;
        };
        f(c);
        c.modified = now;
        true
    }

    /// Client `uuid` as `client.api/get` answers it (the `<Client>` element).
    #[must_use]
    pub fn client_xml(&self, uuid: &str) -> Option<String> {
        let s = lock(&self.state);
        s.clients
            .iter()
            .find(|c| c.uuid == uuid)
            .map(|c| s.render_client(c, true))
    }

    /// How many clients the practice has, archived and deleted ones included.
    #[must_use]
    pub fn client_count(&self) -> usize {
        lock(&self.state).clients.len()
    }
}

fn ok(method: &str, inner: &str) -> Answer {
    Answer::xml(
        200,
        format!("<Response api-method=\"{method}\"><Status>OK</Status>{inner}</Response>"),
    )
}

fn refuse(description: &str) -> Answer {
    Answer::xml(
        200,
        format!(
            "<Response><Status>ERROR</Status><ErrorDescription>{}</ErrorDescription></Response>",
            escape(description)
        ),
    )
}

/// The plain (leaf) fields of a body element.
fn leaf_fields(el: &Element, skip: &[&str]) -> Vec<(String, String)> {
    el.children
        .iter()
        .filter(|c| c.children.is_empty() && !skip.contains(&c.name.as_str()))
        .map(|c| {
            let name = if c.name == "WebSite" {
                "Website".to_owned()
            } else {
                c.name.clone()
            };
            (name, c.text.clone())
        })
        .collect()
}

impl State {
    fn new_id(&mut self, kind: u32) -> String {
        self.next += 1;
        uuid(kind, self.next)
    }

    fn render_contact(p: &Person, link: Option<&Link>) -> String {
        let mut out = String::from("<Contact>");
        push_text(&mut out, "UUID", &p.uuid);
        for k in CONTACT_FIELDS {
            push_text(&mut out, k, get(&p.fields, k).unwrap_or(""));
        }
        if let Some(l) = link {
            push_text(&mut out, "Position", &l.position);
            push_text(&mut out, "IsPrimary", yes(l.primary));
        }
        out.push_str("</Contact>");
        out
    }

    fn render_client(&self, c: &Client, detailed: bool) -> String {
        let mut out = String::from("<Client>");
        push_text(&mut out, "UUID", &c.uuid);
        for (k, v) in &c.fields {
            if k == "TaxNumber" && !v.is_empty() {
                let tail: String = v
                    .chars()
                    .rev()
                    .take(3)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                push_text(&mut out, k, &format!("******{tail}"));
            } else if k == "IsProspect" {
                continue;
            } else {
                push_text(&mut out, k, v);
            }
        }
        push_text(&mut out, "IsProspect", yes(c.prospect));
        push_text(&mut out, "IsArchived", yes(c.archived));
        push_text(&mut out, "IsDeleted", yes(c.deleted));
        if detailed {
            out.push_str("<Contacts>");
            for l in &c.links {
                if let Some(p) = self.contacts.iter().find(|p| p.uuid == l.contact) {
                    out.push_str(&Self::render_contact(p, Some(l)));
                }
            }
            out.push_str("</Contacts><Notes /><Groups />");
        }
        out.push_str("</Client>");
        out
    }

    fn list(&self, req: &Req) -> Answer {
        let detailed = req
            .query("detailed")
            .is_some_and(|d| d.eq_ignore_ascii_case("true"));
        let since = match req.query("modifiedsince") {
            Some(t) => match time::parse_iso(t) {
                Some(ms) => Some(ms),
                None => return refuse("modifiedsince must be yyyy-MM-ddTHH:mm:ss"),
            },
            None => None,
        };
        let mut out = String::from("<Clients>");
        for c in self
            .clients
            .iter()
            .filter(|c| since.is_none_or(|s| c.modified >= s))
        {
            out.push_str(&self.render_client(c, detailed));
        }
        out.push_str("</Clients>");
        ok("List", &out)
    }

    fn body(req: &Req, root: &str) -> Result<Element, Answer> {
        let el = xml::parse(&req.body_text())
            .map_err(|e| refuse(&format!("The XML could not be read: {e}")))?;
        if el.name != root {
            return Err(refuse(&format!("The body must be a <{root}> element")));
        }
        Ok(el)
    }

    fn add_client(&mut self, req: &Req, now: i64) -> Answer {
        let el = match Self::body(req, "Client") {
            Ok(el) => el,
            Err(a) => return a,
        };
        if el.child_text("Name").is_none_or(|n| n.trim().is_empty()) {
            return refuse("Name is required");
        }
        let fields = leaf_fields(&el, &STRUCTURED);
        let prospect = get(&fields, "IsProspect").is_some_and(|v| v.eq_ignore_ascii_case("yes"));
        let id = self.new_id(0xc1);
        let client = Client {
            uuid: id,
            fields,
            archived: false,
            deleted: false,
            prospect,
            modified: now,
            links: Vec::new(),
        };
        let text = self.render_client(&client, true);
        self.clients.push(client);
        ok("Add", &text)
    }

    fn update_client(&mut self, req: &Req, now: i64) -> Answer {
        let el = match Self::body(req, "Client") {
            Ok(el) => el,
            Err(a) => return a,
        };
        let uuid = el.child_text("UUID").unwrap_or("").trim().to_owned();
        let Some(index) = self.clients.iter().position(|c| c.uuid == uuid) else {
            return refuse(&format!("Client {uuid} not found"));
        };
        if el.child_text("Name").is_none_or(|n| n.trim().is_empty()) {
            return refuse("Name is required");
        }
        let c = &mut self.clients[index];
        for (k, v) in leaf_fields(&el, &STRUCTURED) {
            if k == "IsProspect" {
                c.prospect = v.eq_ignore_ascii_case("yes");
            }
            set(&mut c.fields, &k, &v);
        }
        c.modified = now;
        let c = c.clone();
        ok("Update", &self.render_client(&c, true))
    }

    fn flag_client(&mut self, req: &Req, now: i64, delete: bool) -> Answer {
        let el = match Self::body(req, "Client") {
            Ok(el) => el,
            Err(a) => return a,
        };
        let uuid = el.child_text("UUID").unwrap_or("").trim().to_owned();
        let Some(c) = self.clients.iter_mut().find(|c| c.uuid == uuid) else {
            return refuse(&format!("Client {uuid} not found"));
        };
        if delete {
            c.deleted = true;
        } else {
            c.archived = true;
        }
        c.modified = now;
        ok(if delete { "Delete" } else { "Archive" }, "")
    }

    fn contact_fields(el: &Element) -> Vec<(String, String)> {
        leaf_fields(el, &["UUID", "IsPrimary", "Position"])
            .into_iter()
            .filter(|(k, _)| CONTACT_FIELDS.contains(&k.as_str()))
            .collect()
    }

    fn add_contact(&mut self, req: &Req, now: i64) -> Answer {
        let el = match Self::body(req, "Contact") {
            Ok(el) => el,
            Err(a) => return a,
        };
        let client = el
            .child("Client")
            .and_then(|c| c.child_text("UUID"))
            .unwrap_or("")
            .trim()
            .to_owned();
        let Some(index) = self.clients.iter().position(|c| c.uuid == client) else {
            return refuse(&format!("Client {client} not found"));
        };
        if el.child_text("Name").is_none_or(|n| n.trim().is_empty()) {
            return refuse("Name is required");
        }
        let id = self.new_id(0xc2);
        let person = Person {
            uuid: id.clone(),
            fields: Self::contact_fields(&el),
            modified: now,
        };
        let link = Link {
            contact: id,
            primary: el
                .child_text("IsPrimary")
                .is_some_and(|v| v.eq_ignore_ascii_case("yes")),
            position: el.child_text("Position").unwrap_or("").to_owned(),
        };
        let text = Self::render_contact(&person, Some(&link));
        self.contacts.push(person);
        self.clients[index].links.push(link);
        ok("Add", &text)
    }

    fn update_contact(&mut self, req: &Req, now: i64, uuid: &str) -> Answer {
        let el = match Self::body(req, "Contact") {
            Ok(el) => el,
            Err(a) => return a,
        };
        let Some(p) = self.contacts.iter_mut().find(|p| p.uuid == uuid) else {
            return refuse(&format!("Contact {uuid} not found"));
        };
        if el.child_text("Name").is_none_or(|n| n.trim().is_empty()) {
            return refuse("Name is required");
        }
        for (k, v) in Self::contact_fields(&el) {
            set(&mut p.fields, &k, &v);
        }
        p.modified = now;
        ok("Update", &Self::render_contact(p, None))
    }

    fn link_contacts(&mut self, req: &Req, now: i64, client: &str) -> Answer {
        let text = req.body_text();
        let el = match xml::parse(&text) {
            Ok(el) => el,
            Err(e) => return refuse(&format!("The XML could not be read: {e}")),
        };
        let list = if el.name == "Contacts" {
            Some(&el)
        } else {
            el.child("Contacts")
        };
        let items: Vec<&Element> = list
            .map(|l| l.children.iter().filter(|c| c.name == "Contact").collect())
            .unwrap_or_default();
        if items.is_empty() {
            return refuse("No contacts were given");
        }
        if items.len() > MAX_LINKS {
            return refuse("At most 10 contacts may be added at once");
        }
        let Some(index) = self.clients.iter().position(|c| c.uuid == client) else {
            return refuse(&format!("Client {client} not found"));
        };
        for item in &items {
            if let Some(u) = item.child_text("UUID")
                && !self.contacts.iter().any(|p| p.uuid == u.trim())
            {
                return refuse(&format!("Contact {} not found", u.trim()));
            }
            if item.child_text("UUID").is_none()
                && item.child_text("Name").is_none_or(|n| n.trim().is_empty())
            {
                return refuse("Name is required");
            }
        }
        for item in items {
            let id = match item.child_text("UUID") {
                Some(u) => u.trim().to_owned(),
                None => {
                    let id = self.new_id(0xc2);
                    self.contacts.push(Person {
                        uuid: id.clone(),
                        fields: Self::contact_fields(item),
                        modified: now,
                    });
                    id
                }
            };
            let links = &mut self.clients[index].links;
            if !links.iter().any(|l| l.contact == id) {
                links.push(Link {
                    contact: id,
                    primary: item
                        .child_text("IsPrimary")
                        .is_some_and(|v| v.eq_ignore_ascii_case("yes")),
                    position: item.child_text("Position").unwrap_or("").to_owned(),
                });
            }
        }
        let c = self.clients[index].clone();
        ok("Add", &self.render_client(&c, true))
    }
}

impl Ledger for State {
    fn unauthorized(&self, now: i64) -> Answer {
        Answer::json(
            401,
            &json!({"Type": null, "Title": "Unauthorized", "Status": 401,
            "Detail": format!("TokenExpired: token expired at {}", time::naive(now)),
            "Instance": uuid(0xf1, now as u64), "Extensions": {}}),
        )
    }

    fn throttled(&self, _now: i64, throttle: Throttle) -> Answer {
        Answer::empty(429)
            .with_header("retry-after", throttle.retry_after_secs.to_string())
            .with_header("x-rate-limit-problem", throttle.problem())
    }

    fn handle(&mut self, req: &Req, now: i64) -> Answer {
        let Some(rest) = req.path.strip_prefix(PREFIX) else {
            return Answer::empty(404);
        };
        if req.header("xero-tenant-id") != Some(self.tenant_id.as_str()) {
            return Answer::json(
                403,
                &json!({"Type": null, "Title": "Forbidden", "Status": 403,
                "Detail": "AuthorizationUnsuccessful", "Instance": uuid(0xf0, now as u64), "Extensions": {}}),
            );
        }
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        match (req.method.as_str(), segments.as_slice()) {
            ("GET", ["client.api", "list"]) => self.list(req),
            ("GET", ["client.api", "get", id]) => match self.clients.iter().find(|c| c.uuid == *id)
            {
                Some(c) => ok("Get", &self.render_client(c, true)),
                None => refuse(&format!("Client {id} not found")),
            },
            ("GET", ["client.api", "contact", id]) => {
                match self.contacts.iter().find(|p| p.uuid == *id) {
                    Some(p) => ok("Get", &Self::render_contact(p, None)),
                    None => refuse(&format!("Contact {id} not found")),
                }
            }
            ("POST", ["client.api", "add"]) => self.add_client(req, now),
            ("PUT", ["client.api", "update"]) => self.update_client(req, now),
            ("PUT", ["client.api", "archive"]) => self.flag_client(req, now, false),
            ("POST", ["client.api", "delete"]) => self.flag_client(req, now, true),
            ("POST", ["client.api", "contact"]) => self.add_contact(req, now),
            ("PUT", ["client.api", "contact", id]) => self.update_contact(req, now, id),
            ("POST", ["client.api", "client", id, "contacts"]) => self.link_contacts(req, now, id),
            _ => Answer::empty(404),
        }
    }

    fn intuit_tokens(&self) -> bool {
        false
    }
}
