//! Xero request bodies, every value checked against Xero's limits first.

use crate::billing::{InvoiceDraft, InvoiceRef, PaymentDraft};
use crate::model::{Address, AddressKind, Contact, ContactStatus, PhoneKind};
use crate::rules::Profile;
use crate::sync::{FieldPatch, FieldValue, SyncField};
use crate::wire::{WireError, check_len};

use super::json::Writer;
use super::{
    MAX_ADDRESS_LINE_CHARS, MAX_ADDRESS_LINES, MAX_CITY_CHARS, MAX_COUNTRY_CHARS, MAX_EMAIL_CHARS,
    MAX_IDEMPOTENCY_KEY_CHARS, MAX_INVOICE_NUMBER_CHARS, MAX_NAME_CHARS, MAX_PERSON_NAME_CHARS,
    MAX_PHONE_NUMBER_CHARS, MAX_POSTAL_CODE_CHARS, MAX_REGION_CHARS,
};

fn invalid(field: impl Into<String>, detail: impl Into<String>) -> WireError {
    WireError::Invalid {
        provider: Profile::XeroGl,
        field: field.into(),
        detail: detail.into(),
    }
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// An id that goes into a request path or body: ASCII letters, digits
/// and hyphens (Xero's ids are UUIDs).
pub(super) fn check_id(field: &str, id: &str) -> Result<(), WireError> {
    if id.is_empty() {
        return Err(invalid(field, "empty"));
    }
    if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(invalid(
            field,
            "only letters, digits and hyphens are accepted",
        ));
    }
    Ok(())
}

/// Checks an `Idempotency-Key` header value.
pub(super) fn check_idempotency_key(key: &str) -> Result<(), WireError> {
    if key.is_empty() {
        return Err(invalid("Idempotency-Key", "empty"));
    }
    check_len(
        Profile::XeroGl,
        "Idempotency-Key",
        key,
        MAX_IDEMPOTENCY_KEY_CHARS,
    )?;
    if !key.bytes().all(|b| (0x20..0x7f).contains(&b)) || key.starts_with(' ') || key.ends_with(' ')
    {
        return Err(invalid(
            "Idempotency-Key",
            "only printable ASCII without leading or trailing spaces fits a header",
        ));
    }
    Ok(())
}

fn email(v: &str) -> Result<(), WireError> {
    check_len(Profile::XeroGl, "EmailAddress", v, MAX_EMAIL_CHARS)?;
    if !v.is_ascii() {
        return Err(invalid(
            "EmailAddress",
            "Xero does not accept letters outside ASCII (umlauts…) in an email address",
        ));
    }
    Ok(())
}

fn name(v: &str) -> Result<(), WireError> {
    if blank(v) {
        return Err(invalid("Name", "a contact needs a name"));
    }
    check_len(Profile::XeroGl, "Name", v, MAX_NAME_CHARS)
}

/// Xero's address type of a model address kind: the Xero profile's
/// billing address is the postal one.
const fn address_type(kind: AddressKind) -> &'static str {
    match kind {
        AddressKind::Physical => "STREET",
        AddressKind::Mailing | AddressKind::Billing => "POBOX",
    }
}

/// Writes one address slot; `None` clears it.
fn address(w: &mut Writer, kind: &'static str, a: Option<&Address>) -> Result<(), WireError> {
    const LINE_KEYS: [&str; MAX_ADDRESS_LINES] = [
        "AddressLine1",
        "AddressLine2",
        "AddressLine3",
        "AddressLine4",
    ];
    let lines = a.map_or(&[][..], |a| a.lines.as_slice());
    if lines.len() > MAX_ADDRESS_LINES {
        let filled = lines.iter().rposition(|l| !blank(l)).map_or(0, |i| i + 1);
        if filled > MAX_ADDRESS_LINES {
            return Err(invalid(
                "Addresses",
                format!("{filled} street lines, Xero holds {MAX_ADDRESS_LINES}"),
            ));
        }
    }
    let city = a.and_then(|a| a.city.as_deref()).unwrap_or_default();
    let region = a.and_then(|a| a.region.as_deref()).unwrap_or_default();
    let postal = a.and_then(|a| a.postal_code.as_deref()).unwrap_or_default();
    let country = a.and_then(|a| a.country.as_deref()).unwrap_or_default();
    for (i, key) in LINE_KEYS.iter().enumerate() {
        check_len(
            Profile::XeroGl,
            key,
            lines.get(i).map_or("", String::as_str),
            MAX_ADDRESS_LINE_CHARS,
        )?;
    }
    check_len(Profile::XeroGl, "City", city, MAX_CITY_CHARS)?;
    check_len(Profile::XeroGl, "Region", region, MAX_REGION_CHARS)?;
    check_len(Profile::XeroGl, "PostalCode", postal, MAX_POSTAL_CODE_CHARS)?;
    check_len(Profile::XeroGl, "Country", country, MAX_COUNTRY_CHARS)?;
    w.begin_object();
    w.string("AddressType", kind);
    for (i, key) in LINE_KEYS.iter().enumerate() {
        w.string(key, lines.get(i).map_or("", String::as_str));
    }
    w.string("City", city);
    w.string("Region", region);
    w.string("PostalCode", postal);
    w.string("Country", country);
    w.end_object();
    Ok(())
}

/// Writes one phone slot; an empty number clears it (the area and country
/// codes are cleared with it: the model keeps a phone as one text).
fn phone(w: &mut Writer, kind: &'static str, number: &str) -> Result<(), WireError> {
    check_len(
        Profile::XeroGl,
        "PhoneNumber",
        number,
        MAX_PHONE_NUMBER_CHARS,
    )?;
    w.begin_object();
    w.string("PhoneType", kind);
    w.string("PhoneNumber", number);
    w.string("PhoneAreaCode", "");
    w.string("PhoneCountryCode", "");
    w.end_object();
    Ok(())
}

/// The Xero phone slots of a contact's phones, in the contact's order:
/// `Other` phones take `DDI`, then `OFFICE`.
pub(super) fn phone_slots(c: &Contact) -> Result<Vec<(&'static str, &str)>, WireError> {
    let mut used: Vec<&'static str> = Vec::with_capacity(4);
    let mut out = Vec::with_capacity(c.phones.len());
    for p in c.phones.iter().filter(|p| !blank(&p.number)) {
        let choices: &[&'static str] = match p.kind {
            PhoneKind::Primary => &["DEFAULT"],
            PhoneKind::Mobile => &["MOBILE"],
            PhoneKind::Fax => &["FAX"],
            PhoneKind::Other => &["DDI", "OFFICE"],
        };
        let slot = choices.iter().find(|s| !used.contains(s)).ok_or_else(|| {
            invalid(
                "Phones",
                format!("more {:?} phones than Xero has slots for", p.kind),
            )
        })?;
        used.push(slot);
        out.push((*slot, p.number.as_str()));
    }
    Ok(out)
}

/// The contact's addresses Xero can hold, in the contact's order (blank
/// ones left out).
pub(super) fn address_slots(c: &Contact) -> Result<Vec<(&'static str, &Address)>, WireError> {
    let mut out: Vec<(&'static str, &Address)> = Vec::with_capacity(2);
    for a in c.addresses.iter().filter(|a| !a.is_blank()) {
        let kind = address_type(a.kind);
        if out.iter().any(|(k, _)| *k == kind) {
            return Err(invalid(
                "Addresses",
                format!("two addresses for Xero's {kind} slot (mailing and billing share POBOX)"),
            ));
        }
        out.push((kind, a));
    }
    Ok(out)
}

fn write_contact(w: &mut Writer, c: &Contact, with_id: bool) -> Result<(), WireError> {
    let label = c.label();
    name(&label)?;
    let first = c.first_name();
    let last = c.last_name();
    if let Some(f) = first {
        check_len(Profile::XeroGl, "FirstName", f, MAX_PERSON_NAME_CHARS)?;
    }
    if let Some(l) = last {
        check_len(Profile::XeroGl, "LastName", l, MAX_PERSON_NAME_CHARS)?;
    }
    let mail = c.billing_email().filter(|e| !blank(e));
    if let Some(e) = mail {
        email(e)?;
    }
    let addresses = address_slots(c)?;
    let phones = phone_slots(c)?;
    w.begin_object();
    if with_id && !c.id.as_str().is_empty() {
        check_id("ContactID", c.id.as_str())?;
        w.string("ContactID", c.id.as_str());
    }
    w.string("Name", &label);
    w.string(
        "ContactStatus",
        match c.status {
            ContactStatus::Active => "ACTIVE",
            ContactStatus::Archived => "ARCHIVED",
        },
    );
    if let Some(f) = first {
        w.string("FirstName", f);
    }
    if let Some(l) = last {
        w.string("LastName", l);
    }
    if let Some(e) = mail {
        w.string("EmailAddress", e);
    }
    if !addresses.is_empty() {
        w.array("Addresses");
        for (kind, a) in addresses {
            address(w, kind, Some(a))?;
        }
        w.end_array();
    }
    if !phones.is_empty() {
        w.array("Phones");
        for (kind, n) in phones {
            phone(w, kind, n)?;
        }
        w.end_array();
    }
    w.end_object();
    Ok(())
}

/// `{"Contacts":[{…}]}` for one contact.
pub(super) fn contact(c: &Contact, with_id: bool) -> Result<String, WireError> {
    let mut w = Writer::new();
    w.begin_object();
    w.array("Contacts");
    write_contact(&mut w, c, with_id)?;
    w.end_array();
    w.end_object();
    Ok(w.finish())
}

/// `{"Contacts":[…]}` creating every contact of `contacts`, in order (a
/// batch `PUT Contacts`); a refusal names the position of the contact.
pub(super) fn contacts_create(contacts: &[&Contact]) -> Result<String, (usize, WireError)> {
    let mut w = Writer::new();
    w.begin_object();
    w.array("Contacts");
    for (i, c) in contacts.iter().enumerate() {
        write_contact(&mut w, c, false).map_err(|e| (i, e))?;
    }
    w.end_array();
    w.end_object();
    Ok(w.finish())
}

/// `{"Contacts":[{"ContactID":…, <patched fields>}]}`.
pub(super) fn contact_update(target: &str, patch: &FieldPatch) -> Result<String, WireError> {
    if patch.profile != Profile::XeroGl {
        return Err(invalid(
            "profile",
            format!("a {:?} patch does not describe Xero fields", patch.profile),
        ));
    }
    check_id("ContactID", target)?;
    let mut name_value = None;
    let mut email_value = None;
    let mut addresses: Vec<(&'static str, Option<&Address>)> = Vec::new();
    let mut phones: Vec<(&'static str, &str)> = Vec::new();
    for change in &patch.changes {
        let field = change.field.as_str();
        let wrong = || invalid(field, "the value is not of the field's kind");
        match change.field {
            SyncField::Name => match &change.new {
                Some(FieldValue::Name(n)) => {
                    name(&n.display)?;
                    name_value = Some(n.display.as_str());
                }
                None => return Err(invalid("Name", "a contact's name cannot be removed")),
                Some(_) => return Err(wrong()),
            },
            SyncField::Email => match &change.new {
                Some(FieldValue::Text(t)) => {
                    email(t)?;
                    email_value = Some(t.as_str());
                }
                None => email_value = Some(""),
                Some(_) => return Err(wrong()),
            },
            SyncField::PrimaryPhone
            | SyncField::MobilePhone
            | SyncField::FaxPhone
            | SyncField::OtherPhone => {
                let kind = match change.field {
                    SyncField::PrimaryPhone => "DEFAULT",
                    SyncField::MobilePhone => "MOBILE",
                    SyncField::FaxPhone => "FAX",
                    _ => "DDI",
                };
                let number = match &change.new {
                    Some(FieldValue::Text(t)) => t.as_str(),
                    None => "",
                    Some(_) => return Err(wrong()),
                };
                phones.push((kind, number));
            }
            f => {
                let Some(kind) = f.address_kind() else {
                    return Err(invalid(field, "not a field Xero has"));
                };
                let kind = address_type(kind);
                let value = match &change.new {
                    Some(FieldValue::Address(a)) => Some(a),
                    None => None,
                    Some(_) => return Err(wrong()),
                };
                if addresses.iter().any(|(k, _)| *k == kind) {
                    return Err(invalid(
                        field,
                        format!("two changes for Xero's {kind} address"),
                    ));
                }
                addresses.push((kind, value));
            }
        }
    }
    let mut w = Writer::new();
    w.begin_object();
    w.array("Contacts");
    w.begin_object();
    w.string("ContactID", target);
    if let Some(n) = name_value {
        w.string("Name", n);
    }
    if let Some(e) = email_value {
        w.string("EmailAddress", e);
    }
    if !addresses.is_empty() {
        w.array("Addresses");
        for (kind, a) in addresses {
            address(&mut w, kind, a)?;
        }
        w.end_array();
    }
    if !phones.is_empty() {
        w.array("Phones");
        for (kind, n) in phones {
            phone(&mut w, kind, n)?;
        }
        w.end_array();
    }
    w.end_object();
    w.end_array();
    w.end_object();
    Ok(w.finish())
}

/// `{"Invoices":[{"Type":"ACCREC",…,"Status":"AUTHORISED"}]}`.
pub(super) fn invoice_create(d: &InvoiceDraft, contact_id: &str) -> Result<String, WireError> {
    check_id("Contact.ContactID", contact_id)?;
    check_len(
        Profile::XeroGl,
        "InvoiceNumber",
        &d.doc_number,
        MAX_INVOICE_NUMBER_CHARS,
    )?;
    if d.lines.is_empty() {
        return Err(invalid("LineItems", "an invoice needs at least one line"));
    }
    for (i, l) in d.lines.iter().enumerate() {
        if blank(&l.description) {
            return Err(invalid(
                format!("LineItems[{i}].Description"),
                "a line needs a description",
            ));
        }
        if l.unit_price.currency() != d.currency {
            return Err(invalid(
                format!("LineItems[{i}].UnitAmount"),
                format!(
                    "in {}, the invoice is in {}",
                    l.unit_price.currency(),
                    d.currency
                ),
            ));
        }
    }
    let mut w = Writer::new();
    w.begin_object();
    w.array("Invoices");
    w.begin_object();
    w.string("Type", "ACCREC");
    w.object("Contact");
    w.string("ContactID", contact_id);
    w.end_object();
    if !blank(&d.doc_number) {
        w.string("InvoiceNumber", &d.doc_number);
    }
    w.string("Date", &d.issue_date.format("%Y-%m-%d").to_string());
    w.string("DueDate", &d.due_date.format("%Y-%m-%d").to_string());
    w.string("CurrencyCode", d.currency.as_str());
    w.string("LineAmountTypes", "Exclusive");
    w.string("Status", "AUTHORISED");
    w.array("LineItems");
    for l in &d.lines {
        w.begin_object();
        w.string("Description", &l.description);
        w.decimal("Quantity", l.quantity);
        w.decimal("UnitAmount", l.unit_price.amount());
        if !blank(&l.service) {
            w.string("ItemCode", &l.service);
        }
        w.string("TaxType", l.tax_code.as_deref().unwrap_or("NONE"));
        w.end_object();
    }
    w.end_array();
    w.end_object();
    w.end_array();
    w.end_object();
    Ok(w.finish())
}

/// `{"Payments":[…]}`: one payment per allocation.
pub(super) fn payment_create(d: &PaymentDraft, account_code: &str) -> Result<String, WireError> {
    if blank(account_code) {
        return Err(invalid("Account.Code", "empty"));
    }
    if d.allocations.is_empty() {
        return Err(invalid(
            "Payments",
            "a Xero payment pays an invoice: there is no allocation",
        ));
    }
    if !d.unapplied.is_zero() {
        return Err(invalid(
            "Amount",
            format!(
                "{} is applied to no invoice: Xero records no unapplied payment",
                d.unapplied
            ),
        ));
    }
    let mut w = Writer::new();
    w.begin_object();
    w.array("Payments");
    for (i, a) in d.allocations.iter().enumerate() {
        let InvoiceRef::Id(invoice) = &a.invoice else {
            return Err(invalid(
                format!("Payments[{i}].Invoice.InvoiceID"),
                "the invoice is not created yet",
            ));
        };
        check_id(&format!("Payments[{i}].Invoice.InvoiceID"), invoice)?;
        if a.amount.currency() != d.amount.currency() {
            return Err(invalid(
                format!("Payments[{i}].Amount"),
                format!(
                    "in {}, the payment is in {}",
                    a.amount.currency(),
                    d.amount.currency()
                ),
            ));
        }
        if a.amount.is_negative() || a.amount.is_zero() {
            return Err(invalid(
                format!("Payments[{i}].Amount"),
                "a payment amount must be above zero",
            ));
        }
        w.begin_object();
        w.object("Invoice");
        w.string("InvoiceID", invoice);
        w.end_object();
        w.object("Account");
        w.string("Code", account_code);
        w.end_object();
        w.string("Date", &d.date.format("%Y-%m-%d").to_string());
        w.decimal("Amount", a.amount.amount());
        if !blank(&d.source_id) {
            w.string("Reference", &d.source_id);
        }
        w.end_object();
    }
    w.end_array();
    w.end_object();
    Ok(w.finish())
}
