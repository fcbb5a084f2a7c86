//! Round trips: decoded records survive encoding and decoding again, and
//! what QBO cannot carry is left out explicitly.

use super::encode::person;
use super::*;

/// What a create carries of a contact: the documented exclusions applied
/// (no id, version or timestamps — QBO assigns them; the billing email
/// only; one phone per kind; the primary address only, a mailing address
/// as QBO's billing address; no contact type, client group, organisation
/// links, business structure or merge target), and the kind as QBO's
/// rule decides it from the names.
fn create_view(c: &Contact) -> Contact {
    let mut v = Contact {
        display_name: c.display_name.clone(),
        organization_name: c.organization_name.clone(),
        first_name: c.first_name.clone(),
        middle_name: c.middle_name.clone(),
        last_name: c.last_name.clone(),
        status: c.status,
        ..Contact::default()
    };
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|x| x.trim().is_empty());
    for f in [
        &mut v.display_name,
        &mut v.organization_name,
        &mut v.first_name,
        &mut v.middle_name,
        &mut v.last_name,
    ] {
        if blank(f) {
            *f = None;
        }
    }
    if let Some(e) = c.billing_email().filter(|e| !e.trim().is_empty()) {
        v.emails = vec![Email {
            address: e.to_owned(),
            primary: true,
        }];
    }
    for kind in [
        PhoneKind::Primary,
        PhoneKind::Mobile,
        PhoneKind::Fax,
        PhoneKind::Other,
    ] {
        if let Some(p) = c
            .phones
            .iter()
            .find(|p| p.kind == kind && !p.number.trim().is_empty())
        {
            v.phones.push(p.clone());
        }
    }
    if let Some(a) = c.primary_address().filter(|a| !a.is_blank()) {
        let mut a = a.clone();
        a.primary = true;
        if a.kind == AddressKind::Mailing {
            a.kind = AddressKind::Billing;
        }
        a.lines.retain(|l| !l.trim().is_empty());
        for part in [
            &mut a.city,
            &mut a.region,
            &mut a.postal_code,
            &mut a.country,
        ] {
            if blank(part) {
                *part = None;
            }
        }
        v.addresses.push(a);
    }
    v.extras.parent_id = c
        .extras
        .parent_id
        .clone()
        .filter(|p| !p.as_str().trim().is_empty());
    v.kind = kind_by_rule(&v);
    v
}

fn round_trip_create(c: &Contact) -> Contact {
    let body = qbo::encode_customer_create(c).unwrap_or_else(|e| panic!("{e}: {c:?}"));
    let mut page = qbo::decode_contacts(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(page.records.len(), 1);
    page.records.remove(0)
}

#[test]
fn fields_qbo_cannot_carry_are_left_out_explicitly() {
    let mut c = person()
        .with_organization_name("Smith Co")
        .with_contact_type("Client")
        .with_email("second@smith.example")
        .with_phone(PhoneKind::Primary, "second primary")
        .with_address(Address {
            kind: AddressKind::Billing,
            lines: vec!["PO Box 1".into()],
            ..Address::default()
        })
        .linked_to("org-1")
        .with_business_structure("Trust");
    c.id = "L1".into();
    c.client_group = Some("Group A".into());
    c.extras.version = Some(VersionToken::SyncToken("3".into()));
    c.extras.merged_into = Some("x".into());
    let back = round_trip_create(&c);
    assert_eq!(back, create_view(&c));
    assert_eq!(back.emails.len(), 1);
    assert_eq!(back.phones.len(), 1);
    assert_eq!(back.addresses.len(), 1);
    assert_eq!(back.addresses[0].kind, AddressKind::Physical);
}

#[test]
fn decoded_customers_survive_encode_and_decode() {
    let mut customers = qbo::decode_contacts(&fixture("qbo/customers-page.json"))
        .unwrap()
        .records;
    customers.extend(
        qbo::decode_contacts(&fixture("qbo/customer-single.xml"))
            .unwrap()
            .records,
    );
    if let Some(files) = shared_fixtures("qbo") {
        for (name, bytes) in files {
            if let Ok(page) = qbo::decode_contacts(&bytes) {
                eprintln!("round trip of {} customers of {name}", page.records.len());
                customers.extend(page.records);
            }
        }
    }
    assert!(customers.len() > 10);
    for c in &customers {
        let view = create_view(c);
        assert_eq!(round_trip_create(&view), view, "{}", c.id);
        assert_eq!(create_view(&round_trip_create(c)), view, "{}", c.id);
    }
}

#[test]
fn decoded_invoices_survive_encode_and_decode() {
    let invoices = qbo::decode_invoices(&fixture("qbo/invoices-query.json")).unwrap();
    for inv in invoices.iter().filter(|i| !i.lines.is_empty()) {
        let draft = InvoiceDraft {
            invoice_id: inv.id.clone(),
            doc_number: inv.number.clone(),
            contact_id: "L1".into(),
            customer: ContactRef::Id(inv.contact_id.clone()),
            issue_date: inv.issue_date,
            due_date: inv.due_date,
            currency: inv.currency,
            lines: inv
                .lines
                .iter()
                .map(|l| DraftLine {
                    service: l.work_type.clone().unwrap(),
                    default_service: false,
                    description: l.description.clone(),
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    amount: l.unit_price.checked_mul(l.quantity).unwrap(),
                    tax_code: None,
                })
                .collect(),
            totals: InvoiceTotals {
                net: Money::zero(inv.currency),
                tax: Money::zero(inv.currency),
                gross: Money::zero(inv.currency),
            },
        };
        let body = qbo::encode_invoice_create(&draft, inv.contact_id.as_str()).unwrap();
        let back = qbo::decode_invoices(body.as_bytes()).unwrap();
        let expected = Invoice {
            id: String::new(),
            status: InvoiceStatus::Draft,
            ..inv.clone()
        };
        assert_eq!(back, [expected]);
    }
}

fn text_strategy(
    first: &'static str,
    rest: &'static str,
    max: usize,
) -> impl Strategy<Value = String> {
    let re = format!("{first}{rest}{{0,{max}}}");
    proptest::string::string_regex(&re).unwrap()
}

fn name_part() -> impl Strategy<Value = String> {
    text_strategy("[A-Za-zéÅ]", "[A-Za-z0-9 .,&'()\"\\\\/é😀-]", 30)
}

fn opt<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    prop_oneof![1 => Just(None), 2 => s.prop_map(Some)].boxed()
}

fn address_strategy() -> impl Strategy<Value = Address> {
    (
        prop_oneof![Just(AddressKind::Physical), Just(AddressKind::Billing)],
        prop::collection::vec(text_strategy("[A-Za-z0-9]", "[A-Za-z0-9 ,.#/-]", 25), 0..=5),
        opt(name_part()),
        opt(text_strategy("[A-Z]", "[A-Z]", 3)),
        opt(text_strategy("[0-9A-Z]", "[0-9A-Z -]", 8)),
        opt(name_part()),
    )
        .prop_map(
            |(kind, lines, city, region, postal_code, country)| Address {
                kind,
                primary: true,
                lines,
                city,
                region,
                postal_code,
                country,
            },
        )
        .prop_filter("an address holds something", |a| !a.is_blank())
}

/// A contact within what QBO carries (see `create_view`).
fn carried_contact() -> impl Strategy<Value = Contact> {
    let names = (
        name_part(),
        opt(name_part()),
        opt(name_part()),
        opt(name_part()),
        opt(name_part()),
    );
    let phone = || opt(text_strategy("[0-9+(]", "[0-9 +()-]", 29));
    let reach = (
        opt(text_strategy("[a-z]", "[a-z0-9.]", 10).prop_map(|u| format!("{u}@example.co.nz"))),
        (phone(), phone(), phone(), phone()),
        opt(address_strategy()),
        opt(text_strategy("[0-9]", "[0-9]", 4)),
        any::<bool>(),
    );
    (names, reach).prop_map(
        |(
            (display, company, first, middle, last),
            (email, (p, m, f, o), address, parent, archived),
        )| {
            let mut c = Contact {
                display_name: Some(display),
                organization_name: company,
                first_name: first,
                middle_name: middle,
                last_name: last,
                status: if archived {
                    ContactStatus::Archived
                } else {
                    ContactStatus::Active
                },
                ..Contact::default()
            };
            // Company name equal to the display name now and then: the
            // organisation case of the kind rule.
            if archived && c.organization_name.is_some() {
                c.organization_name.clone_from(&c.display_name);
            }
            c.emails = email
                .map(|address| Email {
                    address,
                    primary: true,
                })
                .into_iter()
                .collect();
            for (kind, number) in [
                (PhoneKind::Primary, p),
                (PhoneKind::Mobile, m),
                (PhoneKind::Fax, f),
                (PhoneKind::Other, o),
            ] {
                if let Some(number) = number {
                    c.phones.push(Phone { kind, number });
                }
            }
            c.addresses = address.into_iter().collect();
            c.extras.parent_id = parent.map(ContactId::from);
            c.kind = kind_by_rule(&c);
            c
        },
    )
}

fn decimal_strategy() -> impl Strategy<Value = Decimal> {
    (-10_000_000_000i64..10_000_000_000i64, 0u32..=8).prop_map(|(m, scale)| Decimal::new(m, scale))
}

fn positive_money(currency: Currency) -> impl Strategy<Value = Money> {
    (1i64..10_000_000_000i64, 0u32..=4)
        .prop_map(move |(m, s)| Money::new(Decimal::new(m, s), currency))
}

fn currency_strategy() -> impl Strategy<Value = Currency> {
    prop_oneof![
        Just(Currency::USD),
        Just(Currency::EUR),
        Just(Currency::JPY),
        Just(Currency::KWD)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_carried_field_survives_a_create(c in carried_contact()) {
        prop_assert_eq!(&create_view(&c), &c);
        prop_assert_eq!(round_trip_create(&c), c);
    }

    #[test]
    fn every_field_of_a_patch_survives_an_update(
        before in carried_contact(),
        after in carried_contact(),
        token in "[0-9]{1,5}",
        fields in prop::sample::subsequence(
            SyncField::synced_by(Profile::Qbo).to_vec(),
            1..=SyncField::synced_by(Profile::Qbo).len(),
        ),
    ) {
        let changes = fields
            .iter()
            .map(|&f| FieldChange {
                field: f,
                old: read_field(Profile::Qbo, &before, f),
                new: read_field(Profile::Qbo, &after, f),
            })
            .collect();
        let patch = FieldPatch { profile: Profile::Qbo, changes };
        let version = VersionToken::SyncToken(token);
        let id = ContactId::from("77");
        let body = qbo::encode_customer_update(&id, &patch, Some(&version)).unwrap();
        let page = qbo::decode_contacts(body.as_bytes()).unwrap();
        let back = &page.records[0];
        prop_assert_eq!(&back.id, &id);
        prop_assert_eq!(back.extras.version.as_ref(), Some(&version));
        for change in &patch.changes {
            prop_assert_eq!(
                read_field(Profile::Qbo, back, change.field),
                change.new.clone(),
                "{}", change.field
            );
        }
    }

    #[test]
    fn every_invoice_field_the_model_keeps_survives(
        currency in currency_strategy(),
        doc in "[A-Z0-9-]{0,21}",
        customer in "[0-9]{1,6}",
        days in (0i64..20_000, 0i64..120),
        lines in prop::collection::vec(
            ("[0-9]{1,4}", "[ -~]{0,40}", decimal_strategy(), decimal_strategy(), opt("[A-Z]{2,5}")),
            1..5,
        ),
    ) {
        let issue = date(1990, 1, 1) + chrono::Days::new(days.0.unsigned_abs());
        let due = issue + chrono::Days::new(days.1.unsigned_abs());
        let draft = InvoiceDraft {
            invoice_id: "INV".into(),
            doc_number: doc.clone(),
            contact_id: "L1".into(),
            customer: ContactRef::Id(customer.as_str().into()),
            issue_date: issue,
            due_date: due,
            currency,
            lines: lines
                .iter()
                .map(|(service, description, q, p, tax)| DraftLine {
                    service: service.clone(),
                    default_service: false,
                    description: description.clone(),
                    quantity: *q,
                    unit_price: Money::new(*p, currency),
                    amount: Money::new(q.checked_mul(*p).unwrap_or_default(), currency),
                    tax_code: tax.clone(),
                })
                .collect(),
            totals: InvoiceTotals {
                net: Money::zero(currency),
                tax: Money::zero(currency),
                gross: Money::zero(currency),
            },
        };
        let body = qbo::encode_invoice_create(&draft, &customer).unwrap();
        let back = qbo::decode_invoices(body.as_bytes()).unwrap();
        let expected = Invoice {
            id: String::new(),
            number: doc,
            contact_id: customer.as_str().into(),
            issue_date: issue,
            due_date: due,
            status: InvoiceStatus::Draft,
            currency,
            lines: lines
                .iter()
                .map(|(service, description, q, p, _)| InvoiceLine {
                    work_type: Some(service.clone()),
                    description: if description.trim().is_empty() { String::new() } else { description.clone() },
                    quantity: *q,
                    unit_price: Money::new(*p, currency),
                    tax_rate: None,
                })
                .collect(),
        };
        prop_assert_eq!(back, vec![expected]);
    }

    #[test]
    fn every_payment_field_the_model_keeps_survives(
        currency in currency_strategy(),
        allocations in prop::collection::vec(positive_money(Currency::USD), 0..4),
        unapplied in (0i64..1_000_000, 0u32..=3),
        source in "[A-Za-z0-9-]{0,21}",
        customer in "[0-9]{1,6}",
    ) {
        let allocations: Vec<Money> =
            allocations.iter().map(|m| Money::new(m.amount(), currency)).collect();
        let unapplied = Money::new(Decimal::new(unapplied.0, unapplied.1), currency);
        let total = allocations.iter().try_fold(unapplied, |s, a| s.checked_add(a)).unwrap();
        let ids: Vec<String> = (0..allocations.len()).map(|i| format!("{}", 900 + i)).collect();
        let draft = PaymentDraft {
            source_id: source.clone(),
            contact_id: "L1".into(),
            customer: ContactRef::Id(customer.as_str().into()),
            date: date(2024, 3, 2),
            amount: total,
            allocations: allocations
                .iter()
                .zip(&ids)
                .map(|(a, id)| DraftAllocation {
                    invoice: InvoiceRef::Id(id.clone()),
                    local_invoice_id: format!("L-{id}"),
                    amount: *a,
                })
                .collect(),
            unapplied,
            changes: Vec::new(),
        };
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let body = qbo::encode_payment_create(&draft, &customer, &id_refs).unwrap();
        let back = qbo::decode_payments(body.as_bytes()).unwrap();
        let expected = Payment {
            id: String::new(),
            date: date(2024, 3, 2),
            amount: total,
            payer: customer.as_str().into(),
            allocations: allocations
                .iter()
                .zip(&ids)
                .map(|(a, id)| Allocation { invoice_id: id.clone(), amount: *a })
                .collect(),
            origin: PaymentOrigin::Ledger,
            reference: (!source.is_empty()).then_some(source),
        };
        prop_assert_eq!(back, vec![expected]);
    }
}
