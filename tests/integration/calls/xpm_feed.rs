//! XPM's change feed over a fake XPM: clients written between listings
//! (in the same second as a listing too), a gateway `Date` that runs ahead
//! of or behind the database's clock, and a last listing after which the
//! caller's view holds every client as XPM does — nothing lost.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use ledgerlink::model::{Contact, ContactStatus};
use ledgerlink::wire::xpm::{CHANGES_OVERLAP_SECS, Calls};
use ledgerlink::wire::{Method, Request, Response, format_http_date};
use proptest::prelude::*;

/// A client of the fake XPM.
#[derive(Debug, Clone)]
struct FakeClient {
    name: String,
    archived: bool,
    deleted: bool,
    /// The database's time of the last write, in whole seconds.
    modified: i64,
}

/// A fake XPM: clients, a database clock, and a gateway whose `Date` runs
/// `skew` seconds off the database's.
struct FakeXpm {
    clients: BTreeMap<String, FakeClient>,
    now: i64,
    skew: i64,
    next: u32,
}

const EPOCH: i64 = 1_796_551_200; // 2026-12-06T10:00:00Z

impl FakeXpm {
    fn write(&mut self, id: &str, f: impl FnOnce(&mut FakeClient)) {
        let now = self.now;
        if let Some(c) = self.clients.get_mut(id) {
            f(c);
            c.modified = now;
        }
    }

    fn create(&mut self, name: String) {
        self.next += 1;
        let id = format!("c{:04}", self.next);
        self.clients.insert(
            id,
            FakeClient {
                name,
                archived: false,
                deleted: false,
                modified: self.now,
            },
        );
    }

    /// `GET client.api/list?detailed=true[&modifiedsince=…]`: the clients
    /// modified strictly after `modifiedsince` (a second's granularity).
    fn answer(&self, r: &Request) -> (Vec<u8>, String) {
        assert_eq!(
            (r.method, r.path.as_str()),
            (Method::Get, "client.api/list")
        );
        let since = r.query_value("modifiedsince").map(|s| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
                .unwrap()
                .and_utc()
                .timestamp()
        });
        let mut xml = String::from("<Response><Status>OK</Status><Clients>");
        for (id, c) in &self.clients {
            if since.is_some_and(|s| c.modified <= s) {
                continue;
            }
            let yn = |b: bool| if b { "Yes" } else { "No" };
            xml.push_str(&format!(
                "<Client><UUID>{id}</UUID><Name>{}</Name><IsArchived>{}</IsArchived>\
                 <IsDeleted>{}</IsDeleted></Client>",
                c.name,
                yn(c.archived),
                yn(c.deleted)
            ));
        }
        xml.push_str("</Clients></Response>");
        let date = DateTime::<Utc>::from_timestamp(self.now + self.skew, 0).unwrap();
        (xml.into_bytes(), format_http_date(date))
    }
}

#[derive(Debug, Clone)]
enum Step {
    Create(String),
    Rename(usize, String),
    Archive(usize),
    Delete(usize),
    Tick(i64),
    Walk,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        "[a-z]{1,6}".prop_map(Step::Create),
        (any::<usize>(), "[a-z]{1,6}").prop_map(|(i, n)| Step::Rename(i, n)),
        any::<usize>().prop_map(Step::Archive),
        any::<usize>().prop_map(Step::Delete),
        (0i64..90).prop_map(Step::Tick),
        Just(Step::Walk),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_xpm_change_feed_loses_nothing(
        steps in proptest::collection::vec(step(), 1..60),
        skew in -(i64::from(CHANGES_OVERLAP_SECS) - 1)..i64::from(CHANGES_OVERLAP_SECS),
    ) {
        let mut xpm = FakeXpm { clients: BTreeMap::new(), now: EPOCH, skew, next: 0 };
        let c = Calls::new("tenant");
        let mut cursor: Option<String> = None;
        let mut view: BTreeMap<String, Contact> = BTreeMap::new();
        let walk = |xpm: &FakeXpm, cursor: &mut Option<String>, view: &mut BTreeMap<String, Contact>| {
            let r = c.list_changes(cursor.as_deref(), None).unwrap();
            let (body, date) = xpm.answer(&r);
            let answer = Response::new(200, &body).with_header("Date", date);
            let page = c.read_changes(cursor.as_deref(), None, &answer).unwrap();
            assert_eq!(page.next_page, None);
            for rec in page.changed {
                view.insert(rec.id.to_string(), rec);
            }
            *cursor = page.cursor;
        };
        for s in steps {
            let ids: Vec<String> = xpm.clients.keys().cloned().collect();
            let pick = |i: usize| ids.get(i % ids.len().max(1)).cloned();
            match s {
                Step::Create(n) => xpm.create(n),
                Step::Rename(i, n) => if let Some(id) = pick(i) { xpm.write(&id, |c| c.name = n) },
                Step::Archive(i) => if let Some(id) = pick(i) { xpm.write(&id, |c| c.archived = !c.archived) },
                Step::Delete(i) => if let Some(id) = pick(i) { xpm.write(&id, |c| c.deleted = true) },
                Step::Tick(s) => xpm.now += s,
                Step::Walk => walk(&xpm, &mut cursor, &mut view),
            }
        }
        // A last walk after the writes: the view holds the ledger exactly.
        walk(&xpm, &mut cursor, &mut view);
        prop_assert_eq!(view.len(), xpm.clients.len());
        for (id, fake) in &xpm.clients {
            let seen = &view[id];
            prop_assert_eq!(seen.display_name.as_deref(), Some(fake.name.as_str()), "{}", id);
            let archived = fake.archived || fake.deleted;
            prop_assert_eq!(seen.status == ContactStatus::Archived, archived, "{}", id);
        }
    }
}
