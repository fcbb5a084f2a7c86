//! Real traffic (issue 14, item 7): answers in the shapes the ledgers
//! really send, beyond their docs' examples. Each fixture is listed in
//! `tests/fixtures/SOURCES.md` with the public source its shape was
//! observed in; here every listed file is attributed to the right
//! provider, and the values read are checked.

use ledgerlink::model::{ContactStatus, InvoiceLine, InvoiceStatus, Rounding};
use ledgerlink::ports::AdapterError;
use ledgerlink::wire::{BatchItem, Payload, WireError, decode_any, qbo, qbtime, xero, xpm};
use ledgerlink::{ContactId, Profile};

use crate::support::fixtures::{fixture, own_dir};
use crate::support::money::{dec, money, usd};

/// The files `SOURCES.md` lists, in order.
fn listed() -> Vec<String> {
    let text = std::fs::read_to_string(own_dir().join("SOURCES.md")).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .filter(|f| f.ends_with(".json") || f.ends_with(".xml"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_listed_fixture_is_read_as_its_providers() {
    let files = listed();
    assert!(files.len() >= 15, "{files:?}");
    for file in &files {
        let bytes = fixture(file);
        let expected = match file.split('/').next().unwrap() {
            "xero" => Profile::XeroGl,
            "qbo" => Profile::Qbo,
            "qbtime" => Profile::QbTime,
            // XPM's own XML; the gateway in front of it is Xero's, and its
            // JSON error body is read as Xero's.
            "xpm" if file.ends_with(".json") => Profile::XeroGl,
            "xpm" => Profile::Xpm,
            other => panic!("{other}"),
        };
        let (provider, payload) = decode_any(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(provider, expected, "{file}: {}", payload.summary());
        let is_error = matches!(payload, Payload::Error { .. });
        assert_eq!(
            is_error,
            file.contains("error") || file.contains("fault"),
            "{file}"
        );
    }
}

// ------------------------------------------------------------------- XPM

#[test]
fn xpm_records_with_a_numeric_id_and_no_uuid_are_read() {
    let page = xpm::decode_clients(&fixture("xpm/client-list-numeric-id.xml")).unwrap();
    assert_eq!(page.records.len(), 2);
    let kauri = &page.records[0];
    assert_eq!(kauri.id, ContactId::from("40912"));
    assert_eq!(kauri.display_name.as_deref(), Some("Kauri Joinery"));
    assert_eq!(kauri.status, ContactStatus::Active);
    // `<Address></Address>` is no address; the postal one is kept.
    assert_eq!(kauri.addresses.len(), 1);
    assert_eq!(kauri.addresses[0].lines, ["PO Box 77", "Greytown"]);
    assert_eq!(kauri.phones[0].number, "06 304 1188");
    let totara = &page.records[1];
    assert_eq!(totara.id, ContactId::from("40977"));
    assert_eq!(totara.status, ContactStatus::Archived, "IsDeleted Yes");
    assert!(totara.addresses.is_empty() && totara.phones.is_empty());

    let added = xpm::decode_clients(&fixture("xpm/client-add-numeric-id.xml")).unwrap();
    assert_eq!(added.records[0].id, ContactId::from("41003"));
    assert_eq!(added.records[0].billing_email(), Some("office@rimu.test"));
}

#[test]
fn a_uuid_wins_over_an_id_and_a_record_with_neither_is_refused() {
    let both = br"<Response><Status>OK</Status><Client><ID>7</ID><UUID>5f0c</UUID><Name>A</Name>
        <Contacts><Contact><ID>8</ID><Name>Sam</Name></Contact></Contacts></Client></Response>";
    let page = xpm::decode_clients(both).unwrap();
    assert_eq!(page.records[0].id, ContactId::from("5f0c"));
    assert_eq!(page.records[1].id, ContactId::from("8"));
    assert_eq!(page.records[1].organization_ids, [ContactId::from("5f0c")]);
    let neither = b"<Response><Status>OK</Status><Client><Name>A</Name></Client></Response>";
    assert!(matches!(
        xpm::decode_clients(neither),
        Err(WireError::Shape { provider: Profile::Xpm, ref path, .. }) if path.ends_with("UUID")
    ));
}

#[test]
fn xpm_reads_the_gateways_json_error_body() {
    let body = fixture("xpm/error-gateway-401.json");
    assert_eq!(
        xpm::decode_error(401, &body),
        AdapterError::AccessTokenExpired {
            message: "TokenExpired: token expired at 11/03/2026 02:10:44".into()
        }
    );
    // An error inside an HTTP 200 answer.
    let in_200 = b"<Response><Status>ERROR</Status><ErrorDescription>Client not found</ErrorDescription></Response>";
    assert!(matches!(
        xpm::decode_error(200, in_200),
        AdapterError::NotFound { .. }
    ));
}

// ------------------------------------------------------------------ Xero

#[test]
fn xero_xml_is_xeros_never_xpms() {
    let data = b"<Response xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><Id>9a1</Id><Status>OK</Status><ProviderName>p</ProviderName><DateTimeUTC>2025-11-04T01:00:00</DateTimeUTC><Contacts><Contact><ContactID>c1</ContactID><Name>A</Name></Contact></Contacts></Response>";
    match decode_any(data) {
        Err(WireError::Unsupported {
            provider: Some(Profile::XeroGl),
            detail,
        }) => assert!(
            detail.contains("Contacts") && detail.contains("XML"),
            "{detail}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(xpm::decode_any(data).is_none());
    assert!(matches!(
        xpm::decode_response(data),
        Err(WireError::Unsupported {
            provider: Some(Profile::XeroGl),
            ..
        })
    ));
    let (p, payload) = decode_any(&fixture("xero/error-400-api-exception.xml")).unwrap();
    assert_eq!(p, Profile::XeroGl);
    assert_eq!(
        payload,
        Payload::Error {
            error: AdapterError::DuplicateName {
                name: "Pohutukawa & Sons".into()
            },
            items: Vec::new(),
        }
    );
    assert_eq!(
        xero::decode_error(400, &fixture("xero/error-400-api-exception.xml"), None),
        AdapterError::DuplicateName {
            name: "Pohutukawa & Sons".into()
        }
    );
}

#[test]
fn xero_problem_bodies_in_lower_case_keys_are_read() {
    let (_, payload) = decode_any(&fixture("xero/error-404-problem-lowercase.json")).unwrap();
    assert!(matches!(
        payload,
        Payload::Error {
            error: AdapterError::NotFound { .. },
            ..
        }
    ));
    let body = br#"{"title":"Unauthorized","status":401,"detail":"TokenExpired: token expired"}"#;
    assert_eq!(
        xero::decode_error(401, body, None),
        AdapterError::AccessTokenExpired {
            message: "TokenExpired: token expired".into()
        }
    );
}

#[test]
fn xero_discounts_become_discount_lines_and_totals_agree() {
    let page = xero::decode_invoices(&fixture("xero/invoices-discount.json")).unwrap();
    let inv = &page.records[0].invoice;
    let nzd = |a: &str| money(a, "NZD");
    let line = |d: &str, q: &str, p: &str| InvoiceLine {
        work_type: None,
        description: d.into(),
        quantity: dec(q),
        unit_price: nzd(p),
        tax_rate: None,
    };
    assert_eq!(
        inv.lines,
        [
            line("Year-end accounts", "1.0000", "1200.00"),
            line("Discount 10%", "1", "-120.00"),
            line("Payroll, per run", "4.0000", "45.00"),
            line("Discount", "1", "-25.00"),
            line("Filing fee", "1.0000", "50.00"),
        ]
    );
    assert_eq!(page.records[0].tax_types.len(), 5);
    // Xero's Total.
    assert_eq!(
        inv.totals(Rounding::HalfAwayFromZero).unwrap().gross,
        nzd("1285.00")
    );
}

// ------------------------------------------------------------------- QBO

#[test]
fn qbo_delete_answers_are_deletions() {
    let (p, payload) = decode_any(&fixture("qbo/invoice-delete.json")).unwrap();
    assert_eq!(p, Profile::Qbo);
    assert_eq!(
        payload,
        Payload::Deleted {
            kind: "Invoice".into(),
            ids: vec!["1047".into()],
            more: false
        }
    );
    let (_, payload) = decode_any(&fixture("qbo/payment-delete.xml")).unwrap();
    assert_eq!(
        payload,
        Payload::Deleted {
            kind: "Payment".into(),
            ids: vec!["3310".into()],
            more: false
        }
    );
    // Not an invoice: the typed decoders say so instead of inventing one.
    assert!(matches!(
        qbo::decode_invoices(&fixture("qbo/invoice-delete.json")),
        Err(WireError::Unsupported {
            provider: Some(Profile::Qbo),
            ..
        })
    ));
}

#[test]
fn qbo_a_voided_invoice_is_void() {
    let inv = qbo::decode_invoices(&fixture("qbo/invoice-void.json")).unwrap();
    assert_eq!(inv[0].status, InvoiceStatus::Void);
    assert_eq!(inv[0].id, "1052");
    // Zero amounts without QBO's note are not void.
    let text = String::from_utf8(fixture("qbo/invoice-void.json"))
        .unwrap()
        .replace("\"Voided\"", "\"Free consultation\"");
    let inv = qbo::decode_invoices(text.as_bytes()).unwrap();
    assert_eq!(inv[0].status, InvoiceStatus::AwaitingPayment);
}

#[test]
fn qbo_past_the_last_page_and_faults_without_time() {
    let page = qbo::decode_contacts(&fixture("qbo/query-past-last-page.json")).unwrap();
    assert!(page.records.is_empty() && page.next_page.is_none());
    let e = qbo::decode_error(400, &fixture("qbo/fault-no-time.json"));
    assert_eq!(
        e,
        AdapterError::Validation {
            code: Some("2030".into()),
            message: "Invalid ID: Id should be a valid number. Supplied value:12.5".into()
        }
    );
}

#[test]
fn qbo_batch_answers_mix_faults_and_records_in_order() {
    let items = qbo::decode_batch(&fixture("qbo/batch-mixed.json")).unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "ledgerlink-1",
            "ledgerlink-2",
            "ledgerlink-3",
            "ledgerlink-4"
        ]
    );
    match &items[0].result {
        Ok(Payload::Contacts { records, .. }) => {
            assert_eq!(records[0].id, ContactId::from("91"));
            assert_eq!(records[0].display_name.as_deref(), Some("Totara Cafe"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        &items[1].result,
        Ok(Payload::Error { error: AdapterError::Validation { code: Some(c), .. }, .. }) if c == "610"
    ));
    assert!(matches!(
        &items[2].result,
        Ok(Payload::Error {
            error: AdapterError::StaleVersion { .. },
            ..
        })
    ));
    // Another entity's page is refused in its place, as QBO's.
    assert!(matches!(
        &items[3],
        BatchItem {
            result: Err(WireError::Unsupported {
                provider: Some(Profile::Qbo),
                ..
            }),
            ..
        }
    ));
    // The XML form and decode_any agree.
    let (_, payload) = decode_any(&fixture("qbo/batch-mixed.json")).unwrap();
    assert_eq!(payload, Payload::Batch(items));
}

#[test]
fn qbo_bundles_and_discounts_are_read_and_totals_agree() {
    let inv = &qbo::decode_invoices(&fixture("qbo/invoice-bundle-discount.xml")).unwrap()[0];
    let descriptions: Vec<&str> = inv.lines.iter().map(|l| l.description.as_str()).collect();
    assert_eq!(
        descriptions,
        ["Accounts preparation", "Tax return", "Discount 5%"]
    );
    assert_eq!(inv.lines[1].quantity, dec("2"));
    assert_eq!(inv.lines[2].unit_price, usd("-40.00"));
    assert_eq!(inv.lines[2].work_type, None);
    assert_eq!(inv.totals(Rounding::HalfEven).unwrap().gross, usd("760.00"));
    // A bundle inside a bundle is still refused, not dropped.
    let nested = String::from_utf8(fixture("qbo/invoice-bundle-discount.xml"))
        .unwrap()
        .replace(
            "<DetailType>SalesItemLineDetail</DetailType>\n          <SalesItemLineDetail>\n            <ItemRef name=\"Tax return\">",
            "<DetailType>GroupLineDetail</DetailType>\n          <SalesItemLineDetail>\n            <ItemRef name=\"Tax return\">",
        );
    assert!(matches!(
        qbo::decode_invoices(nested.as_bytes()),
        Err(WireError::Shape {
            provider: Profile::Qbo,
            ..
        })
    ));
}

#[test]
fn qbo_entities_it_does_not_read_are_refused_as_qbos() {
    for body in [
        &br#"<CreditMemo domain="QBO" status="Deleted"><Id>39</Id></CreditMemo>"#[..],
        br#"{"Vendor":{"domain":"QBO","Id":"3","DisplayName":"V"},"time":"2025-11-04T10:00:00-08:00"}"#,
        br#"{"CDCResponse":[{"QueryResponse":[{"Customer":[]}]}],"time":"2025-11-04T10:00:00-08:00"}"#,
    ] {
        assert!(
            matches!(
                decode_any(body),
                Err(WireError::Unsupported {
                    provider: Some(Profile::Qbo),
                    ..
                })
            ),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

// ------------------------------------------------------ QuickBooks Time

#[test]
fn qbtime_deleted_timesheets_are_listed_by_id() {
    let page =
        qbtime::decode_deleted_timesheets(&fixture("qbtime/timesheets-deleted.json")).unwrap();
    assert_eq!(page.ids, [88_120_017, 88_120_431]);
    assert!(!page.more);
    let (_, payload) = decode_any(&fixture("qbtime/timesheets-deleted.json")).unwrap();
    assert_eq!(
        payload,
        Payload::Deleted {
            kind: "timesheets".into(),
            ids: vec!["88120017".into(), "88120431".into()],
            more: false
        }
    );
    assert!(matches!(
        qbtime::decode_deleted_timesheets(br#"{"results":{"timesheets_deleted":{"5":{"id":6}}}}"#),
        Err(WireError::Shape {
            provider: Profile::QbTime,
            ..
        })
    ));
}

#[test]
fn qbtime_loose_types_are_read() {
    let page = qbtime::decode_timesheets(&fixture("qbtime/loose-types.json")).unwrap();
    assert!(!page.more);
    let t = &page.timesheets[0];
    assert_eq!(t.id, 88_120_500);
    assert_eq!(t.duration_secs, 5400);
    // The zero date reads as absent: the day comes from the start.
    assert_eq!(t.date, crate::support::time::date(2025, 11, 3));
}
