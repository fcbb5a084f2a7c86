//! Peak heap of decoding a listing of about 20 MB with each codec, per
//! byte of input: `cargo run --release --example wire_memory`.
//!
//! The listings are made here (realistic records of a few hundred bytes,
//! and `{}`-sized ones, the worst case of a decoder's output per input
//! byte). The peak counts what the decode allocates beyond the input.
#![allow(clippy::print_stdout)]

use ledgerlink::wire::{self, Limits};
use peak_alloc::PeakAlloc;

#[global_allocator]
static PEAK: PeakAlloc = PeakAlloc;

const TARGET: usize = 20 * 1024 * 1024;

fn repeat_until(head: &str, item: &dyn Fn(usize) -> String, sep: &str, tail: &str) -> Vec<u8> {
    let mut s = String::from(head);
    let mut i = 0;
    while s.len() < TARGET {
        if i > 0 {
            s.push_str(sep);
        }
        s.push_str(&item(i));
        i += 1;
    }
    s.push_str(tail);
    s.into_bytes()
}

fn listings() -> Vec<(&'static str, Vec<u8>)> {
    let xero = repeat_until(
        r#"{"Contacts":["#,
        &|i| {
            format!(
                r#"{{"ContactID":"5cc8cf28-567e-4d43-b287-{i:012}","ContactStatus":"ACTIVE","Name":"Harbour Lights Cafe {i}","FirstName":"Jo","LastName":"Smith","EmailAddress":"ap{i}@harbour.test","Addresses":[{{"AddressType":"POBOX","AddressLine1":"PO Box {i}","City":"Wellington","Region":"","PostalCode":"6011","Country":"NZ"}}],"Phones":[{{"PhoneType":"DEFAULT","PhoneNumber":"384 1234","PhoneAreaCode":"04","PhoneCountryCode":"64"}}],"UpdatedDateUTC":"/Date(1551399321043+0000)/","IsSupplier":false,"IsCustomer":true}}"#
            )
        },
        ",",
        "]}",
    );
    let xero_invoices = repeat_until(
        r#"{"Invoices":["#,
        &|i| {
            format!(
                r#"{{"Type":"ACCREC","InvoiceID":"inv-{i}","InvoiceNumber":"INV-{i}","Contact":{{"ContactID":"c-{i}"}},"Date":"2024-03-01","DueDate":"2024-03-31","Status":"AUTHORISED","CurrencyCode":"NZD","LineAmountTypes":"Exclusive","LineItems":[{{"Description":"Bookkeeping March","Quantity":2,"UnitAmount":120.50,"LineAmount":241.00,"ItemCode":"BK","TaxType":"OUTPUT2"}}]}}"#
            )
        },
        ",",
        "]}",
    );
    let qbo = repeat_until(
        r#"{"QueryResponse":{"Customer":["#,
        &|i| {
            format!(
                r#"{{"Id":"{i}","SyncToken":"3","DisplayName":"Acme Ltd {i}","CompanyName":"Acme Ltd {i}","GivenName":"Jane","FamilyName":"Smith","PrimaryEmailAddr":{{"Address":"jane{i}@acme.test"}},"PrimaryPhone":{{"FreeFormNumber":"(650) 555-3311"}},"BillAddr":{{"Id":"{i}","Line1":"12 Main St","City":"Mountain View","CountrySubDivisionCode":"CA","PostalCode":"94042"}},"Active":true,"Balance":0,"MetaData":{{"CreateTime":"2020-09-29T05:58:16-07:00","LastUpdatedTime":"2020-09-29T05:58:16-07:00"}}}}"#
            )
        },
        ",",
        r#"],"startPosition":1,"maxResults":1000}}"#,
    );
    let qbo_xml = repeat_until(
        "<IntuitResponse><QueryResponse>",
        &|i| {
            format!(
                "<Customer><Id>{i}</Id><SyncToken>3</SyncToken><DisplayName>Acme Ltd {i}</DisplayName><CompanyName>Acme Ltd</CompanyName><PrimaryEmailAddr><Address>jane{i}@acme.test</Address></PrimaryEmailAddr><PrimaryPhone><FreeFormNumber>(650) 555-3311</FreeFormNumber></PrimaryPhone><BillAddr><Line1>12 Main St</Line1><City>Mountain View</City></BillAddr><Active>true</Active></Customer>"
            )
        },
        "",
        "</QueryResponse></IntuitResponse>",
    );
    let xpm = repeat_until(
        "<Response><Status>OK</Status><Clients>",
        &|i| {
            format!(
                "<Client><UUID>720c21d3-e812-4bb1-9d6b-{i:012}</UUID><Name>Harbour Lights {i}</Name><Email>a{i}@harbour.test</Email><Phone>04 384 1234</Phone><Address>Level 32\n188 Quay St</Address><City>Auckland</City><PostCode>1010</PostCode><Country>New Zealand</Country><IsArchived>No</IsArchived><BusinessStructure>Company</BusinessStructure><Contacts><Contact><UUID>p-{i}</UUID><Name>Jo Smith</Name><Email>jo{i}@harbour.test</Email><IsPrimary>Yes</IsPrimary></Contact></Contacts></Client>"
            )
        },
        "",
        "</Clients></Response>",
    );
    let qbt = repeat_until(
        r#"{"results":{"jobcodes":{"#,
        &|i| {
            let id = i + 1;
            format!(
                r#""{id}":{{"id":{id},"parent_id":0,"assigned_to_all":false,"billable":false,"active":true,"type":"regular","has_children":false,"billable_rate":0,"short_code":"","name":"Client {i}","last_modified":"2024-03-01T10:00:00+00:00","created":"2024-03-01T10:00:00+00:00","filtered_customfielditems":"","required_customfields":[],"locations":[],"connect_with_quickbooks":false}}"#
            )
        },
        ",",
        r#"}},"more":false}"#,
    );
    // The worst case: the smallest records the decoders accept.
    let xero_empty = repeat_until(r#"{"Contacts":["#, &|_| "{}".into(), ",", "]}");
    let xero_persons = repeat_until(
        r#"{"Contacts":[{"ContactPersons":["#,
        &|_| "{}".into(),
        ",",
        "]}]}",
    );
    let qbo_tiny = repeat_until(
        r#"{"QueryResponse":{"Customer":["#,
        &|i| format!(r#"{{"Id":"{i}"}}"#),
        ",",
        "]}}",
    );
    let xpm_tiny = repeat_until(
        "<Response><Clients>",
        &|i| format!("<Client><UUID>{i}</UUID></Client>"),
        "",
        "</Clients></Response>",
    );
    vec![
        ("xero contacts", xero),
        ("xero invoices", xero_invoices),
        ("qbo customers (JSON)", qbo),
        ("qbo customers (XML)", qbo_xml),
        ("xpm clients", xpm),
        ("qbt jobcodes", qbt),
        ("xero {} contacts", xero_empty),
        ("xero {} contact persons", xero_persons),
        ("qbo {Id} customers", qbo_tiny),
        ("xpm <UUID> clients", xpm_tiny),
    ]
}

fn main() {
    let unbounded = Limits::default()
        .with_max_records(usize::MAX)
        .with_max_items_per_record(usize::MAX);
    println!("| listing | input MB | limits | records | peak MB | peak / input |");
    println!("|---|---|---|---|---|---|");
    for (name, bytes) in listings() {
        for (label, limits) in [("defaults", None), ("unbounded", Some(&unbounded))] {
            PEAK.reset_peak_usage();
            let before = PEAK.current_usage();
            let out = match limits {
                None => wire::decode_any(&bytes),
                Some(l) => wire::decode_any_with_limits(&bytes, l),
            };
            let peak = PEAK.peak_usage().saturating_sub(before);
            let what = match &out {
                Ok((_, p)) => p.summary(),
                Err(e) => format!(
                    "error: {}",
                    e.to_string().chars().take(70).collect::<String>()
                ),
            };
            drop(out);
            #[allow(clippy::cast_precision_loss)]
            let (mb, peak_mb, ratio) = (
                bytes.len() as f64 / 1e6,
                peak as f64 / 1e6,
                peak as f64 / bytes.len() as f64,
            );
            println!("| {name} | {mb:.1} | {label} | {what} | {peak_mb:.1} | {ratio:.2} |");
        }
    }
}
