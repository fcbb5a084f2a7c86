//! The QuickBooks Time call codec against the QBT fake.

use ledgerlink::ports::AdapterError;
use ledgerlink::qbtime::{JobcodeId, JobcodeType, NewJobcode};
use ledgerlink::wire::qbtime::Calls;
use ledgerlink_fakes::QbTimeFake;
use serde_json::json;

use super::{call, response};

#[test]
fn lists_pages_and_creates_once() {
    let f = QbTimeFake::start().unwrap();
    let (base, token) = (f.api_base(), f.access_token());
    let calls = Calls::new();
    for i in 0..205 {
        f.insert_jobcode(json!({"name": format!("Client {i:03}")}));
    }
    let first = call(&base, &token, &calls.list_jobcodes(1).unwrap());
    let page = calls.read_list_jobcodes(1, &response(&first)).unwrap();
    assert_eq!((page.jobcodes.len(), page.more), (200, true));
    let second = call(&base, &token, &calls.list_jobcodes(2).unwrap());
    let page = calls.read_list_jobcodes(2, &response(&second)).unwrap();
    assert_eq!((page.jobcodes.len(), page.more), (5, false));

    let new = NewJobcode {
        parent_id: JobcodeId(0),
        name: "Acme Ltd".into(),
        kind: JobcodeType::Regular,
        connect_with_quickbooks: false,
    };
    let reply = call(&base, &token, &calls.create_jobcode(&new, "k-1").unwrap());
    let made = calls.read_create_jobcode(&response(&reply)).unwrap();
    let reply = call(&base, &token, &calls.create_jobcode(&new, "k-1").unwrap());
    assert_eq!(
        calls.read_create_jobcode(&response(&reply)).unwrap().id,
        made.id
    );
    assert_eq!(f.jobcodes().len(), 206);

    let pto = NewJobcode {
        kind: JobcodeType::Pto,
        ..new
    };
    let reply = call(&base, &token, &calls.create_jobcode(&pto, "k-2").unwrap());
    assert!(matches!(
        calls.read_create_jobcode(&response(&reply)),
        Err(AdapterError::Validation { code: Some(code), .. }) if code == "417"
    ));
}
