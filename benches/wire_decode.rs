//! Decoding benchmark (issue 16's target: a 100-page Xero contacts
//! listing — 10,000 contacts — decoded into `Vec<Contact>` in under
//! 10 ms).
//!
//! Groups:
//!
//! - `xero_contacts/pages/100x100`: [`xero::decode_contacts_page`] over
//!   100 pages of 100 contacts each, generated deterministically here in
//!   the shape of Xero's `GET Contacts?page=N` answer (compact JSON, as the
//!   API sends it): the response envelope and `pagination`, two addresses
//!   (`STREET` mostly empty, `POBOX` filled), the four phone slots with
//!   empty strings in the unused ones, `UpdatedDateUTC` in the
//!   `/Date(ms+0000)/` form, balances, empty `ContactGroups` and
//!   `ContactPersons`. The pages' records are gathered into one
//!   `Vec<Contact>`, dropped outside the timing. One core.
//! - `xero_contacts/listing/100x100`: the same pages through
//!   [`xero::decode_contacts_listing`]: one core without the `parallel`
//!   feature, rayon's pool (two threads on two cores) with it.
//!
//! ```text
//! cargo bench --bench wire_decode                      # one core
//! cargo bench --bench wire_decode --features parallel  # listing on the pool
//! ```
//!
//! Figures: README, "Wire decoding". Part of every figure is the
//! allocator's: the results of the previous iterations are dropped
//! outside the timing, and glibc may hand their pages back to the kernel
//! (which the next decode takes back page by page) or leave the merging
//! of their freed blocks to the next large allocation;
//! `GLIBC_TUNABLES=glibc.malloc.trim_threshold=1000000000` keeps the
//! memory.

#![allow(clippy::expect_used)]

use std::fmt::Write as _;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ledgerlink::Contact;
use ledgerlink::wire::{Limits, Profile, xero};

const PAGES: usize = 100;
const PER_PAGE: usize = 100;

/// A deterministic UUID-shaped id.
fn uuid(n: u64) -> String {
    let x = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5851_f42d_4c95_7f2d;
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        x >> 32,
        (x >> 16) & 0xffff,
        x & 0xfff,
        (x >> 20) & 0xfff,
        n & 0xffff_ffff_ffff
    )
}

fn page(p: usize) -> String {
    let mut s = String::with_capacity(PER_PAGE * 1100);
    let _ = write!(
        s,
        r#"{{"Id":"{}","Status":"OK","ProviderName":"Ledgerlink Bench","DateTimeUTC":"/Date(1551399323399)/","pagination":{{"page":{},"pageSize":{PER_PAGE},"pageCount":{PAGES},"itemCount":{}}},"Contacts":["#,
        uuid(p as u64),
        p + 1,
        PAGES * PER_PAGE
    );
    for j in 0..PER_PAGE {
        let i = p * PER_PAGE + j;
        if j > 0 {
            s.push(',');
        }
        let mobile = if i.is_multiple_of(2) {
            format!("{:03}-{:04}", i % 1000, i % 10_000)
        } else {
            String::new()
        };
        let _ = write!(
            s,
            r#"{{"ContactID":"{id}","ContactStatus":"{status}","Name":"Client {i} Ltd","FirstName":"Pat","LastName":"Lee{i}","EmailAddress":"accounts{i}@client{i}.test","BankAccountDetails":"","TaxNumber":"","Addresses":[{{"AddressType":"STREET","City":"","Region":"","PostalCode":"","Country":""}},{{"AddressType":"POBOX","AddressLine1":"PO Box {i}","AddressLine2":"","AddressLine3":"","AddressLine4":"","City":"Wellington","Region":"","PostalCode":"6011","Country":"New Zealand","AttentionTo":""}}],"Phones":[{{"PhoneType":"DDI","PhoneNumber":"","PhoneAreaCode":"","PhoneCountryCode":""}},{{"PhoneType":"DEFAULT","PhoneNumber":"384-{n:04}","PhoneAreaCode":"04","PhoneCountryCode":"64"}},{{"PhoneType":"FAX","PhoneNumber":"","PhoneAreaCode":"","PhoneCountryCode":""}},{{"PhoneType":"MOBILE","PhoneNumber":"{mobile}","PhoneAreaCode":"","PhoneCountryCode":""}}],"UpdatedDateUTC":"/Date({ms}+0000)/","ContactGroups":[],"IsSupplier":false,"IsCustomer":true,"Balances":{{"AccountsReceivable":{{"Outstanding":{o}.00,"Overdue":0.00}},"AccountsPayable":{{"Outstanding":0.00,"Overdue":0.00}}}},"ContactPersons":[],"HasAttachments":false,"HasValidationErrors":false}}"#,
            id = uuid(1_000_000 + i as u64),
            status = if i.is_multiple_of(50) {
                "ARCHIVED"
            } else {
                "ACTIVE"
            },
            n = i % 10_000,
            ms = 1_503_348_544_227_u64 + i as u64 * 1000,
            o = i % 997,
        );
    }
    s.push_str("]}");
    s
}

fn decode_all(pages: &[String]) -> Vec<Contact> {
    let mut out = Vec::with_capacity(PAGES * PER_PAGE);
    for (n, p) in pages.iter().enumerate() {
        let page = xero::decode_contacts_page(p.as_bytes(), u32::try_from(n + 1).unwrap_or(0))
            .expect("a generated page decodes");
        out.extend(page.records);
    }
    out
}

fn xero_contacts(c: &mut Criterion) {
    let pages: Vec<String> = (0..PAGES).map(page).collect();
    let bytes: usize = pages.iter().map(String::len).sum();
    let check = decode_all(&pages);
    assert_eq!(check.len(), PAGES * PER_PAGE);
    assert_eq!(check[1].phones.len(), 1);
    assert_eq!(check[2].phones.len(), 2);
    let mut g = c.benchmark_group("xero_contacts");
    g.sample_size(20).measurement_time(Duration::from_secs(4));
    g.throughput(Throughput::Bytes(u64::try_from(bytes).unwrap_or(u64::MAX)));
    g.bench_function("pages/100x100", |b| {
        b.iter_with_large_drop(|| decode_all(&pages));
    });
    let limits = Limits::for_provider(Profile::XeroGl);
    let listing = xero::decode_contacts_listing(&pages, &limits).expect("the listing decodes");
    assert_eq!(listing.records, check);
    g.bench_function("listing/100x100", |b| {
        b.iter_with_large_drop(|| {
            xero::decode_contacts_listing(&pages, &limits)
                .expect("the listing decodes")
                .records
        });
    });
    g.finish();
}

criterion_group!(benches, xero_contacts);
criterion_main!(benches);
