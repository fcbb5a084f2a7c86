//! Every request builder against the documented request.

use super::*;

// ------------------------------------------------------------ builders

#[test]
fn the_bases_and_the_default_minor_version() {
    assert_eq!(PRODUCTION_BASE, "https://quickbooks.api.intuit.com");
    assert_eq!(SANDBOX_BASE, "https://sandbox-quickbooks.api.intuit.com");
    assert_eq!(qbo::DEFAULT_MINOR_VERSION, 75);
    assert_eq!(calls().minor_version(), 75);
    let r = Calls::new("9130")
        .with_minor_version(76)
        .list(None)
        .unwrap();
    assert_eq!(r.query_value("minorversion"), Some("76"));
}

#[test]
fn list_is_a_query_of_every_customer_inactive_included() {
    let r = calls().list(None).unwrap();
    assert_eq!(
        r,
        Request {
            method: Method::Get,
            path: "v3/company/9130/query".into(),
            query: q(&[("query", CUSTOMER_QUERY_1), ("minorversion", "75")]),
            headers: h(&[("Accept", "application/json")]),
            body: String::new(),
            idempotency_key: None,
        }
    );
    assert_eq!(
        r.url(SANDBOX_BASE),
        "https://sandbox-quickbooks.api.intuit.com/v3/company/9130/query?query=SELECT%20%2A%20FROM%20Customer%20WHERE%20Active%20IN%20%28true%2C%20false%29%20ORDERBY%20Id%20STARTPOSITION%201%20MAXRESULTS%201000&minorversion=75"
    );
    // A later page starts on the last customer of the page before.
    let r = calls().list(Some("L1000|1000")).unwrap();
    assert_eq!(
        r.query_value("query"),
        Some(
            "SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY Id STARTPOSITION 1000 MAXRESULTS 1000"
        )
    );
    for bad in ["1001", "C1000||5", "L1|5", "", "L99999999999|5"] {
        assert!(
            matches!(
                calls().list(Some(bad)),
                Err(AdapterError::Validation { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn list_changes_after_a_cursor_is_change_data_capture() {
    let r = calls()
        .list_changes(Some("2024-03-01T09:59:06-08:00"), None)
        .unwrap();
    assert_eq!(
        r,
        Request {
            method: Method::Get,
            path: "v3/company/9130/cdc".into(),
            query: q(&[
                ("entities", "Customer"),
                ("changedSince", "2024-03-01T17:59:06Z"),
                ("minorversion", "75"),
            ]),
            headers: h(&[("Accept", "application/json")]),
            body: String::new(),
            idempotency_key: None,
        }
    );
    assert_eq!(
        r.path_and_query(),
        "v3/company/9130/cdc?entities=Customer&changedSince=2024-03-01T17%3A59%3A06Z&minorversion=75"
    );
    // Without a cursor: the full listing.
    assert_eq!(
        calls()
            .list_changes(None, None)
            .unwrap()
            .query_value("query"),
        Some(CUSTOMER_QUERY_1)
    );
    assert!(calls().list_changes(None, Some("C1000||7")).is_ok());
    assert!(matches!(
        calls().list_changes(Some("2024-03-01T17:59:06Z"), Some("C1000||7")),
        Err(AdapterError::Validation { .. })
    ));
    assert!(matches!(
        calls().list_changes(Some("page 2"), None),
        Err(AdapterError::Validation { .. })
    ));
    assert!(matches!(
        calls().list_changes(None, Some("L1000|7")),
        Err(AdapterError::Validation { .. })
    ));
}

#[test]
fn create_posts_the_customer_with_its_requestid() {
    let j = jane();
    let r = calls().create(&j, "k-1").unwrap();
    assert_eq!(
        r,
        Request {
            method: Method::Post,
            path: "v3/company/9130/customer".into(),
            query: q(&[("requestid", "k-1"), ("minorversion", "75")]),
            headers: h(&[
                ("Accept", "application/json"),
                ("Content-Type", "application/json")
            ]),
            body: qbo::encode_customer_create(&j).unwrap(),
            idempotency_key: Some("k-1".into()),
        }
    );
    // The planner's long keys are shortened, the same way every time.
    let key = "ledgerlink:conn-1.nonce-9:20240301T100000Z:create-L17";
    let a = calls().create(&j, key).unwrap();
    assert_eq!(
        a.query_value("requestid"),
        Some(qbo::request_id(key).unwrap().as_str())
    );
    assert_eq!(a, calls().create(&j, key).unwrap());
    // Refusals come before sending.
    assert!(matches!(
        calls().create(&j, ""),
        Err(AdapterError::Validation { code: None, .. })
    ));
    let colon = j.clone().with_display_name("Smith: Jane");
    assert!(matches!(
        calls().create(&colon, "k"),
        Err(AdapterError::Validation { code: None, .. })
    ));
}

#[test]
fn update_is_sparse_and_needs_the_sync_token() {
    let id = ContactId::from("104");
    let v = VersionToken::SyncToken("5".into());
    let p = patch(
        Profile::Qbo,
        vec![(
            SyncField::Email,
            Some(FieldValue::Text("new@acme.example".into())),
        )],
    );
    let r = calls().update(&id, &p, Some(&v)).unwrap();
    assert_eq!(
        r,
        Request {
            method: Method::Post,
            path: "v3/company/9130/customer".into(),
            query: q(&[("minorversion", "75")]),
            headers: h(&[
                ("Accept", "application/json"),
                ("Content-Type", "application/json")
            ]),
            body: r#"{"Id":"104","SyncToken":"5","sparse":true,"PrimaryEmailAddr":{"Address":"new@acme.example"}}"#.into(),
            idempotency_key: None,
        }
    );
    let Err(AdapterError::Validation { code, message }) = calls().update(&id, &p, None) else {
        panic!("an update without a SyncToken is refused")
    };
    assert_eq!(code, None);
    assert!(message.contains("SyncToken"), "{message}");
    let xero = VersionToken::UpdatedAt(at("2024-01-01T00:00:00Z"));
    assert!(matches!(
        calls().update(&id, &p, Some(&xero)),
        Err(AdapterError::Validation { .. })
    ));
}

#[test]
fn a_batch_creates_each_item_under_one_derived_requestid() {
    let (a, b) = (jane(), Contact::organization("", "Acme Ltd"));
    let items = [(&a, "key-a"), (&b, "key-b")];
    let r = calls().create_batch(&items).unwrap();
    assert_eq!(r.method, Method::Post);
    assert_eq!(r.path, "v3/company/9130/batch");
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(
        r.body,
        format!(
            r#"{{"BatchItemRequest":[{{"bId":"1","operation":"create","Customer":{}}},{{"bId":"2","operation":"create","Customer":{}}}]}}"#,
            qbo::encode_customer_create(&a).unwrap(),
            qbo::encode_customer_create(&b).unwrap()
        )
    );
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        body["BatchItemRequest"][1]["Customer"]["DisplayName"],
        "Acme Ltd"
    );
    // Deterministic: the same items give the same id; others another.
    let id = r.query_value("requestid").unwrap().to_owned();
    assert_eq!(r.idempotency_key.as_deref(), Some(id.as_str()));
    assert_eq!(calls().create_batch(&items).unwrap(), r);
    let other = calls().create_batch(&[(&a, "key-a")]).unwrap();
    assert_ne!(other.query_value("requestid"), Some(id.as_str()));
    // Sizes: 1 to 30.
    let many: Vec<(&Contact, &str)> = (0..=MAX_BATCH_ITEMS).map(|_| (&a, "k")).collect();
    assert_eq!(MAX_BATCH_ITEMS, 30);
    assert!(calls().create_batch(&many[..MAX_BATCH_ITEMS]).is_ok());
    assert!(matches!(
        calls().create_batch(&many),
        Err(AdapterError::Validation { .. })
    ));
    assert!(matches!(
        calls().create_batch(&[]),
        Err(AdapterError::Validation { .. })
    ));
    // An item the encoder refuses names its place.
    let bad = a.clone().with_display_name("Smith:\tJane");
    let Err(AdapterError::Validation { message, .. }) =
        calls().create_batch(&[(&a, "k1"), (&bad, "k2")])
    else {
        panic!("refused")
    };
    assert!(message.starts_with("batch item 2:"), "{message}");
}

#[test]
fn billing_creates_post_with_their_requestids() {
    let customer = ContactId::from("101");
    let r = calls()
        .create_invoice(&invoice_draft(), &customer, "inv-key")
        .unwrap();
    assert_eq!(
        r,
        Request {
            method: Method::Post,
            path: "v3/company/9130/invoice".into(),
            query: q(&[("requestid", "inv-key"), ("minorversion", "75")]),
            headers: h(&[
                ("Accept", "application/json"),
                ("Content-Type", "application/json")
            ]),
            body: qbo::encode_invoice_create(&invoice_draft(), "101").unwrap(),
            idempotency_key: Some("inv-key".into()),
        }
    );
    let r = calls()
        .create_payment(&payment_draft(), &customer, &["501".into()], "pay-key")
        .unwrap();
    assert_eq!(r.method, Method::Post);
    assert_eq!(r.path, "v3/company/9130/payment");
    assert_eq!(
        r.query,
        q(&[("requestid", "pay-key"), ("minorversion", "75")])
    );
    assert_eq!(
        r.body,
        qbo::encode_payment_create(&payment_draft(), "101", &["501"]).unwrap()
    );
    // The invoice ids must pair up with the allocations.
    assert!(matches!(
        calls().create_payment(&payment_draft(), &customer, &[], "pay-key"),
        Err(AdapterError::Validation { .. })
    ));
    assert!(matches!(
        calls().create_invoice(&invoice_draft(), &ContactId::from(""), "k"),
        Err(AdapterError::Validation { .. })
    ));
}

#[test]
fn payments_are_listed_a_thousand_at_a_time() {
    let r = calls().list_payments(None).unwrap();
    assert_eq!(r.method, Method::Get);
    assert_eq!(r.path, "v3/company/9130/query");
    assert_eq!(
        r.query,
        q(&[
            (
                "query",
                "SELECT * FROM Payment ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000"
            ),
            ("minorversion", "75")
        ])
    );
    assert_eq!(
        calls()
            .list_payments(Some("1001"))
            .unwrap()
            .query_value("query"),
        Some("SELECT * FROM Payment ORDERBY Id STARTPOSITION 1001 MAXRESULTS 1000")
    );
    assert!(matches!(
        calls().list_payments(Some("next")),
        Err(AdapterError::Validation { .. })
    ));
}
