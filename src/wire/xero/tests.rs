//! Unit tests of the Xero codec's pieces working together.

use super::*;
use crate::model::{PhoneKind, VersionToken};

#[test]
fn recognition_is_by_top_level_keys() {
    assert!(matches!(
        decode_any(br#"{"Id":"x","Contacts":[]}"#),
        Some(Ok(Payload::Contacts { .. }))
    ));
    assert!(matches!(
        decode_any(br#"{"Invoices":[]}"#),
        Some(Ok(Payload::Invoices(v))) if v.is_empty()
    ));
    assert!(matches!(
        decode_any(br#"{"Payments":[]}"#),
        Some(Ok(Payload::Payments(v))) if v.is_empty()
    ));
    assert!(matches!(
        decode_any(br#"{"ErrorNumber":16,"Type":"QueryParseException","Message":"bad"}"#),
        Some(Ok(Payload::Error {
            error: AdapterError::Validation { .. },
            ..
        }))
    ));
    // Nested keys do not count.
    assert!(decode_any(br#"{"Response":{"Contacts":[]}}"#).is_none());
}

#[test]
fn strings_with_escapes_and_controls_round_trip() {
    let c = Contact::named("", "Tab\there \"q\" \\ \u{1} é \u{1F600}")
        .with_phone(PhoneKind::Other, "1");
    let body = encode_contact_create(&c).unwrap_or_default();
    let back = decode_contacts(body.as_bytes()).map(|p| p.records);
    assert_eq!(back, Ok(vec![carried_as_contact(&c)]));
}

#[test]
fn version_token_is_the_update_time() {
    let page =
        decode_contacts(br#"{"Contacts":[{"ContactID":"a","UpdatedDateUTC":"/Date(0+0000)/"}]}"#);
    let c = page.map(|mut p| p.records.remove(0)).unwrap_or_default();
    assert_eq!(
        c.extras.version,
        c.extras.updated_at.map(VersionToken::UpdatedAt)
    );
    assert!(c.extras.updated_at.is_some());
}

#[test]
fn t3_registration_hints_are_read_and_the_tax_number_is_not() {
    let page = decode_contacts(
        br#"{"Contacts":[{"ContactID":"a","Name":"Morgan Reid","CompanyNumber":"NZBN 9429041234567",
            "TaxNumber":"123-45-6789","TaxNumberType":"SSN",
            "ContactPersons":[{"FirstName":"Ann","LastName":"Lee"},{"FirstName":"Bo","LastName":"Wu"}]},
            {"ContactID":"b","CompanyNumber":"","TaxNumberType":"VAT"}]}"#,
    )
    .unwrap_or_default();
    let (a, b) = (&page.records[0], &page.records[1]);
    assert_eq!(
        a.extras.company_number.as_deref(),
        Some("NZBN 9429041234567")
    );
    assert_eq!(a.extras.tax_id, Some(crate::model::TaxIdKind::Personal));
    assert_eq!(a.extras.contact_persons, 2);
    assert!(
        !format!("{a:?}").contains("6789"),
        "the tax number is never kept"
    );
    assert_eq!(b.extras.company_number, None);
    assert_eq!(b.extras.tax_id, None);
    assert_eq!(b.extras.contact_persons, 0);
}

#[test]
fn null_values_read_as_absent() {
    let page = decode_contacts(
        br#"{"Contacts":[{"ContactID":"a","Name":null,"Addresses":null,"Phones":null,"ContactPersons":null}],"pagination":null}"#,
    );
    let c = page.map(|mut p| p.records.remove(0)).unwrap_or_default();
    assert_eq!(c.id.as_str(), "a");
    assert_eq!(c.display_name, None);
    assert!(c.addresses.is_empty() && c.phones.is_empty());
}

#[test]
fn numbers_in_contacts_are_skipped_without_floats() {
    // A number too large for any float is still only skipped.
    let doc = format!(
        r#"{{"Contacts":[{{"Discount":1{}.5e999}}]}}"#,
        "0".repeat(400)
    );
    assert!(decode_contacts(doc.as_bytes()).is_ok());
}
