//! Hostile input: truncations, deep nesting, attribute floods and limits
//! end as typed errors, never a panic, a hang or a stack overflow.

use super::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        every_decoder(&bytes);
    }

    #[test]
    fn random_json_ish_text_never_panics(text in "[\\[\\]{}\":,0-9a-zA-Z .eE+\\-\\\\]{0,200}") {
        every_decoder(text.as_bytes());
        let wrapped = format!("{{\"QueryResponse\":{{\"Customer\":[{text}]}}}}");
        every_decoder(wrapped.as_bytes());
    }

    #[test]
    fn random_xml_ish_text_never_panics(text in "[<>/&;#a-zA-Z0-9 =\"'!?\\[\\]-]{0,200}") {
        every_decoder(text.as_bytes());
        let wrapped = format!("<IntuitResponse>{text}</IntuitResponse>");
        every_decoder(wrapped.as_bytes());
    }

    #[test]
    fn corrupted_fixtures_never_panic(
        which in 0..own_fixtures("qbo").len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = own_fixtures("qbo")[which].1.clone();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        every_decoder(&bytes);
    }
}

/// Where a truncated document can first be told to be QBO's: after the
/// first top-level key (JSON) or the root's start tag (XML).
fn recognisable_from(bytes: &[u8]) -> usize {
    let text = std::str::from_utf8(bytes).unwrap();
    if text.trim_start().starts_with('<') {
        let root = text.find("<IntuitResponse").unwrap();
        root + text[root..].find('>').unwrap() + 1
    } else {
        let open = text.find('"').unwrap();
        open + 1 + text[open + 1..].find('"').unwrap() + 1
    }
}

#[test]
fn every_truncation_of_the_fixtures_is_a_typed_error() {
    for (name, bytes) in &own_fixtures("qbo") {
        let full = bytes.trim_ascii_end().len();
        let from = recognisable_from(bytes);
        for cut in 0..full {
            let part = &bytes[..cut];
            entry_decoders(part);
            assert!(qbo::decode_contacts(part).is_err(), "{name} cut at {cut}");
            if cut >= from {
                assert!(
                    matches!(qbo::decode_any(part), Some(Err(WireError::Syntax { .. }))),
                    "{name} cut at {cut} not recognised"
                );
            }
        }
    }
}

#[test]
fn truncations_of_the_shared_payloads_never_panic() {
    let Some(files) = shared_fixtures("qbo") else {
        return;
    };
    for (name, bytes) in &files {
        let full = bytes.trim_ascii_end().len();
        // Every cut of a small file; for a large one, every cut near both
        // ends and about five hundred spread between.
        let step = (full / 500).max(1);
        let cuts = (0..full).filter(|&c| c < 128 || c + 128 > full || c % step == 0);
        for cut in cuts {
            let part = &bytes[..cut];
            entry_decoders(part);
            if name.ends_with(".json") {
                assert!(qbo::decode(part).is_err(), "{name} cut at {cut}");
            }
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        qbo::decode(deep_json.as_bytes()),
        Err(WireError::Syntax { .. })
    ));
    let deep_obj = "{\"Customer\":".repeat(50_000);
    assert!(matches!(
        qbo::decode_any(deep_obj.as_bytes()),
        Some(Err(WireError::Syntax { .. }))
    ));
    let deep_xml = format!("<IntuitResponse>{}", "<a>".repeat(100_000));
    assert!(matches!(
        qbo::decode_any(deep_xml.as_bytes()),
        Some(Err(WireError::Syntax { .. }))
    ));
}

// ------------------------------------------------------- hostile inputs

/// `<Customer a0="x" a1="x" …>` with `n` attributes, inside `root`.
fn many_attributes(root: &str, n: usize) -> Vec<u8> {
    let mut s = format!("<{root}><Customer");
    for i in 0..n {
        s.push_str(&format!(" a{i}=\"x\""));
    }
    s.push_str(&format!("><Id>1</Id></Customer></{root}>"));
    s.into_bytes()
}

/// Limits that never stop a read, to time the reader itself.
fn unbounded() -> ledgerlink::wire::Limits {
    ledgerlink::wire::Limits::default()
        .with_max_records(usize::MAX)
        .with_max_items_per_record(usize::MAX)
}

#[test]
fn attributes_are_read_in_linear_time_even_400_000_on_one_element() {
    // Checking each attribute name against every earlier one (quick-xml's
    // own duplicate check) took 8.3 s for 80,000 attributes: for 400,000
    // that is over three minutes, a hang; read in linear time it is a
    // fraction of a second, even in a debug build.
    let body = many_attributes("IntuitResponse", 400_000);
    let opts = DecodeOptions {
        limits: unbounded(),
        ..DecodeOptions::default()
    };
    let page = qbo::decode_contacts_with(&body, &opts).unwrap();
    assert_eq!(page.records.len(), 1);
    // A repeated name is still refused, as XML requires.
    let twice = br#"<IntuitResponse><Customer a="1" a="2"><Id>1</Id></Customer></IntuitResponse>"#;
    assert!(matches!(
        qbo::decode_contacts(twice),
        Err(WireError::Syntax { .. })
    ));
}

#[test]
fn eighty_thousand_attributes_are_a_typed_limit_error_in_decode_any_and_an_error_page() {
    use ledgerlink::wire::Limit;
    let body = many_attributes("IntuitResponse", 80_000);
    match ledgerlink::wire::decode_any(&body) {
        Err(WireError::TooLarge {
            provider: Profile::Qbo,
            limit: Limit::Records,
            path,
            value,
            max,
        }) => {
            assert_eq!(max, ledgerlink::wire::DEFAULT_MAX_RECORDS_PAGED);
            assert_eq!(value, max + 1);
            assert!(path.starts_with("IntuitResponse.Customer"), "{path}");
        }
        other => panic!("{other:?}"),
    }
    // An HTML 503 page of the same shape is still a transient error.
    let page = many_attributes("html", 80_000);
    assert!(matches!(
        qbo::decode_error(503, &page),
        AdapterError::Transient { .. }
    ));
}

#[test]
fn nesting_100_000_deep_is_an_error_not_a_stack_overflow() {
    let json = format!("{{\"QueryResponse\":{{\"Customer\":{}", "[".repeat(100_000));
    assert!(matches!(
        qbo::decode(json.as_bytes()),
        Err(WireError::Syntax { .. })
    ));
    let objects = "{\"a\":".repeat(100_000);
    assert!(qbo::decode(objects.as_bytes()).is_err());
    let xml = format!("<IntuitResponse>{}", "<Customer>".repeat(100_000));
    assert!(matches!(
        qbo::decode(xml.as_bytes()),
        Err(WireError::Syntax { .. })
    ));
    assert!(ledgerlink::wire::decode_any(xml.as_bytes()).is_err());
}

#[test]
fn limits_stop_a_page_at_the_record_item_or_field_past_them() {
    use ledgerlink::wire::{Limit, Limits};
    let page = br#"{"QueryResponse":{"Customer":[
        {"Id":"1","DisplayName":"A"},{"Id":"2","DisplayName":"B"},{"Id":"3","DisplayName":"Bee"}],
        "startPosition":1,"maxResults":3}}"#;
    let with = |limits: Limits| DecodeOptions {
        limits,
        ..DecodeOptions::default()
    };
    let e = qbo::decode_contacts_with(page, &with(Limits::default().with_max_records(2)));
    assert_eq!(
        e,
        Err(WireError::TooLarge {
            provider: Profile::Qbo,
            limit: Limit::Records,
            path: "QueryResponse.Customer[2]".into(),
            value: 3,
            max: 2,
        })
    );
    let e = qbo::decode_contacts_with(page, &with(Limits::default().with_max_field_bytes(2)));
    assert_eq!(
        e,
        Err(WireError::TooLarge {
            provider: Profile::Qbo,
            limit: Limit::FieldBytes,
            path: "QueryResponse.Customer[2].DisplayName".into(),
            value: 3,
            max: 2,
        })
    );
    let e = qbo::decode_contacts_with(page, &with(Limits::default().with_max_items_per_record(1)));
    assert!(
        matches!(&e, Err(WireError::TooLarge { limit: Limit::ItemsPerRecord, path, .. })
            if path == "QueryResponse.Customer[0].DisplayName"),
        "{e:?}"
    );
    let xml = br#"<IntuitResponse><QueryResponse><Customer><Id>1</Id></Customer>
        <Customer><Id>2</Id></Customer><Customer><Id>3</Id><DisplayName>Bee</DisplayName></Customer>
        </QueryResponse></IntuitResponse>"#;
    let e = qbo::decode_contacts_with(xml, &with(Limits::default().with_max_field_bytes(2)));
    assert_eq!(
        e,
        Err(WireError::TooLarge {
            provider: Profile::Qbo,
            limit: Limit::FieldBytes,
            path: "IntuitResponse.QueryResponse.Customer[2].DisplayName".into(),
            value: 3,
            max: 2,
        })
    );
    let e = qbo::decode_contacts_with(page, &with(Limits::default().with_max_input_bytes(10)));
    assert!(matches!(
        e,
        Err(WireError::TooLarge {
            limit: Limit::InputBytes,
            ..
        })
    ));
    // The defaults read the page.
    assert_eq!(qbo::decode_contacts(page).unwrap().records.len(), 3);
}
