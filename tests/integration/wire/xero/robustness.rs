//! Properties (round trips over generated records) and hostile input.

use super::billing::draft;
use super::*;

fn decode_everything(bytes: &[u8]) {
    let _ = xero::decode_any(bytes);
    let _ = xero::decode_contacts(bytes);
    let _ = xero::decode_contacts_page(bytes, u32::MAX);
    let _ = xero::decode_contacts_listing(&[bytes, bytes], &wire::Limits::default());
    let _ = xero::decode_contact(bytes);
    let _ = xero::decode_invoices(bytes);
    let _ = xero::decode_payments(bytes);
    let _ = xero::decode_error_body(bytes);
    let _ = xero::decode_error_detail(400, bytes, None, None);
}

#[test]
fn every_truncation_of_every_fixture_is_a_typed_result() {
    for (name, bytes) in own_fixtures("xero") {
        assert!(
            xero::decode_any(&bytes).is_some_and(|r| r.is_ok()),
            "{name}"
        );
        let end = bytes.trim_ascii_end().len();
        for cut in 0..bytes.len() {
            let part = &bytes[..cut];
            decode_everything(part);
            // A cut document never decodes as something it is not.
            if let Some(Ok(p)) = xero::decode_any(part).filter(|_| cut < end) {
                panic!("{name} cut at {cut} decoded: {}", p.summary());
            }
        }
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9 &'./-]{1,20}",
        "\\PC{1,12}",
        Just("\"quoted\\ and \u{1} control".to_owned()),
    ]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

fn address() -> impl Strategy<Value = Address> {
    (
        prop::sample::select(vec![
            AddressKind::Physical,
            AddressKind::Mailing,
            AddressKind::Billing,
        ]),
        prop::collection::vec(prop_oneof![text(), Just(String::new())], 0..5),
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
    )
        .prop_map(
            |(kind, lines, city, region, postal_code, country)| Address {
                kind,
                primary: false,
                lines,
                city,
                region,
                postal_code,
                country,
            },
        )
}

fn contact() -> impl Strategy<Value = Contact> {
    (
        prop::option::of("[0-9a-f]{8}-[0-9a-f]{4}"),
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
        prop::collection::vec("[a-z.]{1,10}@[a-z]{1,8}\\.test", 0..3),
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    PhoneKind::Primary,
                    PhoneKind::Mobile,
                    PhoneKind::Fax,
                    PhoneKind::Other,
                ]),
                "[0-9 +()-]{0,14}",
            ),
            0..6,
        ),
        prop::collection::vec(address(), 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(id, display, org, first, last, emails, phones, addresses, archived)| {
                let mut c = Contact {
                    id: ContactId::new(id.unwrap_or_default()),
                    display_name: display,
                    organization_name: org,
                    first_name: first,
                    last_name: last,
                    status: if archived {
                        ContactStatus::Archived
                    } else {
                        ContactStatus::Active
                    },
                    ..Contact::default()
                };
                for e in emails {
                    c = c.with_email(e);
                }
                for (k, n) in phones {
                    c = c.with_phone(k, n);
                }
                for a in addresses {
                    c = c.with_address(a);
                }
                c
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        decode_everything(&bytes);
    }

    #[test]
    fn json_like_noise_never_panics(s in "[\\[\\]{}\":,0-9a-zA-Z.\\\\ -]{0,200}") {
        decode_everything(s.as_bytes());
        let wrapped = format!(r#"{{"Contacts":[{s}]}}"#);
        decode_everything(wrapped.as_bytes());
        let wrapped = format!(r#"{{"Invoices":[{{"Date":"2020-01-01","LineItems":[{s}]}}]}}"#);
        decode_everything(wrapped.as_bytes());
    }

    #[test]
    fn encoded_contacts_decode_to_what_xero_carries(c in contact()) {
        match xero::encode_contact(&c) {
            Ok(body) => {
                let back = xero::decode_contacts(body.as_bytes()).unwrap().records;
                prop_assert_eq!(back, vec![xero::carried_as_contact(&c)]);
            }
            // Only what the documented checks refuse.
            Err(WireError::Invalid { .. } | WireError::TooLong { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
    }

    #[test]
    fn exact_amounts_survive_an_invoice_round_trip(
        q in (-1_000_000i64..1_000_000, 0u32..6),
        p in (-1_000_000_000i64..1_000_000_000, 0u32..9),
    ) {
        let mut dr = draft();
        dr.lines.truncate(1);
        dr.lines[0].quantity = Decimal::new(q.0, q.1);
        dr.lines[0].unit_price = Money::new(Decimal::new(p.0, p.1), Currency::NZD);
        let body = xero::encode_invoice_create(&dr, "abc").unwrap();
        let back = xero::decode_invoices(body.as_bytes()).unwrap();
        let line = &back.records[0].invoice.lines[0];
        prop_assert_eq!(line.quantity, dr.lines[0].quantity);
        prop_assert_eq!(line.quantity.scale(), dr.lines[0].quantity.scale());
        prop_assert_eq!(line.unit_price, dr.lines[0].unit_price);
    }
}

#[test]
fn shared_xero_payloads_decode_when_present() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/wire/fixtures/xero");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is not there", dir.display());
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let (provider, payload) =
            wire::decode_any(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(provider, Profile::XeroGl, "{}", path.display());
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(
            matches!(payload, Payload::Error { .. }),
            name.contains("400"),
            "{name}"
        );
        if name == "xero-contacts-put-400-duplicate-name.json" {
            let Payload::Error { error, .. } = payload else {
                unreachable!()
            };
            assert_eq!(
                error,
                AdapterError::DuplicateName {
                    name: "Buzz Lightyear".into()
                }
            );
        }
    }
}

// ------------------------------------------------------- hostile inputs

#[test]
fn nesting_100_000_deep_is_an_error_not_a_stack_overflow() {
    for doc in [
        format!("{{\"Contacts\":[{{\"Phones\":{}", "[".repeat(100_000)),
        format!("{{\"Invoices\":[{{\"LineItems\":{}", "[".repeat(100_000)),
        format!("{{\"Payments\":{}", "{\"a\":".repeat(100_000)),
        format!("{{\"ErrorNumber\":10,\"Elements\":{}", "[".repeat(100_000)),
    ] {
        assert!(wire::decode_any(doc.as_bytes()).is_err(), "{}", &doc[..20]);
    }
}

#[test]
fn limits_stop_a_page_at_the_record_item_or_field_past_them() {
    use ledgerlink::wire::{Limit, Limits};
    let contacts =
        br#"{"Contacts":[{"ContactID":"a","Name":"A","ContactPersons":[{"FirstName":"P"}]},
        {"ContactID":"b","Name":"Bee","Phones":[{"PhoneType":"DEFAULT","PhoneNumber":"1"},
        {"PhoneType":"MOBILE","PhoneNumber":"2"}]}]}"#;
    assert_eq!(xero::decode_contacts(contacts).unwrap().records.len(), 2);
    let with = |l: Limits| xero::decode_contacts_with_limits(contacts, None, &l);
    assert_eq!(
        with(Limits::default().with_max_records(1)).map(|p| p.records.len()),
        Err(WireError::TooLarge {
            provider: Profile::XeroGl,
            limit: Limit::Records,
            path: "Contacts[1]".into(),
            value: 2,
            max: 1,
        })
    );
    assert_eq!(
        with(Limits::default().with_max_items_per_record(1)).map(|p| p.records.len()),
        Err(WireError::TooLarge {
            provider: Profile::XeroGl,
            limit: Limit::ItemsPerRecord,
            path: "Contacts[1].Phones[1]".into(),
            value: 2,
            max: 1,
        })
    );
    assert_eq!(
        with(Limits::default().with_max_field_bytes(2)).map(|p| p.records.len()),
        Err(WireError::TooLarge {
            provider: Profile::XeroGl,
            limit: Limit::FieldBytes,
            path: "Contacts[1].Name".into(),
            value: 3,
            max: 2,
        })
    );
    let invoices = br#"{"Invoices":[{"Type":"ACCREC","InvoiceID":"i","Date":"2024-01-01",
        "LineItems":[{"Description":"a","UnitAmount":1},{"Description":"b","UnitAmount":2}]}]}"#;
    let mut opts = DecodeOptions::default();
    opts.limits = Limits::default().with_max_items_per_record(1);
    assert_eq!(
        xero::decode_invoices_with(invoices, &opts).map(|p| p.records.len()),
        Err(WireError::TooLarge {
            provider: Profile::XeroGl,
            limit: Limit::ItemsPerRecord,
            path: "Invoices[0].LineItems[1]".into(),
            value: 2,
            max: 1,
        })
    );
    opts.limits = Limits::default().with_max_records(0);
    assert!(matches!(
        xero::decode_invoices_with(invoices, &opts),
        Err(WireError::TooLarge {
            limit: Limit::Records,
            ..
        })
    ));
    opts.limits = Limits::default().with_max_field_bytes(0);
    assert!(matches!(
        xero::decode_invoices_with(invoices, &opts),
        Err(WireError::TooLarge {
            limit: Limit::FieldBytes,
            ..
        })
    ));
}
