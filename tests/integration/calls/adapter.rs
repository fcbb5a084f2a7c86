//! The guide's Xero contacts adapter (`src/guide/xero_adapter.rs`, included
//! word for word) run through the driver against a fake Xero that answers
//! the codec's requests as Xero does: a first connection, change listings
//! with `If-Modified-Since`, a local edit pushed, a create whose answer is
//! lost and re-sent under its idempotency key, an expired access token
//! refreshed mid-run, and a refused one ending as a disconnection (E3).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use ledgerlink::Profile;
use ledgerlink::driver::{Driver, RunOutcome};
use ledgerlink::model::Contact;
use ledgerlink::sync::{ConnectionConfig, Decision, SyncState, Trigger};
use ledgerlink::testing::{MemoryStore, block_on};
use ledgerlink::wire::{Method, Request, format_http_date, parse_http_date, xero};
use serde_json::{Value, json};

use crate::support::time::t0;

#[allow(dead_code, unreachable_pub)]
mod guide {
    include!("../../../src/guide/xero_adapter.rs");
}

const TENANT: &str = "0c2c5f1e-1b9a-4e43-9f3e-5d2a7c1b9e10";

/// What the fake Xero holds: contacts by `ContactID`, the idempotency keys
/// it has seen, its clock, the access token it accepts, and a log of the
/// requests it answered.
#[derive(Default)]
struct Ledger {
    now_ms: i64,
    contacts: BTreeMap<String, Value>,
    keys: HashMap<String, String>,
    valid_token: String,
    issued: usize,
    refuse_refresh: bool,
    lose_next_write_answer: bool,
    log: Vec<String>,
}

impl Ledger {
    fn stamp(&mut self) -> String {
        self.now_ms += 1_000;
        format!("/Date({}+0000)/", self.now_ms)
    }

    fn add(&mut self, mut c: Value) -> String {
        let n = self.contacts.len() + 1;
        let id = format!("{n:08x}-0000-4000-8000-{n:012x}");
        c["ContactID"] = json!(id);
        c["ContactStatus"] = json!("ACTIVE");
        c["UpdatedDateUTC"] = json!(self.stamp());
        self.contacts.insert(id.clone(), c);
        id
    }

    fn edit(&mut self, id: &str, field: &str, value: &str) {
        let stamp = self.stamp();
        let c = self.contacts.get_mut(id).unwrap();
        c[field] = json!(value);
        c["UpdatedDateUTC"] = json!(stamp);
    }

    fn page(&mut self, r: &Request) -> (u16, Vec<u8>) {
        let since = r
            .header("If-Modified-Since")
            .map(|h| parse_http_date(h).unwrap().timestamp_millis());
        let page: usize = r.query_value("page").unwrap().parse().unwrap();
        let size: usize = r.query_value("pageSize").unwrap().parse().unwrap();
        assert_eq!(r.query_value("includeArchived"), Some("true"));
        let listed: Vec<&Value> = self
            .contacts
            .values()
            .filter(|c| since.is_none_or(|s| updated_ms(c) > s))
            .collect();
        let body = json!({
            "Id": "fake", "Status": "OK", "ProviderName": "ledgerlink tests",
            "DateTimeUTC": format!("/Date({})/", self.now_ms),
            "pagination": {"page": page, "pageSize": size,
                           "pageCount": listed.len().div_ceil(size), "itemCount": listed.len()},
            "Contacts": listed.iter().skip((page - 1) * size).take(size).collect::<Vec<_>>(),
        });
        (200, body.to_string().into_bytes())
    }

    fn write(&mut self, r: &Request) -> (u16, Vec<u8>) {
        let body: Value = serde_json::from_str(&r.body).unwrap();
        let fields = body["Contacts"][0].clone();
        let id = match (r.method, r.path.strip_prefix("Contacts/")) {
            (Method::Put, None) => {
                let key = r.header("Idempotency-Key").unwrap().to_owned();
                if let Some(id) = self.keys.get(&key) {
                    id.clone()
                } else {
                    let name = fields["Name"].as_str().unwrap_or_default();
                    if self.contacts.values().any(|c| c["Name"] == name) {
                        return (400, duplicate_name(name));
                    }
                    let id = self.add(fields);
                    self.keys.insert(key, id.clone());
                    id
                }
            }
            (Method::Post, Some(id)) => {
                let Some(c) = self.contacts.get_mut(id) else {
                    return (
                        404,
                        b"The resource you're looking for cannot be found".to_vec(),
                    );
                };
                for (k, v) in fields.as_object().unwrap() {
                    c[k] = v.clone();
                }
                let stamp = self.stamp();
                self.contacts.get_mut(id).unwrap()["UpdatedDateUTC"] = json!(stamp);
                id.to_owned()
            }
            other => panic!("unexpected write {other:?}"),
        };
        let answer = json!({"Id": "fake", "Status": "OK", "Contacts": [self.contacts[&id]]});
        (200, answer.to_string().into_bytes())
    }
}

fn updated_ms(c: &Value) -> i64 {
    let s = c["UpdatedDateUTC"].as_str().unwrap();
    s["/Date(".len()..s.find('+').unwrap()].parse().unwrap()
}

fn duplicate_name(name: &str) -> Vec<u8> {
    json!({"ErrorNumber": 10, "Type": "ValidationException",
           "Message": "A validation exception occurred",
           "Elements": [{"Name": name, "ValidationErrors": [{"Message":
               format!("The contact name {name} is already assigned to another contact. The contact name must be unique across all active contacts.")}]}]})
    .to_string()
    .into_bytes()
}

#[derive(Clone, Default)]
struct FakeXero(Arc<Mutex<Ledger>>);

#[async_trait::async_trait]
impl guide::Http for FakeXero {
    async fn send(
        &self,
        url: &str,
        req: &Request,
        token: &str,
    ) -> Result<(u16, Vec<(String, String)>, Vec<u8>), String> {
        let mut x = self.0.lock().unwrap();
        assert_eq!(url, req.url(xero::API_BASE));
        assert_eq!(req.header("xero-tenant-id"), Some(TENANT));
        assert_eq!(req.header("Accept"), Some("application/json"));
        x.now_ms += 250;
        x.log.push(format!(
            "{} {}{}",
            req.method,
            req.path,
            req.header("If-Modified-Since")
                .map(|_| " (If-Modified-Since)")
                .unwrap_or_default()
        ));
        let date = DateTime::<Utc>::from_timestamp_millis(x.now_ms).unwrap();
        let headers = vec![
            ("Date".to_owned(), format_http_date(date)),
            (
                "Content-Type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            ),
        ];
        if token != x.valid_token {
            let body = br#"{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"TokenExpired: token expired","Instance":"f0e1","Extensions":{}}"#;
            return Ok((401, headers, body.to_vec()));
        }
        let (status, body) = match req.method {
            Method::Get => x.page(req),
            Method::Put | Method::Post => {
                let answer = x.write(req);
                if std::mem::take(&mut x.lose_next_write_answer) {
                    return Err("connection reset while reading the answer".into());
                }
                answer
            }
        };
        Ok((status, headers, body))
    }
}

/// The service's token source: the token it holds, and a refresh that asks
/// the fake's authorisation server for the token it accepts now.
struct Tokens {
    xero: FakeXero,
    held: Mutex<String>,
}

#[async_trait::async_trait]
impl guide::Tokens for Tokens {
    async fn access_token(&self, refresh: bool) -> Result<String, ledgerlink::ports::AdapterError> {
        let mut held = self.held.lock().unwrap();
        if refresh {
            let mut x = self.xero.0.lock().unwrap();
            if x.refuse_refresh {
                return Err(ledgerlink::ports::AdapterError::Authentication {
                    message: "invalid_grant".into(),
                });
            }
            x.issued += 1;
            held.clone_from(&x.valid_token);
        }
        Ok(held.clone())
    }
}

#[test]
fn the_guides_xero_adapter_connects_a_firm_through_the_driver() {
    let xero = FakeXero::default();
    let (acme, bloggs) = {
        let mut x = xero.0.lock().unwrap();
        x.now_ms = t0().timestamp_millis();
        x.valid_token = "token-1".into();
        let acme = x.add(json!({"Name": "Acme Ltd", "EmailAddress": "ap@acme.test"}));
        let bloggs = x.add(json!({"Name": "Bloggs Trust", "EmailAddress": "fred@bloggs.test"}));
        (acme, bloggs)
    };
    let remote = guide::XeroContacts {
        http: xero.clone(),
        tokens: Tokens {
            xero: xero.clone(),
            held: Mutex::new("token-1".into()),
        },
        calls: xero::Calls::new(TENANT),
    };
    let local = MemoryStore::local().with_contacts([
        Contact::organization("K1", "Acme Ltd").with_email("ap@acme.test"),
        Contact::person("K2", "Jane", "Smith").with_email("jane@smith.test"),
    ]);
    let config = ConnectionConfig::new(Profile::XeroGl);
    let driver = Driver::new(&config, &local, &remote).with_change_listings(true);
    let mut state = SyncState::new();
    let quiet = |state: &mut SyncState, decisions: &[Decision]| {
        let reports = block_on(driver.run_until_quiet(state, decisions, t0(), 6)).unwrap();
        assert_eq!(
            reports.last().unwrap().outcome,
            RunOutcome::Quiet,
            "{reports:#?}"
        );
    };

    // First connection: Acme matched (M1), Bloggs Trust created locally (M3).
    quiet(&mut state, &[]);
    assert_eq!(state.link_of_remote(&acme).unwrap().local_id.as_str(), "K1");
    let bloggs_local = state.link_of_remote(&bloggs).unwrap().local_id.clone();
    assert_eq!(local.get(&bloggs_local).unwrap().label(), "Bloggs Trust");
    assert!(state.remote_cursor.is_some());

    // A change in Xero is read through the change feed.
    xero.0.lock().unwrap().log.clear();
    xero.0
        .lock()
        .unwrap()
        .edit(&bloggs, "EmailAddress", "trustee@bloggs.test");
    quiet(&mut state, &[]);
    assert_eq!(
        local.get(&bloggs_local).unwrap().billing_email(),
        Some("trustee@bloggs.test")
    );
    let log = xero.0.lock().unwrap().log.clone();
    assert!(
        log.iter().all(|l| l == "GET Contacts (If-Modified-Since)"),
        "{log:?}"
    );

    // A local edit is pushed to Xero (POST Contacts/{id}).
    local.edit("K1", |c| c.emails[0].address = "billing@acme.test".into());
    quiet(&mut state, &[]);
    assert_eq!(
        xero.0.lock().unwrap().contacts[&acme]["EmailAddress"],
        "billing@acme.test"
    );

    // Jane is created in Xero on request (P1); the answer is lost, the
    // create is re-sent under its key, and Xero keeps one record.
    xero.0.lock().unwrap().lose_next_write_answer = true;
    let push = [Decision::CreateRemote {
        local_id: "K2".into(),
    }];
    let r = block_on(driver.run(&mut state, &push, Trigger::Manual, t0())).unwrap();
    assert_eq!(state.in_flight().len(), 1, "{r:#?}");
    quiet(&mut state, &[]);
    let janes: Vec<String> = {
        let x = xero.0.lock().unwrap();
        x.contacts
            .iter()
            .filter(|(_, c)| c["Name"] == "Jane Smith")
            .map(|(id, _)| id.clone())
            .collect()
    };
    assert_eq!(janes.len(), 1, "one Jane Smith in Xero");
    assert_eq!(
        state.link_of_remote(&janes[0]).unwrap().local_id.as_str(),
        "K2"
    );

    // The access token expires mid-connection: refreshed once, the run
    // completes.
    {
        let mut x = xero.0.lock().unwrap();
        x.valid_token = "token-2".into();
        x.edit(&acme, "EmailAddress", "accounts@acme.test");
    }
    quiet(&mut state, &[]);
    assert_eq!(xero.0.lock().unwrap().issued, 1);
    assert_eq!(
        local.get("K1").unwrap().billing_email(),
        Some("accounts@acme.test")
    );

    // The firm revokes the app: the refresh is refused, and the connection
    // is disconnected until reconnected (E3).
    {
        let mut x = xero.0.lock().unwrap();
        x.valid_token = "token-3".into();
        x.refuse_refresh = true;
    }
    let r = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(r.outcome, RunOutcome::Disconnected);
    assert!(state.is_disconnected());
}
