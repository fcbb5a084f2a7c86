//! The QBO change feed against a fake company: a set of customers with
//! `LastUpdatedTime`s, a server clock the fake controls, writes, merges
//! (deletions) and clock jumps between every two requests. A consumer
//! keeps a replica from the pages the codec reads — change data capture
//! after a cursor, the full listing without one or when the feed answers
//! `Unsupported`, a fresh listing when the pages moved (`Transient`) — and
//! once the writes stop the replica is the company: nothing lost; no
//! customer twice in one listing.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use ledgerlink::model::ContactStatus;
use ledgerlink::ports::AdapterError;
use ledgerlink::wire::qbo::Calls;
use ledgerlink::wire::{Request, Response, format_http_date};
use proptest::prelude::*;

use crate::support::time::at;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Customer {
    name: String,
    active: bool,
    updated: DateTime<Utc>,
}

/// What happens before a request.
#[derive(Debug, Clone)]
enum Op {
    Nothing,
    /// Renames the n-th customer (in id order).
    Update(usize),
    /// Makes the n-th customer inactive or active again.
    Toggle(usize),
    Create,
    /// Merges the n-th customer away (QBO deletes it).
    Merge(usize),
    /// The server clock moves on by this many seconds.
    Tick(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Nothing),
        4 => any::<usize>().prop_map(Op::Update),
        1 => any::<usize>().prop_map(Op::Toggle),
        2 => Just(Op::Create),
        1 => any::<usize>().prop_map(Op::Merge),
        3 => (0i64..90).prop_map(Op::Tick),
        // Past the 30 days change data capture keeps.
        1 => Just(Op::Tick(31 * 24 * 3600)),
    ]
}

struct Fake {
    clock: DateTime<Utc>,
    customers: BTreeMap<u32, Customer>,
    deleted: Vec<(u32, DateTime<Utc>)>,
    next_id: u32,
    /// Whether answers carry `time` (else only the `Date` header).
    body_time: bool,
    writes: u32,
}

impl Fake {
    fn new(n: u32, body_time: bool) -> Self {
        let start = at("2024-03-01T08:00:00Z");
        let customers = (1..=n)
            .map(|id| {
                (
                    id,
                    Customer {
                        name: format!("Customer {id}"),
                        active: id % 7 != 0,
                        updated: start - TimeDelta::days(i64::from(id % 40)),
                    },
                )
            })
            .collect();
        Self {
            clock: start,
            customers,
            deleted: Vec::new(),
            next_id: n + 1,
            body_time,
            writes: 0,
        }
    }

    fn nth(&self, n: usize) -> Option<u32> {
        let len = self.customers.len();
        (len > 0).then(|| *self.customers.keys().nth(n % len).unwrap())
    }

    fn apply(&mut self, op: &Op) {
        self.writes += 1;
        match *op {
            Op::Nothing => {}
            Op::Update(n) => {
                if let Some(id) = self.nth(n) {
                    let c = self.customers.get_mut(&id).unwrap();
                    c.name = format!("Customer {id} w{}", self.writes);
                    c.updated = self.clock;
                }
            }
            Op::Toggle(n) => {
                if let Some(id) = self.nth(n) {
                    let c = self.customers.get_mut(&id).unwrap();
                    c.active = !c.active;
                    c.updated = self.clock;
                }
            }
            Op::Create => {
                let id = self.next_id;
                self.next_id += 1;
                self.customers.insert(
                    id,
                    Customer {
                        name: format!("New {id}"),
                        active: true,
                        updated: self.clock,
                    },
                );
            }
            Op::Merge(n) => {
                if let Some(id) = self.nth(n) {
                    self.customers.remove(&id);
                    self.deleted.push((id, self.clock));
                }
            }
            Op::Tick(s) => self.clock += TimeDelta::seconds(s),
        }
    }

    fn customer_json(id: u32, c: &Customer) -> String {
        // QBO writes its times in the company's zone, to the second.
        let t = c
            .updated
            .with_timezone(&chrono::FixedOffset::west_opt(8 * 3600).unwrap())
            .format("%Y-%m-%dT%H:%M:%S%:z");
        format!(
            r#"{{"domain":"QBO","sparse":false,"Id":"{id}","SyncToken":"0","MetaData":{{"LastUpdatedTime":"{t}"}},"DisplayName":"{}","Active":{}}}"#,
            c.name, c.active
        )
    }

    fn time(&self) -> String {
        if self.body_time {
            let t = (self.clock + TimeDelta::milliseconds(187))
                .with_timezone(&chrono::FixedOffset::west_opt(8 * 3600).unwrap())
                .format("%Y-%m-%dT%H:%M:%S%.3f%:z");
            format!(r#","time":"{t}""#)
        } else {
            String::new()
        }
    }

    /// Answers one request: the query endpoint or change data capture.
    fn answer(&mut self, req: &Request) -> (u16, String) {
        self.clock += TimeDelta::seconds(1);
        if req.path.ends_with("/cdc") {
            assert_eq!(req.query_value("entities"), Some("Customer"));
            let since: DateTime<Utc> = req.query_value("changedSince").unwrap().parse().unwrap();
            if self.clock - since > TimeDelta::days(30) {
                return (
                    400,
                    format!(
                        r#"{{"Fault":{{"Error":[{{"Message":"Invalid Request","Detail":"Operation cdc with changedSince date {since} which is older than fixed days is not supported.","code":"10000"}}],"type":"ValidationFault"}}{}}}"#,
                        self.time()
                    ),
                );
            }
            let mut items: Vec<String> = self
                .customers
                .iter()
                .filter(|(_, c)| c.updated >= since)
                .map(|(id, c)| Self::customer_json(*id, c))
                .collect();
            items.extend(self.deleted.iter().filter(|(_, t)| *t >= since).map(|(id, t)| {
                format!(
                    r#"{{"domain":"QBO","status":"Deleted","Id":"{id}","MetaData":{{"LastUpdatedTime":"{}"}}}}"#,
                    t.to_rfc3339()
                )
            }));
            // QBO answers at most 1000 objects.
            items.truncate(1000);
            return (
                200,
                format!(
                    r#"{{"CDCResponse":[{{"QueryResponse":[{{"Customer":[{}]}}]}}]{}}}"#,
                    items.join(","),
                    self.time()
                ),
            );
        }
        assert!(req.path.ends_with("/query"));
        let text = req.query_value("query").unwrap();
        assert!(
            text.starts_with("SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY Id")
        );
        let num = |word: &str| -> usize {
            let at = text.find(word).unwrap() + word.len();
            text[at..]
                .split_whitespace()
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        let (start, max) = (num("STARTPOSITION "), num("MAXRESULTS "));
        let page: Vec<String> = self
            .customers
            .iter()
            .skip(start - 1)
            .take(max)
            .map(|(id, c)| Self::customer_json(*id, c))
            .collect();
        let q = if page.is_empty() {
            "{}".to_owned()
        } else {
            format!(
                r#"{{"Customer":[{}],"startPosition":{start},"maxResults":{}}}"#,
                page.join(","),
                page.len()
            )
        };
        (200, format!(r#"{{"QueryResponse":{q}{}}}"#, self.time()))
    }

    fn view(&self) -> BTreeMap<String, (String, bool, DateTime<Utc>)> {
        self.customers
            .iter()
            .map(|(id, c)| (id.to_string(), (c.name.clone(), c.active, c.updated)))
            .collect()
    }
}

type Replica = BTreeMap<String, (String, bool, DateTime<Utc>)>;

/// One request and its answer, with the next scheduled write before it.
fn exchange(fake: &mut Fake, ops: &mut std::slice::Iter<'_, Op>, req: &Request) -> (u16, String) {
    if let Some(op) = ops.next() {
        fake.apply(op);
    }
    fake.answer(req)
}

fn date_header(fake: &Fake) -> String {
    format_http_date(fake.clock)
}

/// One change listing from `cursor`, as the driver runs it: the feed, or
/// the full listing without a cursor; `Unsupported` falls back to the full
/// listing, `Transient` (pages moved) lists again. Updates the replica and
/// returns the next cursor.
fn listing(
    calls: &Calls,
    fake: &mut Fake,
    ops: &mut std::slice::Iter<'_, Op>,
    replica: &mut Replica,
    cursor: Option<String>,
) -> Result<Option<String>, TestCaseError> {
    let mut cursor = cursor;
    for _attempt in 0..200 {
        let mut seen = BTreeSet::new();
        let mut changed = Vec::new();
        let mut deleted = Vec::new();
        let mut page: Option<String> = None;
        let outcome = loop {
            let req = calls
                .list_changes(cursor.as_deref(), page.as_deref())
                .unwrap();
            let (status, body) = exchange(fake, ops, &req);
            let answer =
                Response::new(status, body.as_bytes()).with_header("Date", date_header(fake));
            match calls.read_changes(cursor.as_deref(), page.as_deref(), &answer) {
                Ok(p) => {
                    for c in &p.changed {
                        // Nothing twice within one listing.
                        prop_assert!(seen.insert(c.id.to_string()), "{} listed twice", c.id);
                    }
                    changed.extend(p.changed);
                    deleted.extend(p.deleted);
                    match p.next_page {
                        Some(next) => page = Some(next),
                        None => break Ok(p.cursor),
                    }
                }
                Err(e) => break Err(e),
            }
        };
        match outcome {
            Ok(next) => {
                if cursor.is_none() {
                    replica.clear();
                }
                for c in changed {
                    let updated = c.extras.updated_at.unwrap();
                    let name = c.display_name.clone().unwrap();
                    replica.insert(
                        c.id.to_string(),
                        (name, c.status != ContactStatus::Archived, updated),
                    );
                }
                for id in deleted {
                    replica.remove(id.as_str());
                }
                prop_assert!(next.is_some(), "a listing without a cursor to go on from");
                return Ok(next);
            }
            Err(AdapterError::Unsupported { .. }) => {
                prop_assert!(cursor.is_some(), "a full listing is always supported");
                cursor = None;
            }
            Err(AdapterError::Transient { message }) => {
                prop_assert!(message.contains("moved"), "{message}");
            }
            Err(e) => return Err(TestCaseError::fail(format!("{e:?}"))),
        }
    }
    Err(TestCaseError::fail("the listing never completed"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn the_change_feed_loses_nothing(
        n in prop_oneof![1 => 0u32..40, 2 => 990u32..2100],
        body_time in prop::bool::weighted(0.8),
        ops in prop::collection::vec(op(), 0..120),
        rounds in 1usize..6,
    ) {
        let calls = Calls::new("9130");
        let mut fake = Fake::new(n, body_time);
        let mut ops_iter = ops.iter();
        let mut replica = Replica::new();
        let mut cursor = None;
        for _ in 0..rounds {
            cursor = listing(&calls, &mut fake, &mut ops_iter, &mut replica, cursor)?;
            // Between listings too.
            for _ in 0..3 {
                if let Some(op) = ops_iter.next() {
                    fake.apply(op);
                }
            }
        }
        // The writes stop; the clock keeps going.
        for op in ops_iter.by_ref() {
            fake.apply(op);
        }
        fake.apply(&Op::Tick(5));
        listing(&calls, &mut fake, &mut ops_iter, &mut replica, cursor)?;
        prop_assert_eq!(replica, fake.view());
    }
}
