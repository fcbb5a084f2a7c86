//! Unit tests of the small pieces: cursors, page tokens, path ids, which
//! record a patch fits.

use super::*;
use crate::sync::{FieldChange, FieldValue, NameValue, SyncField};

fn patch(changes: Vec<(SyncField, Option<FieldValue>)>) -> FieldPatch {
    FieldPatch {
        profile: Profile::Xpm,
        changes: changes
            .into_iter()
            .map(|(field, new)| FieldChange {
                field,
                old: None,
                new,
            })
            .collect(),
    }
}

fn text(s: &str) -> Option<FieldValue> {
    Some(FieldValue::Text(s.into()))
}

#[test]
fn cursors_are_rfc3339_times_and_anything_else_is_refused() {
    let at = parse_cursor("2026-12-06T09:59:00Z");
    assert_eq!(
        at.clone().map(|d| d.to_rfc3339()),
        Ok("2026-12-06T09:59:00+00:00".into())
    );
    let offset = parse_cursor("2026-12-06T10:59:00+01:00");
    assert_eq!(offset, at);
    for bad in ["", "yesterday", "2026-12-06", "\u{0}"] {
        assert!(
            matches!(parse_cursor(bad), Err(AdapterError::Validation { .. })),
            "{bad:?}"
        );
    }
}

#[test]
fn page_tokens_are_refused_with_a_clear_message() {
    assert_eq!(no_page(None), Ok(()));
    let e = no_page(Some("2"));
    assert!(
        matches!(&e, Err(AdapterError::Validation { message, .. }) if message.contains("one page")),
        "{e:?}"
    );
}

#[test]
fn path_ids_are_letters_digits_and_hyphens() {
    assert_eq!(path_id(&ContactId::new("9e02-ab")), Ok("9e02-ab"));
    for bad in ["", "a/b", "../x", "a b", "a?b"] {
        assert!(path_id(&ContactId::new(bad)).is_err(), "{bad:?}");
    }
}

#[test]
fn the_patch_says_which_record_it_fits() {
    use super::update::Update;
    let calls = Calls::new("t");
    let id = ContactId::new("u1");
    let first = |p: &FieldPatch| {
        let mut u = Update::new(calls.clone(), &id, p).unwrap();
        let r = u.next_request().unwrap().unwrap();
        (r.method, r.path)
    };
    let rename = Some(FieldValue::Name(NameValue {
        display: "Acme".into(),
        ..NameValue::default()
    }));
    assert_eq!(
        first(&patch(vec![(SyncField::FaxPhone, text("1"))])),
        (Method::Get, "client.api/get/u1".into())
    );
    assert_eq!(
        first(&patch(vec![(SyncField::MobilePhone, text("1"))])),
        (Method::Get, "client.api/contact/u1".into())
    );
    assert_eq!(
        first(&patch(vec![(SyncField::Email, text("a@b.example"))])),
        (Method::Get, "client.api/get/u1".into())
    );
    assert_eq!(
        first(&patch(vec![(SyncField::Name, rename.clone())])),
        (Method::Put, "client.api/update".into())
    );
    assert_eq!(
        first(&patch(vec![
            (SyncField::Name, rename),
            (SyncField::MobilePhone, text("1"))
        ])),
        (Method::Put, "client.api/contact/u1".into())
    );
    // No XPM record has both a fax and a mobile; none has a billing address.
    for bad in [
        patch(vec![
            (SyncField::FaxPhone, text("1")),
            (SyncField::MobilePhone, text("2")),
        ]),
        patch(vec![(SyncField::BillingAddress, None)]),
    ] {
        assert!(matches!(
            Update::new(calls.clone(), &id, &bad),
            Err(AdapterError::Validation { .. })
        ));
    }
}
