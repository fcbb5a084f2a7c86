//! `xero::decode_contacts_listing`: a whole listing decoded as its pages
//! one after another would be (in parallel with the `parallel` feature).

use ledgerlink::wire::xero::{self, ContactsPage};
use ledgerlink::wire::{Limit, Limits, Profile, WireError};

use crate::support::fixtures::fixture;

/// Page `p` (from 1) of a `pages`-page listing, with `n` contacts, each
/// with phones, addresses and (every third) a contact person.
fn page(p: usize, pages: usize, n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|j| {
            let i = p * 1000 + j;
            let persons = if i.is_multiple_of(3) {
                format!(r#"[{{"FirstName":"P{i}","EmailAddress":"p{i}@x.test"}}]"#)
            } else {
                "[]".into()
            };
            format!(
                r#"{{"ContactID":"c{i}","Name":"Client {i}","Phones":[{{"PhoneType":"MOBILE","PhoneNumber":"{i}"}},{{"PhoneType":"FAX","PhoneNumber":""}}],"Addresses":[{{"AddressType":"STREET","City":"C{i}"}}],"ContactPersons":{persons}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"pagination":{{"page":{p},"pageCount":{pages}}},"Contacts":[{}]}}"#,
        items.join(",")
    )
}

/// The pages decoded one by one and put together (an error: the page's
/// number and error).
fn one_by_one(pages: &[Vec<u8>]) -> Result<ContactsPage, (u32, WireError)> {
    let mut all = ContactsPage::default();
    for (k, bytes) in pages.iter().enumerate() {
        let n = u32::try_from(k + 1).unwrap();
        let mut p = xero::decode_contacts_page(bytes, n).map_err(|error| (n, error))?;
        all.records.append(&mut p.records);
        all.people.append(&mut p.people);
        all.next_page = p.next_page;
    }
    Ok(all)
}

#[test]
fn a_listing_decodes_as_its_pages_one_after_another() {
    let limits = Limits::for_provider(Profile::XeroGl);
    for count in [0, 1, 2, 3, 5, 8] {
        let pages: Vec<Vec<u8>> = (1..=count)
            .map(|p| page(p, count, 7 + p % 3).into_bytes())
            .collect();
        let all = xero::decode_contacts_listing(&pages, &limits).unwrap();
        assert_eq!(Ok(&all), one_by_one(&pages).as_ref(), "{count} pages");
        // Every phone and address list at its exact size.
        assert!(
            all.records
                .iter()
                .all(|c| c.phones.capacity() == c.phones.len()
                    && c.addresses.capacity() == c.addresses.len())
        );
        assert_eq!(
            all.records.len(),
            (1..=count).map(|p| 7 + p % 3).sum::<usize>()
        );
        assert!(count < 2 || !all.people.is_empty());
        // The listing's last page says there is none after it.
        assert_eq!(all.next_page, None);
    }
    // A listing cut short points to the page after its last.
    let pages: Vec<Vec<u8>> = (1..=3).map(|p| page(p, 9, 2).into_bytes()).collect();
    let all = xero::decode_contacts_listing(&pages, &limits).unwrap();
    assert_eq!(all.next_page.as_deref(), Some("4"));
    // The tricky fixture twice: the same as each page alone.
    let tricky = fixture("xero/contacts-page-tricky.json");
    let pages = vec![tricky.clone(), tricky];
    assert_eq!(
        xero::decode_contacts_listing(&pages, &limits).map_err(|e| (e.page, e.error)),
        one_by_one(&pages)
    );
}

#[test]
fn pages_without_pagination_are_numbered_by_their_place() {
    let full: Vec<String> = (0..xero::PAGE_SIZE)
        .map(|i| format!(r#"{{"ContactID":"c{i}"}}"#))
        .collect();
    let full = format!(r#"{{"Contacts":[{}]}}"#, full.join(","));
    let pages = vec![full.as_bytes(); 3];
    let all = xero::decode_contacts_listing(&pages, &Limits::default()).unwrap();
    assert_eq!(all.records.len(), 3 * xero::PAGE_SIZE);
    assert_eq!(all.next_page.as_deref(), Some("4"));
}

#[test]
fn a_listing_reports_its_first_bad_page() {
    let limits = Limits::for_provider(Profile::XeroGl);
    let good: Vec<u8> = page(1, 1, 3).into_bytes();
    let syntax = br#"{"Contacts":[{"Name":"A"}]"#.to_vec();
    let shape = br#"{"Contacts":[{"ContactStatus":"PENDING"}]}"#.to_vec();
    for (pages, at) in [
        (
            vec![good.clone(), syntax.clone(), good.clone(), shape.clone()],
            2,
        ),
        (
            vec![good.clone(), good.clone(), good.clone(), shape.clone()],
            4,
        ),
        (vec![shape.clone(), syntax.clone()], 1),
        (
            vec![
                good.clone(),
                good.clone(),
                good.clone(),
                good.clone(),
                good.clone(),
                syntax.clone(),
            ],
            6,
        ),
    ] {
        let e = xero::decode_contacts_listing(&pages, &limits).unwrap_err();
        assert_eq!(e.page, at);
        let alone = xero::decode_contacts_page(&pages[at as usize - 1], at).unwrap_err();
        assert_eq!(e.error, alone);
        assert!(e.to_string().starts_with(&format!("page {at}: ")), "{e}");
    }
}

#[test]
fn each_page_is_held_to_the_limits_on_its_own() {
    let limits = Limits::for_provider(Profile::XeroGl).with_max_records(5);
    // Three pages of three contacts (and a person each third): nine
    // records in all, no page past five.
    let pages: Vec<Vec<u8>> = (1..=3).map(|p| page(p, 3, 3).into_bytes()).collect();
    assert_eq!(
        xero::decode_contacts_listing(&pages, &limits)
            .unwrap()
            .records
            .len(),
        9
    );
    let mut pages = pages;
    pages.push(page(4, 4, 6).into_bytes());
    let e = xero::decode_contacts_listing(&pages, &limits).unwrap_err();
    assert_eq!(e.page, 4);
    assert!(
        matches!(&e.error, WireError::TooLarge { limit: Limit::Records, path, .. } if path == "Contacts[5]"),
        "{e:?}"
    );
}
