//! Request bodies: customers, sparse updates, invoices, payments, queries.
//!
//! Every body is compact JSON with its keys in a fixed order; amounts are
//! written from their decimal text. Every limit is checked before the
//! first byte is written.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::billing::{InvoiceDraft, MAX_DOC_NUMBER_CHARS, PaymentDraft};
use crate::model::{
    Address, AddressKind, Contact, ContactId, ContactStatus, Currency, Money, VersionToken, present,
};
use crate::rules::Profile;
use crate::sync::{FieldPatch, FieldValue, NameValue, SyncField};
use crate::wire::{WireError, check_len};

use super::read::{LINE_KEYS, PHONE_SLOTS};
use super::{
    MAX_COMPANY_NAME_CHARS, MAX_DISPLAY_NAME_CHARS, MAX_LINE_DESCRIPTION_CHARS,
    MAX_NAME_PART_CHARS, MAX_PAYMENT_REF_NUM_CHARS, MAX_PHONE_CHARS, MAX_QUERY_RESULTS,
    RESERVED_NAME_CHARS,
};

fn invalid(field: &str, detail: impl Into<String>) -> WireError {
    WireError::Invalid {
        provider: Profile::Qbo,
        field: field.to_owned(),
        detail: detail.into(),
    }
}

// ------------------------------------------------------------- writer

fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// An object being written; closed when dropped.
struct Obj<'o> {
    out: &'o mut String,
    empty: bool,
}

impl<'o> Obj<'o> {
    fn open(out: &'o mut String) -> Self {
        out.push('{');
        Self { out, empty: true }
    }

    fn key(&mut self, k: &str) {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        push_json_str(self.out, k);
        self.out.push(':');
    }

    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        push_json_str(self.out, v);
    }

    /// A number or literal, written as given.
    fn raw(&mut self, k: &str, v: &str) {
        self.key(k);
        self.out.push_str(v);
    }

    fn decimal(&mut self, k: &str, v: Decimal) {
        self.key(k);
        // `Decimal`'s text: exact, never an exponent.
        let _ = write!(self.out, "{v}");
    }

    fn obj(&mut self, k: &str) -> Obj<'_> {
        self.key(k);
        Obj::open(self.out)
    }

    /// `"k": {"value": v}`: a reference.
    fn reference(&mut self, k: &str, v: &str) {
        self.obj(k).str("value", v);
    }

    fn arr(&mut self, k: &str) -> Arr<'_> {
        self.key(k);
        self.out.push('[');
        Arr {
            out: self.out,
            empty: true,
        }
    }
}

impl Drop for Obj<'_> {
    fn drop(&mut self) {
        self.out.push('}');
    }
}

/// A list being written; closed when dropped.
struct Arr<'o> {
    out: &'o mut String,
    empty: bool,
}

impl Arr<'_> {
    fn obj(&mut self) -> Obj<'_> {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        Obj::open(self.out)
    }
}

impl Drop for Arr<'_> {
    fn drop(&mut self) {
        self.out.push(']');
    }
}

// ------------------------------------------------------------- checks

fn check_name_part(field: &'static str, value: &str, max: usize) -> Result<(), WireError> {
    check_len(Profile::Qbo, field, value, max)?;
    if let Some(c) = value.chars().find(|c| RESERVED_NAME_CHARS.contains(c)) {
        let what = match c {
            ':' => "`:` (it separates customer and job)",
            '\t' => "a tab",
            _ => "a line break",
        };
        return Err(invalid(field, format!("contains {what}")));
    }
    Ok(())
}

fn check_email(field: &str, value: &str) -> Result<(), WireError> {
    if value.contains('@') && value.contains('.') {
        Ok(())
    } else {
        Err(invalid(field, "an email address must contain `@` and `.`"))
    }
}

fn check_currency(field: &str, m: &Money, currency: Currency) -> Result<(), WireError> {
    if m.currency() == currency {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("an amount in {} on a {currency} document", m.currency()),
        ))
    }
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// The slot an address kind is sent in: QBO has a billing and a shipping
/// address; a mailing (postal) address is where invoices go, its billing
/// address.
const fn address_key(kind: AddressKind) -> &'static str {
    match kind {
        AddressKind::Physical => "ShipAddr",
        AddressKind::Billing | AddressKind::Mailing => "BillAddr",
    }
}

fn check_address(key: &str, a: &Address) -> Result<(), WireError> {
    let lines = a.lines.iter().filter(|l| !blank(l)).count();
    if lines > LINE_KEYS.len() {
        return Err(invalid(
            key,
            format!("{lines} street lines; QBO keeps Line1 to Line5"),
        ));
    }
    Ok(())
}

/// Writes an address. `full`: every part, empty ones as `""` (a sparse
/// update replaces what was there); otherwise the filled parts only.
fn write_address(o: &mut Obj<'_>, key: &str, a: &Address, full: bool) {
    let mut w = o.obj(key);
    let mut lines = a.lines.iter().filter(|l| !blank(l));
    for k in LINE_KEYS {
        match lines.next() {
            Some(l) => w.str(k, l),
            None if full => w.str(k, ""),
            None => {}
        }
    }
    for (k, v) in [
        ("City", &a.city),
        ("CountrySubDivisionCode", &a.region),
        ("PostalCode", &a.postal_code),
        ("Country", &a.country),
    ] {
        match present(v.as_deref()) {
            Some(v) => w.str(k, v),
            None if full => w.str(k, ""),
            None => {}
        }
    }
}

// ----------------------------------------------------------- customers

/// See [`super::encode_customer_create`].
pub(super) fn customer_create(c: &Contact) -> Result<String, WireError> {
    let display = present(c.display_name.as_deref())
        .ok_or_else(|| invalid("DisplayName", "a customer needs a display name"))?;
    check_name_part("DisplayName", display, MAX_DISPLAY_NAME_CHARS)?;
    let names = [
        ("GivenName", present(c.first_name.as_deref())),
        ("MiddleName", present(c.middle_name.as_deref())),
        ("FamilyName", present(c.last_name.as_deref())),
    ];
    for (field, v) in names {
        if let Some(v) = v {
            check_name_part(field, v, MAX_NAME_PART_CHARS)?;
        }
    }
    let company = present(c.organization_name.as_deref());
    if let Some(v) = company {
        check_len(Profile::Qbo, "CompanyName", v, MAX_COMPANY_NAME_CHARS)?;
    }
    let email = c.billing_email().filter(|e| !blank(e));
    if let Some(e) = email {
        check_email("PrimaryEmailAddr.Address", e)?;
    }
    let mut phones: [Option<&str>; 4] = [None; 4];
    for ((_, kind), slot) in PHONE_SLOTS.iter().zip(phones.iter_mut()) {
        *slot = c
            .phones
            .iter()
            .find(|p| p.kind == *kind && !blank(&p.number))
            .map(|p| p.number.as_str());
    }
    for ((key, _), number) in PHONE_SLOTS.iter().zip(phones) {
        if let Some(n) = number {
            check_len(Profile::Qbo, phone_field(key), n, MAX_PHONE_CHARS)?;
        }
    }
    let address = c.primary_address().filter(|a| !a.is_blank());
    if let Some(a) = address {
        check_address(address_key(a.kind), a)?;
    }
    let parent = present(c.extras.parent_id.as_ref().map(ContactId::as_str));

    let mut out = String::with_capacity(256);
    {
        let mut o = Obj::open(&mut out);
        o.str("DisplayName", display);
        for (field, v) in names {
            if let Some(v) = v {
                o.str(field, v);
            }
        }
        if let Some(v) = company {
            o.str("CompanyName", v);
        }
        if let Some(e) = email {
            o.obj("PrimaryEmailAddr").str("Address", e);
        }
        for ((key, _), number) in PHONE_SLOTS.iter().zip(phones) {
            if let Some(n) = number {
                o.obj(key).str("FreeFormNumber", n);
            }
        }
        if let Some(a) = address {
            write_address(&mut o, address_key(a.kind), a, false);
        }
        if let Some(p) = parent {
            o.raw("Job", "true");
            o.reference("ParentRef", p);
        }
        if c.status == ContactStatus::Archived {
            o.raw("Active", "false");
        }
    }
    Ok(out)
}

const fn phone_field(key: &str) -> &'static str {
    match key.as_bytes() {
        b"PrimaryPhone" => "PrimaryPhone.FreeFormNumber",
        b"Mobile" => "Mobile.FreeFormNumber",
        b"Fax" => "Fax.FreeFormNumber",
        _ => "AlternatePhone.FreeFormNumber",
    }
}

fn sync_token(expected: Option<&VersionToken>) -> Result<&str, WireError> {
    match expected {
        Some(VersionToken::SyncToken(t)) if !blank(t) => Ok(t),
        _ => Err(invalid(
            "SyncToken",
            "an update needs the SyncToken the record was read with",
        )),
    }
}

fn record_id(id: &ContactId) -> Result<&str, WireError> {
    present(Some(id.as_str())).ok_or_else(|| invalid("Id", "an update needs the record's Id"))
}

fn sparse_head<'o>(out: &'o mut String, id: &str, token: &str) -> Obj<'o> {
    let mut o = Obj::open(out);
    o.str("Id", id);
    o.str("SyncToken", token);
    o.raw("sparse", "true");
    o
}

const fn patch_field(f: SyncField) -> &'static str {
    match f {
        SyncField::Name => "DisplayName",
        SyncField::Email => "PrimaryEmailAddr",
        SyncField::PrimaryPhone => "PrimaryPhone",
        SyncField::MobilePhone => "Mobile",
        SyncField::FaxPhone => "Fax",
        SyncField::OtherPhone => "AlternatePhone",
        SyncField::PhysicalAddress => "ShipAddr",
        SyncField::BillingAddress => "BillAddr",
        _ => "MailingAddress",
    }
}

/// One checked change, ready to write.
enum Change<'p> {
    Name(&'p NameValue),
    Text(&'static str, &'static str, &'p str),
    Address(&'static str, Option<&'p Address>),
}

fn check_change(f: SyncField, new: Option<&FieldValue>) -> Result<Change<'_>, WireError> {
    let key = patch_field(f);
    let phone = PHONE_SLOTS.iter().find(|(k, _)| *k == key);
    match (f, new) {
        (SyncField::Name, Some(FieldValue::Name(n))) => {
            if blank(&n.display) {
                return Err(invalid("DisplayName", "QBO cannot remove a display name"));
            }
            check_name_part("DisplayName", &n.display, MAX_DISPLAY_NAME_CHARS)?;
            for (field, v) in [("GivenName", &n.first), ("FamilyName", &n.last)] {
                if let Some(v) = v {
                    check_name_part(field, v, MAX_NAME_PART_CHARS)?;
                }
            }
            if let Some(v) = &n.company {
                check_len(Profile::Qbo, "CompanyName", v, MAX_COMPANY_NAME_CHARS)?;
            }
            Ok(Change::Name(n))
        }
        (SyncField::Name, None) => Err(invalid("DisplayName", "QBO cannot remove a display name")),
        (SyncField::Email, v) => {
            let t = match v {
                Some(FieldValue::Text(t)) => t.as_str(),
                None => "",
                Some(_) => return Err(invalid(key, "expected an email address")),
            };
            if !blank(t) {
                check_email("PrimaryEmailAddr.Address", t)?;
            }
            Ok(Change::Text("PrimaryEmailAddr", "Address", t))
        }
        (SyncField::PhysicalAddress | SyncField::BillingAddress, v) => {
            let key = if f == SyncField::PhysicalAddress {
                "ShipAddr"
            } else {
                "BillAddr"
            };
            match v {
                Some(FieldValue::Address(a)) => {
                    check_address(key, a)?;
                    Ok(Change::Address(key, Some(a)))
                }
                None => Ok(Change::Address(key, None)),
                Some(_) => Err(invalid(key, "expected an address")),
            }
        }
        (_, v) if phone.is_some() => {
            let slot = phone.map_or("PrimaryPhone", |(k, _)| *k);
            let t = match v {
                Some(FieldValue::Text(t)) => t.as_str(),
                None => "",
                Some(_) => return Err(invalid(slot, "expected a phone number")),
            };
            check_len(Profile::Qbo, phone_field(slot), t, MAX_PHONE_CHARS)?;
            Ok(Change::Text(slot, "FreeFormNumber", t))
        }
        (other, _) => Err(invalid(
            other.as_str(),
            "QBO customers have no such field (the QBO profile syncs name, email, phones, \
             shipping and billing address)",
        )),
    }
}

/// See [`super::encode_customer_update`].
pub(super) fn customer_update(
    id: &ContactId,
    patch: &FieldPatch,
    expected: Option<&VersionToken>,
) -> Result<String, WireError> {
    if patch.profile != Profile::Qbo {
        return Err(invalid(
            "profile",
            format!("a {:?} patch is not a QBO patch", patch.profile),
        ));
    }
    let id = record_id(id)?;
    let token = sync_token(expected)?;
    let changes = patch
        .changes
        .iter()
        .map(|c| check_change(c.field, c.new.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = String::with_capacity(128);
    {
        let mut o = sparse_head(&mut out, id, token);
        for change in changes {
            match change {
                Change::Name(n) => {
                    o.str("DisplayName", &n.display);
                    o.str("CompanyName", n.company.as_deref().unwrap_or(""));
                    o.str("GivenName", n.first.as_deref().unwrap_or(""));
                    o.str("FamilyName", n.last.as_deref().unwrap_or(""));
                }
                Change::Text(key, inner, t) => o.obj(key).str(inner, t),
                Change::Address(key, Some(a)) => write_address(&mut o, key, a, true),
                Change::Address(key, None) => write_address(&mut o, key, &Address::default(), true),
            }
        }
    }
    Ok(out)
}

// ------------------------------------------------- invoices, payments

/// See [`super::encode_invoice_create`].
pub(super) fn invoice_create(d: &InvoiceDraft, customer_id: &str) -> Result<String, WireError> {
    if blank(customer_id) {
        return Err(invalid(
            "CustomerRef",
            "the invoice's customer has no QBO id yet",
        ));
    }
    let doc_number = present(Some(d.doc_number.as_str()));
    if let Some(n) = doc_number {
        check_len(Profile::Qbo, "DocNumber", n, MAX_DOC_NUMBER_CHARS)?;
    }
    if d.lines.is_empty() {
        return Err(invalid("Line", "an invoice needs at least one line"));
    }
    for line in &d.lines {
        if blank(&line.service) {
            return Err(invalid(
                "Line.SalesItemLineDetail.ItemRef",
                "a line needs a service",
            ));
        }
        check_len(
            Profile::Qbo,
            "Line.Description",
            &line.description,
            MAX_LINE_DESCRIPTION_CHARS,
        )?;
        check_currency(
            "Line.SalesItemLineDetail.UnitPrice",
            &line.unit_price,
            d.currency,
        )?;
        check_currency("Line.Amount", &line.amount, d.currency)?;
        if line.tax_code.as_deref().is_some_and(blank) {
            return Err(invalid(
                "Line.SalesItemLineDetail.TaxCodeRef",
                "an empty tax code",
            ));
        }
    }
    let mut out = String::with_capacity(256);
    {
        let mut o = Obj::open(&mut out);
        if let Some(n) = doc_number {
            o.str("DocNumber", n);
        }
        o.str("TxnDate", &d.issue_date.to_string());
        o.str("DueDate", &d.due_date.to_string());
        o.reference("CurrencyRef", d.currency.as_str());
        o.reference("CustomerRef", customer_id);
        let mut lines = o.arr("Line");
        for line in &d.lines {
            let mut l = lines.obj();
            if !line.description.is_empty() {
                l.str("Description", &line.description);
            }
            l.decimal("Amount", line.amount.amount());
            l.str("DetailType", "SalesItemLineDetail");
            let mut s = l.obj("SalesItemLineDetail");
            s.reference("ItemRef", &line.service);
            s.decimal("Qty", line.quantity);
            s.decimal("UnitPrice", line.unit_price.amount());
            if let Some(t) = &line.tax_code {
                s.reference("TaxCodeRef", t);
            }
        }
    }
    Ok(out)
}

/// See [`super::encode_payment_create`].
pub(super) fn payment_create(
    d: &PaymentDraft,
    customer_id: &str,
    invoice_ids: &[&str],
) -> Result<String, WireError> {
    if blank(customer_id) {
        return Err(invalid("CustomerRef", "the payer has no QBO id yet"));
    }
    if invoice_ids.len() != d.allocations.len() {
        return Err(invalid(
            "Line",
            format!(
                "{} invoice id(s) for {} allocation(s)",
                invoice_ids.len(),
                d.allocations.len()
            ),
        ));
    }
    let reference = present(Some(d.source_id.as_str()));
    if let Some(r) = reference {
        check_len(Profile::Qbo, "PaymentRefNum", r, MAX_PAYMENT_REF_NUM_CHARS)?;
    }
    let currency = d.amount.currency();
    if d.amount.is_negative() {
        return Err(invalid("TotalAmt", "a negative payment"));
    }
    check_currency("UnappliedAmt", &d.unapplied, currency)?;
    let mut applied = d.unapplied.amount();
    for (a, id) in d.allocations.iter().zip(invoice_ids) {
        check_currency("Line.Amount", &a.amount, currency)?;
        if a.amount.amount() <= Decimal::ZERO {
            return Err(invalid("Line.Amount", "an amount applied must be positive"));
        }
        if blank(id) {
            return Err(invalid(
                "Line.LinkedTxn.TxnId",
                "an invoice without a QBO id",
            ));
        }
        applied = applied
            .checked_add(a.amount.amount())
            .ok_or_else(|| invalid("TotalAmt", "the allocations overflow"))?;
    }
    if applied != d.amount.amount() {
        return Err(invalid(
            "TotalAmt",
            format!(
                "the allocations and the unapplied remainder add up to {applied}, not {}",
                d.amount.amount()
            ),
        ));
    }
    let mut out = String::with_capacity(192);
    {
        let mut o = Obj::open(&mut out);
        o.reference("CustomerRef", customer_id);
        o.str("TxnDate", &d.date.to_string());
        o.reference("CurrencyRef", currency.as_str());
        o.decimal("TotalAmt", d.amount.amount());
        if let Some(r) = reference {
            o.str("PaymentRefNum", r);
        }
        let mut lines = o.arr("Line");
        for (a, id) in d.allocations.iter().zip(invoice_ids) {
            let mut l = lines.obj();
            l.decimal("Amount", a.amount.amount());
            let mut linked = l.arr("LinkedTxn");
            let mut t = linked.obj();
            t.str("TxnId", id);
            t.str("TxnType", "Invoice");
        }
    }
    Ok(out)
}

/// See [`super::query`].
pub(super) fn query(entity: &str, start: u32, max: u32) -> Result<String, WireError> {
    if start == 0 {
        return Err(invalid("STARTPOSITION", "positions start at 1"));
    }
    if max == 0 || max > MAX_QUERY_RESULTS {
        return Err(invalid(
            "MAXRESULTS",
            format!("{max} results asked; QBO returns 1 to {MAX_QUERY_RESULTS} a page"),
        ));
    }
    // QBO leaves inactive customers out of a query unless it asks for
    // them; a full listing must include them (U3). `ORDERBY Id` keeps the
    // order of the pages stable while they are read.
    let filter = if entity == "Customer" {
        " WHERE Active IN (true, false)"
    } else {
        ""
    };
    Ok(format!(
        "SELECT * FROM {entity}{filter} ORDERBY Id STARTPOSITION {start} MAXRESULTS {max}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        let mut s = String::new();
        push_json_str(&mut s, "a\"b\\c\nd\u{1}é");
        assert_eq!(s, r#""a\"b\\c\nd\u0001é""#);
    }

    #[test]
    fn writers_close_what_they_open() {
        let mut s = String::new();
        {
            let mut o = Obj::open(&mut s);
            o.str("a", "x");
            let mut l = o.arr("l");
            l.obj().raw("n", "1");
            l.obj();
        }
        assert_eq!(s, r#"{"a":"x","l":[{"n":1},{}]}"#);
    }
}
