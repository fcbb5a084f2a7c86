//! Name and email normalisers (N1–N4) on any text:
//! - idempotent: normalise(normalise(x)) == normalise(x);
//! - canonically equivalent inputs (NFC and NFD of one string) give equal
//!   output, for names and for emails (known defect 10: emails);
//! - the `_into` variants append exactly what the allocating ones return,
//!   and leave the buffer alone on error;
//! - `names_equal` agrees with comparing the normal forms.
#![no_main]

use ledgerlink::normalize::{
    names_equal, normalize_email, normalize_email_into, normalize_name, normalize_name_into,
    normalize_person_name_into,
};
use ledgerlink_fuzz::check_known;
use libfuzzer_sys::fuzz_target;
use unicode_normalization::UnicodeNormalization;

fuzz_target!(|input: (String, String)| {
    let (s, other) = input;
    // Names.
    let n = normalize_name(&s).into_owned();
    assert_eq!(normalize_name(&n), n, "name not idempotent: {s:?}");
    let mut buf = String::from("prefix");
    normalize_name_into(&s, &mut buf);
    assert_eq!(&buf["prefix".len()..], n, "name _into differs: {s:?}");
    let nfc: String = s.nfc().collect();
    let nfd: String = s.nfd().collect();
    assert_eq!(normalize_name(&nfc), normalize_name(&nfd), "name NFC/NFD: {s:?}");
    assert!(names_equal(&nfc, &nfd), "names_equal NFC/NFD: {s:?}");
    let o = normalize_name(&other);
    assert_eq!(names_equal(&s, &other), n == o, "names_equal vs normal forms: {s:?} {other:?}");
    let mut person = String::new();
    normalize_person_name_into(&s, &other, &mut person);
    let mut again = String::new();
    normalize_name_into(&person, &mut again);
    assert_eq!(again, person, "person name not idempotent: {s:?} {other:?}");

    // Emails.
    let e = normalize_email(&s);
    if let Ok(e) = &e {
        assert_eq!(normalize_email(e).as_deref(), Ok(&**e), "email not idempotent: {s:?}");
    }
    let mut buf = String::from("prefix");
    let into = normalize_email_into(&s, &mut buf);
    match (&e, into) {
        (Ok(e), Ok(())) => assert_eq!(&buf["prefix".len()..], &**e, "email _into: {s:?}"),
        (Err(a), Err(b)) => {
            assert_eq!(*a, b, "email _into error: {s:?}");
            assert_eq!(buf, "prefix", "email _into wrote on error: {s:?}");
        }
        (a, b) => panic!("email _into disagrees: {s:?}: {a:?} vs {b:?}"),
    }
    let (ec, ed) = (normalize_email(&nfc), normalize_email(&nfd));
    check_known!(10, ec == ed, "email NFC/NFD of {s:?}: {ec:?} vs {ed:?}");
});
