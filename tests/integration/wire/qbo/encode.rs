//! Request bodies: creates and sparse updates with their limits, plan
//! actions, invoices and payments with exact decimals, paged queries.

use super::*;

pub(super) fn person() -> Contact {
    Contact::person("", "Jane", "Smith")
        .with_display_name("Jane Smith")
        .with_email("jane@smith.example")
        .with_phone(PhoneKind::Primary, "04 555 0100")
        .with_address(Address {
            kind: AddressKind::Physical,
            lines: vec!["1 Main St".into(), "Flat 2".into()],
            city: Some("Leeds".into()),
            postal_code: Some("LS1 1AA".into()),
            ..Address::default()
        })
}

#[test]
fn a_create_sends_the_primary_address_in_the_slot_of_its_kind() {
    let mut c = person();
    c.addresses.push(Address {
        kind: AddressKind::Billing,
        lines: vec!["PO Box 9".into()],
        ..Address::default()
    });
    assert_eq!(
        qbo::encode_customer_create(&c).unwrap(),
        concat!(
            r#"{"DisplayName":"Jane Smith","GivenName":"Jane","FamilyName":"Smith","#,
            r#""PrimaryEmailAddr":{"Address":"jane@smith.example"},"#,
            r#""PrimaryPhone":{"FreeFormNumber":"04 555 0100"},"#,
            r#""ShipAddr":{"Line1":"1 Main St","Line2":"Flat 2","City":"Leeds","PostalCode":"LS1 1AA"}}"#
        )
    );
    // A mailing address goes where QBO mails invoices: BillAddr.
    let mut m = person();
    m.addresses[0].kind = AddressKind::Mailing;
    assert!(
        qbo::encode_customer_create(&m)
            .unwrap()
            .contains(r#""BillAddr":{"Line1":"1 Main St""#)
    );
}

#[test]
fn sub_customers_and_archived_customers_are_created_as_such() {
    let mut job = Contact::named("", "Kitchen refit");
    job.extras.parent_id = Some("101".into());
    job.status = ContactStatus::Archived;
    assert_eq!(
        qbo::encode_customer_create(&job).unwrap(),
        r#"{"DisplayName":"Kitchen refit","Job":true,"ParentRef":{"value":"101"},"Active":false}"#
    );
}

#[test]
fn values_qbo_would_refuse_are_reported_before_sending() {
    let too_long = |field: &'static str, len: usize, max: usize| WireError::TooLong {
        provider: Profile::Qbo,
        field,
        len,
        max,
    };
    let c = person().with_display_name("x".repeat(501));
    assert_eq!(
        qbo::encode_customer_create(&c),
        Err(too_long("DisplayName", 501, 500))
    );
    // Characters, not bytes.
    let c = person().with_display_name("é".repeat(500));
    assert!(qbo::encode_customer_create(&c).is_ok());
    let mut c = person();
    c.middle_name = Some("m".repeat(101));
    assert_eq!(
        qbo::encode_customer_create(&c),
        Err(too_long("MiddleName", 101, 100))
    );
    let c = person().with_organization_name("o".repeat(101));
    assert_eq!(
        qbo::encode_customer_create(&c),
        Err(too_long("CompanyName", 101, 100))
    );
    let c = person().with_phone(PhoneKind::Fax, "1".repeat(31));
    assert_eq!(
        qbo::encode_customer_create(&c),
        Err(too_long("Fax.FreeFormNumber", 31, 30))
    );
    for (name, field) in [
        ("Smith: Jane", "DisplayName"),
        ("Jane\tSmith", "DisplayName"),
        ("Jane\nSmith", "DisplayName"),
    ] {
        let c = person().with_display_name(name);
        assert!(
            matches!(qbo::encode_customer_create(&c), Err(WireError::Invalid { field: f, .. }) if f == field),
            "{name:?}"
        );
    }
    let c = person().with_names("Ja:ne", "Smith");
    assert!(matches!(
        qbo::encode_customer_create(&c),
        Err(WireError::Invalid { field, .. }) if field == "GivenName"
    ));
    let mut c = person();
    c.display_name = None;
    assert!(matches!(
        qbo::encode_customer_create(&c),
        Err(WireError::Invalid { field, .. }) if field == "DisplayName"
    ));
    let mut c = person();
    c.emails[0].address = "jane-at-smith".into();
    assert!(matches!(
        qbo::encode_customer_create(&c),
        Err(WireError::Invalid { field, .. }) if field == "PrimaryEmailAddr.Address"
    ));
    let mut c = person();
    c.addresses[0].lines = (1..=6).map(|i| format!("line {i}")).collect();
    assert!(matches!(
        qbo::encode_customer_create(&c),
        Err(WireError::Invalid { field, .. }) if field == "ShipAddr"
    ));
}

#[test]
fn updates_are_sparse_with_the_sync_token() {
    let id = ContactId::from("104");
    let v = VersionToken::SyncToken("5".into());
    let update = patch(
        Profile::Qbo,
        vec![
            (
                SyncField::Email,
                Some(FieldValue::Text("new@acme.example".into())),
            ),
            (SyncField::MobilePhone, None),
            (
                SyncField::BillingAddress,
                Some(FieldValue::Address(Address {
                    lines: vec!["2 High St".into()],
                    city: Some("York".into()),
                    ..Address::default()
                })),
            ),
        ],
    );
    assert_eq!(
        qbo::encode_customer_update(&id, &update, Some(&v)).unwrap(),
        concat!(
            r#"{"Id":"104","SyncToken":"5","sparse":true,"#,
            r#""PrimaryEmailAddr":{"Address":"new@acme.example"},"#,
            r#""Mobile":{"FreeFormNumber":""},"#,
            r#""BillAddr":{"Line1":"2 High St","Line2":"","Line3":"","Line4":"","Line5":"","#,
            r#""City":"York","CountrySubDivisionCode":"","PostalCode":"","Country":""}}"#
        )
    );
    // No token, no update: QBO would refuse it, and overwriting blindly
    // is what the token prevents.
    assert!(matches!(
        qbo::encode_customer_update(&id, &update, None),
        Err(WireError::Invalid { field, .. }) if field == "SyncToken"
    ));
    let xero_token = VersionToken::UpdatedAt(at("2024-01-01T00:00:00Z"));
    assert!(qbo::encode_customer_update(&id, &update, Some(&xero_token)).is_err());
    let mailing = patch(Profile::Qbo, vec![(SyncField::MailingAddress, None)]);
    assert!(matches!(
        qbo::encode_customer_update(&id, &mailing, Some(&v)),
        Err(WireError::Invalid { field, .. }) if field == "mailing_address"
    ));
    let no_name = patch(Profile::Qbo, vec![(SyncField::Name, None)]);
    assert!(qbo::encode_customer_update(&id, &no_name, Some(&v)).is_err());
    let mut xpm = update.clone();
    xpm.profile = Profile::Xpm;
    assert!(qbo::encode_customer_update(&id, &xpm, Some(&v)).is_err());
    let long_phone = patch(
        Profile::Qbo,
        vec![(
            SyncField::OtherPhone,
            Some(FieldValue::Text("9".repeat(31))),
        )],
    );
    assert!(matches!(
        qbo::encode_customer_update(&id, &long_phone, Some(&v)),
        Err(WireError::TooLong {
            field: "AlternatePhone.FreeFormNumber",
            ..
        })
    ));
}

#[test]
fn plan_actions_encode() {
    let create = Action::Create {
        contact: std::sync::Arc::new(person()),
        source_id: "L1".into(),
        organizations: vec![ContactRef::Id("x".into())],
        idempotency_key: "k".into(),
    };
    assert_eq!(
        qbo::encode_action(&create).unwrap(),
        qbo::Request {
            method: qbo::Method::Post,
            path: "customer".into(),
            body: qbo::encode_customer_create(&person()).unwrap(),
            idempotency_key: Some("k".into()),
            query: Vec::new(),
            headers: Vec::new(),
        }
    );
    let update = Action::Update {
        target_id: "104".into(),
        partner_id: "L1".into(),
        patch: patch(
            Profile::Qbo,
            vec![(SyncField::FaxPhone, Some(FieldValue::Text("1".into())))],
        ),
        expected_version: Some(VersionToken::SyncToken("2".into())),
    };
    assert_eq!(
        qbo::encode_action(&update).unwrap().body,
        r#"{"Id":"104","SyncToken":"2","sparse":true,"Fax":{"FreeFormNumber":"1"}}"#
    );
    assert_eq!(qbo::encode_action(&update).unwrap().idempotency_key, None);
}

fn draft_line(service: &str, q: &str, price: &str, amount: &str, tax: Option<&str>) -> DraftLine {
    DraftLine {
        service: service.into(),
        default_service: false,
        description: "Monthly books".into(),
        quantity: dec(q),
        unit_price: usd(price),
        amount: usd(amount),
        tax_code: tax.map(str::to_owned),
    }
}

fn invoice_draft(lines: Vec<DraftLine>) -> InvoiceDraft {
    InvoiceDraft {
        invoice_id: "INV-1".into(),
        doc_number: "INV-0001".into(),
        contact_id: "L1".into(),
        customer: ContactRef::Id("101".into()),
        issue_date: date(2024, 2, 1),
        due_date: date(2024, 2, 29),
        currency: Currency::USD,
        lines,
        totals: InvoiceTotals {
            net: usd("0"),
            tax: usd("0"),
            gross: usd("0"),
        },
    }
}

#[test]
fn invoices_are_written_with_exact_decimals() {
    let d = invoice_draft(vec![draft_line("7", "1.5", "33.333", "50.00", Some("TAX"))]);
    assert_eq!(
        qbo::encode_invoice_create(&d, "101").unwrap(),
        concat!(
            r#"{"DocNumber":"INV-0001","TxnDate":"2024-02-01","DueDate":"2024-02-29","#,
            r#""CurrencyRef":{"value":"USD"},"CustomerRef":{"value":"101"},"#,
            r#""Line":[{"Description":"Monthly books","Amount":50.00,"DetailType":"SalesItemLineDetail","#,
            r#""SalesItemLineDetail":{"ItemRef":{"value":"7"},"Qty":1.5,"UnitPrice":33.333,"TaxCodeRef":{"value":"TAX"}}}]}"#
        )
    );
    let mut long = d.clone();
    long.doc_number = "1234567890123456789012".into();
    assert_eq!(
        qbo::encode_invoice_create(&long, "101"),
        Err(WireError::TooLong {
            provider: Profile::Qbo,
            field: "DocNumber",
            len: 22,
            max: 21
        })
    );
    let mut numbered_by_qbo = d.clone();
    numbered_by_qbo.doc_number = String::new();
    assert!(
        !qbo::encode_invoice_create(&numbered_by_qbo, "101")
            .unwrap()
            .contains("DocNumber")
    );
    assert!(qbo::encode_invoice_create(&d, " ").is_err());
    assert!(qbo::encode_invoice_create(&invoice_draft(vec![]), "101").is_err());
    let mut nzd = d.clone();
    nzd.lines[0].amount = money("50.00", "NZD");
    assert!(matches!(
        qbo::encode_invoice_create(&nzd, "101"),
        Err(WireError::Invalid { field, .. }) if field == "Line.Amount"
    ));
    let mut long_text = d;
    long_text.lines[0].description = "d".repeat(4001);
    assert!(matches!(
        qbo::encode_invoice_create(&long_text, "101"),
        Err(WireError::TooLong {
            field: "Line.Description",
            ..
        })
    ));
}

fn payment_draft(amounts: &[&str], unapplied: &str, total: &str) -> PaymentDraft {
    PaymentDraft {
        source_id: "pm-1".into(),
        contact_id: "L1".into(),
        customer: ContactRef::Id("101".into()),
        date: date(2024, 3, 2),
        amount: usd(total),
        allocations: amounts
            .iter()
            .enumerate()
            .map(|(i, a)| DraftAllocation {
                invoice: InvoiceRef::Id(format!("{}", 501 + i)),
                local_invoice_id: format!("INV-{i}"),
                amount: usd(a),
            })
            .collect(),
        unapplied: usd(unapplied),
        changes: Vec::new(),
    }
}

#[test]
fn payments_link_their_lines_to_invoices() {
    let d = payment_draft(&["254.44", "20"], "0.56", "275.00");
    assert_eq!(
        qbo::encode_payment_create(&d, "101", &["501", "502"]).unwrap(),
        concat!(
            r#"{"CustomerRef":{"value":"101"},"TxnDate":"2024-03-02","CurrencyRef":{"value":"USD"},"#,
            r#""TotalAmt":275.00,"PaymentRefNum":"pm-1","Line":["#,
            r#"{"Amount":254.44,"LinkedTxn":[{"TxnId":"501","TxnType":"Invoice"}]},"#,
            r#"{"Amount":20,"LinkedTxn":[{"TxnId":"502","TxnType":"Invoice"}]}]}"#
        )
    );
    assert!(qbo::encode_payment_create(&d, "101", &["501"]).is_err());
    assert!(qbo::encode_payment_create(&d, "", &["501", "502"]).is_err());
    let wrong_sum = payment_draft(&["254.44"], "0", "275.00");
    assert!(matches!(
        qbo::encode_payment_create(&wrong_sum, "101", &["501"]),
        Err(WireError::Invalid { field, .. }) if field == "TotalAmt"
    ));
    let mut long_ref = d.clone();
    long_ref.source_id = "p".repeat(22);
    assert!(matches!(
        qbo::encode_payment_create(&long_ref, "101", &["501", "502"]),
        Err(WireError::TooLong {
            field: "PaymentRefNum",
            len: 22,
            max: 21,
            ..
        })
    ));
    let negative = payment_draft(&["-1"], "1", "0");
    assert!(qbo::encode_payment_create(&negative, "101", &["501"]).is_err());
}

#[test]
fn queries_page_through_at_most_a_thousand() {
    assert_eq!(
        qbo::query(QueryEntity::Customer, 42, 1000).unwrap(),
        "SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY Id STARTPOSITION 42 MAXRESULTS 1000"
    );
    assert_eq!(
        qbo::query(QueryEntity::Payment, 1, 1).unwrap(),
        "SELECT * FROM Payment ORDERBY Id STARTPOSITION 1 MAXRESULTS 1"
    );
    assert!(qbo::query(QueryEntity::Customer, 0, 10).is_err());
    assert!(qbo::query(QueryEntity::Customer, 1, 0).is_err());
    assert!(qbo::query(QueryEntity::Customer, 1, 1001).is_err());
}
