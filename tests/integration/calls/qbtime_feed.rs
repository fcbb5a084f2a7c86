//! QuickBooks Time's change feeds over a fake QBT: jobcodes and timesheets
//! created, edited, archived and deleted between any two pages of a walk,
//! a server clock of one-second granularity, a `Date` header that runs
//! ahead of or behind the database's clock, small pages (so that walks
//! span several), and a last walk after which the caller's copy holds
//! QBT's records exactly — nothing lost.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ledgerlink::qbtime::{Jobcode, TimeEntry};
use ledgerlink::wire::qbtime::{CHANGES_OVERLAP_SECS, Calls};
use ledgerlink::wire::{Method, Request, Response, format_http_date};
use proptest::prelude::*;

const EPOCH: i64 = 1_796_551_200; // 2026-12-06T10:00:00Z

/// The fake's page size: small, so that walks take several pages.
const PAGE: usize = 3;

#[derive(Debug, Clone)]
struct FakeJobcode {
    name: String,
    active: bool,
    modified: i64,
}

#[derive(Debug, Clone)]
struct FakeTimesheet {
    duration: u64,
    modified: i64,
}

/// A fake QBT: records in id order, a database clock, deletions kept with
/// their time, and a `Date` header `skew` seconds off.
#[derive(Debug)]
struct FakeQbt {
    jobcodes: BTreeMap<u64, FakeJobcode>,
    timesheets: BTreeMap<u64, FakeTimesheet>,
    deleted: BTreeMap<u64, i64>,
    now: i64,
    skew: i64,
    next_id: u64,
}

fn since(r: &Request) -> Option<i64> {
    r.query_value("modified_since").map(|s| {
        DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&Utc)
            .timestamp()
    })
}

/// Page `page` of `items`, and whether more follow.
fn page_of<T: Clone>(items: Vec<T>, r: &Request) -> (Vec<T>, bool) {
    let page: usize = r.query_value("page").unwrap().parse().unwrap();
    let limit: usize = r.query_value("limit").unwrap().parse().unwrap();
    let size = limit.min(PAGE);
    let start = (page - 1) * size;
    let chunk: Vec<T> = items.iter().skip(start).take(size).cloned().collect();
    (chunk, items.len() > start + size)
}

impl FakeQbt {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Answers a request as QBT would: the records modified (or deleted)
    /// strictly after `modified_since`, in id order, one page.
    fn answer(&self, r: &Request) -> (Vec<u8>, String) {
        assert_eq!(r.method, Method::Get);
        let since = since(r);
        let after = |t: i64| since.is_none_or(|s| t > s);
        let (key, items, more) = match r.path.as_str() {
            "jobcodes" => {
                assert_eq!(r.query_value("active"), Some("both"));
                let all: Vec<String> = self
                    .jobcodes
                    .iter()
                    .filter(|(_, j)| after(j.modified))
                    .map(|(id, j)| {
                        format!(
                            r#""{id}":{{"id":{id},"parent_id":0,"name":"{}","type":"regular","active":{}}}"#,
                            j.name, j.active
                        )
                    })
                    .collect();
                let (items, more) = page_of(all, r);
                ("jobcodes", items, more)
            }
            "timesheets" => {
                assert_eq!(r.query_value("on_the_clock"), Some("both"));
                let all: Vec<String> = self
                    .timesheets
                    .iter()
                    .filter(|(_, t)| after(t.modified))
                    .map(|(id, t)| {
                        format!(
                            r#""{id}":{{"id":{id},"user_id":1,"jobcode_id":1,"type":"manual","date":"2026-12-06","duration":{}}}"#,
                            t.duration
                        )
                    })
                    .collect();
                let (items, more) = page_of(all, r);
                ("timesheets", items, more)
            }
            "timesheets_deleted" => {
                let all: Vec<String> = self
                    .deleted
                    .iter()
                    .filter(|&(_, &at)| after(at))
                    .map(|(id, _)| format!(r#""{id}":{{"id":{id},"active":"0"}}"#))
                    .collect();
                let (items, more) = page_of(all, r);
                ("timesheets_deleted", items, more)
            }
            other => panic!("unexpected path {other}"),
        };
        let body = format!(
            r#"{{"results":{{"{key}":{{{}}}}},"more":{more},"supplemental_data":{{}}}}"#,
            items.join(",")
        );
        let date = DateTime::<Utc>::from_timestamp(self.now + self.skew, 0).unwrap();
        (body.into_bytes(), format_http_date(date))
    }
}

/// A walk of one feed: its cursor (between walks) and its page token
/// (during one).
#[derive(Debug, Default)]
struct Walk {
    cursor: Option<String>,
    token: Option<String>,
}

/// The caller's copy of QBT.
#[derive(Debug, Default)]
struct View {
    jobcodes: BTreeMap<u64, Jobcode>,
    timesheets: BTreeMap<u64, TimeEntry>,
}

/// One page of the jobcode feed; `true` when the walk ended.
fn jobcode_page(c: &Calls, qbt: &FakeQbt, w: &mut Walk, view: &mut View) -> bool {
    let r = c
        .jobcode_changes(w.cursor.as_deref(), w.token.as_deref())
        .unwrap();
    let (body, date) = qbt.answer(&r);
    let answer = Response::new(200, &body).with_header("Date", date);
    let page = c
        .read_jobcode_changes(w.cursor.as_deref(), w.token.as_deref(), &answer)
        .unwrap();
    for j in page.changed {
        view.jobcodes.insert(j.id.0, j);
    }
    w.token = page.next_page;
    if w.token.is_none() {
        w.cursor = Some(page.cursor.expect("the last page has a cursor"));
        return true;
    }
    false
}

/// One page of the timesheet feed; `true` when the walk ended.
fn timesheet_page(c: &Calls, qbt: &FakeQbt, w: &mut Walk, view: &mut View) -> bool {
    let r = c
        .timesheet_changes(w.cursor.as_deref(), w.token.as_deref())
        .unwrap();
    let (body, date) = qbt.answer(&r);
    let answer = Response::new(200, &body).with_header("Date", date);
    let page = c
        .read_timesheet_changes(w.cursor.as_deref(), w.token.as_deref(), &answer)
        .unwrap();
    for t in page.changed {
        view.timesheets.insert(t.id, t);
    }
    for id in page.deleted {
        view.timesheets.remove(&id);
    }
    w.token = page.next_page;
    if w.token.is_none() {
        w.cursor = Some(page.cursor.expect("the last page has a cursor"));
        return true;
    }
    false
}

#[derive(Debug, Clone)]
enum Step {
    NewJobcode(String),
    Rename(usize, String),
    Archive(usize),
    NewTimesheet(u64),
    Edit(usize, u64),
    Delete(usize),
    Tick(i64),
    JobcodePage,
    TimesheetPage,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => "[a-z]{1,6}".prop_map(Step::NewJobcode),
        1 => (any::<usize>(), "[a-z]{1,6}").prop_map(|(i, n)| Step::Rename(i, n)),
        1 => any::<usize>().prop_map(Step::Archive),
        2 => (1u64..10_000).prop_map(Step::NewTimesheet),
        1 => (any::<usize>(), 1u64..10_000).prop_map(|(i, d)| Step::Edit(i, d)),
        1 => any::<usize>().prop_map(Step::Delete),
        1 => (0i64..30).prop_map(Step::Tick),
        2 => Just(Step::JobcodePage),
        3 => Just(Step::TimesheetPage),
    ]
}

fn pick<T>(map: &BTreeMap<u64, T>, i: usize) -> Option<u64> {
    let n = map.len();
    (n > 0).then(|| map.keys().nth(i % n).copied()).flatten()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn the_qbt_change_feeds_lose_nothing(
        steps in proptest::collection::vec(step(), 1..120),
        skew in -(i64::from(CHANGES_OVERLAP_SECS) - 1)..i64::from(CHANGES_OVERLAP_SECS),
    ) {
        let c = Calls::new();
        let mut qbt = FakeQbt {
            jobcodes: BTreeMap::new(),
            timesheets: BTreeMap::new(),
            deleted: BTreeMap::new(),
            now: EPOCH,
            skew,
            next_id: 0,
        };
        let mut view = View::default();
        let mut jw = Walk::default();
        let mut tw = Walk::default();
        for s in steps {
            let now = qbt.now;
            match s {
                Step::NewJobcode(name) => {
                    let id = qbt.id();
                    qbt.jobcodes.insert(id, FakeJobcode { name, active: true, modified: now });
                }
                Step::Rename(i, name) => if let Some(id) = pick(&qbt.jobcodes, i) {
                    let j = qbt.jobcodes.get_mut(&id).unwrap();
                    j.name = name;
                    j.modified = now;
                },
                Step::Archive(i) => if let Some(id) = pick(&qbt.jobcodes, i) {
                    let j = qbt.jobcodes.get_mut(&id).unwrap();
                    j.active = !j.active;
                    j.modified = now;
                },
                Step::NewTimesheet(duration) => {
                    let id = qbt.id();
                    qbt.timesheets.insert(id, FakeTimesheet { duration, modified: now });
                }
                Step::Edit(i, duration) => if let Some(id) = pick(&qbt.timesheets, i) {
                    let t = qbt.timesheets.get_mut(&id).unwrap();
                    t.duration = duration;
                    t.modified = now;
                },
                Step::Delete(i) => if let Some(id) = pick(&qbt.timesheets, i) {
                    qbt.timesheets.remove(&id);
                    qbt.deleted.insert(id, now);
                },
                Step::Tick(secs) => qbt.now += secs,
                Step::JobcodePage => { jobcode_page(&c, &qbt, &mut jw, &mut view); }
                Step::TimesheetPage => { timesheet_page(&c, &qbt, &mut tw, &mut view); }
            }
        }
        // The walks under way end, then one more of each begins after the
        // last write: the copy is QBT's.
        for _ in 0..2 {
            let mut pages = 0;
            while !jobcode_page(&c, &qbt, &mut jw, &mut view) {
                pages += 1;
                prop_assert!(pages < 1000);
            }
            while !timesheet_page(&c, &qbt, &mut tw, &mut view) {
                pages += 1;
                prop_assert!(pages < 1000);
            }
        }
        let names: BTreeMap<u64, (String, bool)> =
            view.jobcodes.iter().map(|(id, j)| (*id, (j.name.clone(), j.active))).collect();
        let expected: BTreeMap<u64, (String, bool)> =
            qbt.jobcodes.iter().map(|(id, j)| (*id, (j.name.clone(), j.active))).collect();
        prop_assert_eq!(names, expected);
        let durations: BTreeMap<u64, u64> =
            view.timesheets.iter().map(|(id, t)| (*id, t.duration_secs)).collect();
        let expected: BTreeMap<u64, u64> =
            qbt.timesheets.iter().map(|(id, t)| (*id, t.duration)).collect();
        prop_assert_eq!(durations, expected);
    }
}
