//! From the document tree to the model: customers, invoices, payments.

use rust_decimal::Decimal;

use crate::model::{
    Address, AddressKind, Allocation, Contact, ContactId, ContactStatus, Currency, Email, Invoice,
    InvoiceLine, InvoiceStatus, Money, Payment, PaymentOrigin, Phone, PhoneKind, VersionToken,
};
use crate::rules::qbo::kind_of_customer;
use crate::wire::WireError;
use crate::wire::lines::comes_to;

use super::DecodeOptions;
use super::tree::{
    At, Value, boolean, count, date, decimal, each, filled, inner_text, reference, shape, timestamp,
};

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

/// The phone slots of a customer, in the order they are read and written.
pub(super) const PHONE_SLOTS: [(&str, PhoneKind); 4] = [
    ("PrimaryPhone", PhoneKind::Primary),
    ("Mobile", PhoneKind::Mobile),
    ("Fax", PhoneKind::Fax),
    ("AlternatePhone", PhoneKind::Other),
];

/// The street-line keys of an address.
pub(super) const LINE_KEYS: [&str; 5] = ["Line1", "Line2", "Line3", "Line4", "Line5"];

/// A `BillAddr` / `ShipAddr`; `None` when it holds nothing (QBO sends
/// `{"Id": …, "Lat": "INVALID"}` for some empty addresses).
fn address(v: &Value<'_>, kind: AddressKind, at: &At<'_>) -> Result<Option<Address>, WireError> {
    if v.is_null() {
        return Ok(None);
    }
    if !matches!(v, Value::Obj(_)) {
        return Err(shape(at, "expected an address object"));
    }
    let mut lines: [Option<String>; 5] = Default::default();
    let mut a = Address {
        kind,
        ..Address::default()
    };
    for (k, val) in v.entries() {
        let at = At::Key(at, k);
        let slot = match k.as_ref() {
            "City" => &mut a.city,
            "CountrySubDivisionCode" => &mut a.region,
            "PostalCode" => &mut a.postal_code,
            "Country" => &mut a.country,
            key => match LINE_KEYS.iter().position(|l| *l == key) {
                Some(i) => match lines.get_mut(i) {
                    Some(slot) => slot,
                    None => continue,
                },
                None => continue,
            },
        };
        *slot = owned(filled(val, &at)?);
    }
    a.lines = lines.into_iter().flatten().collect();
    Ok((!a.is_blank()).then_some(a))
}

/// A `Customer` object.
///
/// `require_id`: a response's record always has an `Id`; a request body
/// (the encoders' output) has none.
pub(super) fn customer(v: &Value<'_>, at: &At<'_>, require_id: bool) -> Result<Contact, WireError> {
    if !matches!(v, Value::Obj(_)) {
        return Err(shape(at, "expected a Customer object"));
    }
    let mut c = Contact::default();
    let mut phones: [Option<String>; 4] = Default::default();
    let (mut bill, mut ship) = (None, None);
    let mut has_id = false;
    for (k, val) in v.entries() {
        let at = At::Key(at, k);
        match k.as_ref() {
            "Id" => {
                if let Some(id) = filled(val, &at)? {
                    c.id = ContactId::new(id);
                    has_id = true;
                }
            }
            "SyncToken" => {
                c.extras.version = filled(val, &at)?.map(|t| VersionToken::SyncToken(t.into()));
            }
            "DisplayName" => c.display_name = owned(filled(val, &at)?),
            "CompanyName" => c.organization_name = owned(filled(val, &at)?),
            "GivenName" => c.first_name = owned(filled(val, &at)?),
            "MiddleName" => c.middle_name = owned(filled(val, &at)?),
            "FamilyName" => c.last_name = owned(filled(val, &at)?),
            "PrimaryEmailAddr" => {
                c.emails = inner_text(val, "Address", &at)?
                    .map(|a| Email {
                        address: a.to_owned(),
                        primary: true,
                    })
                    .into_iter()
                    .collect();
            }
            "BillAddr" => bill = address(val, AddressKind::Billing, &at)?,
            "ShipAddr" => ship = address(val, AddressKind::Physical, &at)?,
            "ParentRef" => c.extras.parent_id = reference(val, &at)?.map(ContactId::new),
            "Active" => {
                if boolean(val, &at)? == Some(false) {
                    c.status = ContactStatus::Archived;
                } else {
                    c.status = ContactStatus::Active;
                }
            }
            "MetaData" => {
                if let Some(t) = val.get("LastUpdatedTime") {
                    c.extras.updated_at = timestamp(t, &At::Key(&at, "LastUpdatedTime"))?;
                }
            }
            key => {
                if let Some(i) = PHONE_SLOTS.iter().position(|(name, _)| *name == key)
                    && let Some(slot) = phones.get_mut(i)
                {
                    *slot = owned(inner_text(val, "FreeFormNumber", &at)?);
                }
            }
        }
    }
    if require_id && !has_id {
        return Err(shape(&At::Key(at, "Id"), "a customer without an Id"));
    }
    c.phones = PHONE_SLOTS
        .iter()
        .zip(phones)
        .filter_map(|((_, kind), n)| {
            n.map(|number| Phone {
                kind: *kind,
                number,
            })
        })
        .collect();
    // BillAddr, QBO's default address for invoices, is the primary one;
    // without it the shipping address is.
    let bill_primary = bill.is_some();
    c.addresses = bill
        .map(|a| Address { primary: true, ..a })
        .into_iter()
        .chain(ship.map(|a| Address {
            primary: !bill_primary,
            ..a
        }))
        .collect();
    c.kind = kind_of_customer(
        c.display_name.as_deref(),
        c.organization_name.as_deref(),
        c.first_name.as_deref(),
        c.last_name.as_deref(),
    )
    .ok()
    .map(|d| d.kind);
    Ok(c)
}

fn currency_of(
    v: Option<&Value<'_>>,
    at: &At<'_>,
    opts: &DecodeOptions,
) -> Result<Currency, WireError> {
    let at = At::Key(at, "CurrencyRef");
    match v {
        None => Ok(opts.home_currency),
        Some(v) => match reference(v, &at)? {
            None => Ok(opts.home_currency),
            Some(code) => Currency::new(code).map_err(|_| {
                shape(
                    &at,
                    format!("`{}` is not a currency code", super::tree::head(code)),
                )
            }),
        },
    }
}

fn required<T>(v: Option<T>, at: &At<'_>, key: &str) -> Result<T, WireError> {
    v.ok_or_else(|| shape(&At::Key(at, key), format!("`{key}` is missing")))
}

/// One invoice line; `None` for lines the model has no place for and that
/// carry no amount of their own (sub-totals, description-only lines).
fn invoice_line(
    v: &Value<'_>,
    at: &At<'_>,
    currency: Currency,
) -> Result<Option<InvoiceLine>, WireError> {
    let detail_type = match v.get("DetailType") {
        Some(d) => filled(d, &At::Key(at, "DetailType"))?,
        None => None,
    };
    let detail_type = match detail_type {
        Some(d) => d,
        None if v.get("SalesItemLineDetail").is_some() => "SalesItemLineDetail",
        None => return Err(shape(&At::Key(at, "DetailType"), "`DetailType` is missing")),
    };
    match detail_type {
        "SalesItemLineDetail" => {}
        "SubTotalLineDetail" | "DescriptionOnly" => return Ok(None),
        "DiscountLineDetail" => return discount_line(v, at, currency).map(Some),
        other => {
            return Err(shape(
                &At::Key(at, "DetailType"),
                format!(
                    "a `{}` line cannot be kept: the model's invoice lines are item lines",
                    super::tree::head(other)
                ),
            ));
        }
    }
    let mut amount = None;
    let mut description = String::new();
    let (mut item, mut qty, mut price) = (None, None, None);
    for (k, val) in v.entries() {
        let at = At::Key(at, k);
        match k.as_ref() {
            "Amount" => amount = decimal(val, &at)?,
            "Description" => description = filled(val, &at)?.unwrap_or_default().to_owned(),
            "SalesItemLineDetail" => {
                for (dk, dv) in val.entries() {
                    let at = At::Key(&at, dk);
                    match dk.as_ref() {
                        "ItemRef" => item = owned(reference(dv, &at)?),
                        "Qty" => qty = decimal(dv, &at)?,
                        "UnitPrice" => price = decimal(dv, &at)?,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let amount = required(amount, at, "Amount")?;
    // QBO fills in what a request leaves out: a line of only an amount is
    // one unit at that amount; a quantity or a price alone is completed
    // from the amount (to 28 digits: the product is checked below).
    let share = |of: Decimal, key: &str| {
        amount.checked_div(of).ok_or_else(|| {
            shape(
                &At::Key(at, "Amount"),
                format!("{amount} cannot be shared over a {key} of {of}"),
            )
        })
    };
    let (quantity, unit) = match (qty, price) {
        (Some(q), Some(p)) => (q, p),
        (None, None) => (Decimal::ONE, amount),
        (Some(q), None) if amount.is_zero() => (q, Decimal::ZERO),
        (Some(q), None) => (q, share(q, "Qty")?),
        (None, Some(p)) if p.is_zero() && amount.is_zero() => (Decimal::ONE, p),
        (None, Some(p)) => (share(p, "UnitPrice")?, p),
    };
    if !comes_to(quantity, unit, amount, currency) {
        return Err(shape(
            &At::Key(at, "Amount"),
            format!(
                "{amount} is not {quantity} × {unit}: the model keeps a line as its quantity times \
                 its unit price"
            ),
        ));
    }
    Ok(Some(InvoiceLine {
        work_type: item,
        description,
        quantity,
        unit_price: Money::new(unit, currency),
        tax_rate: None,
    }))
}

/// A `DiscountLineDetail` line: QBO's `Amount` (the discount it worked
/// out, positive) taken off as a line of its own — one unit at minus that
/// amount, described by the line's `Description`, else as `Discount` (with
/// its `DiscountPercent` when percent-based). The model's invoice lines
/// may be negative for exactly this (see
/// [`check_invoices`](crate::billing::check_invoices)), and the invoice's
/// total then agrees with QBO's `TotalAmt` less tax. No tax rate: QBO's
/// lines carry tax codes, not rates.
fn discount_line(v: &Value<'_>, at: &At<'_>, currency: Currency) -> Result<InvoiceLine, WireError> {
    let amount_at = At::Key(at, "Amount");
    let amount = v
        .get("Amount")
        .map_or(Ok(None), |a| decimal(a, &amount_at))?
        .ok_or_else(|| shape(&amount_at, "`Amount` is missing"))?;
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(shape(&amount_at, "a discount of a negative amount"));
    }
    let detail = v.get("DiscountLineDetail");
    let detail_at = At::Key(at, "DiscountLineDetail");
    let percent = match detail {
        Some(d)
            if d.get("PercentBased").map_or(Ok(None), |p| {
                boolean(p, &At::Key(&detail_at, "PercentBased"))
            })? == Some(true) =>
        {
            d.get("DiscountPercent").map_or(Ok(None), |p| {
                decimal(p, &At::Key(&detail_at, "DiscountPercent"))
            })?
        }
        _ => None,
    };
    let description = match v.get("Description") {
        Some(d) => filled(d, &At::Key(at, "Description"))?.map(str::to_owned),
        None => None,
    };
    let description = description.unwrap_or_else(|| match percent {
        Some(p) => format!("Discount {}%", p.normalize()),
        None => "Discount".to_owned(),
    });
    Ok(InvoiceLine {
        work_type: None,
        description,
        quantity: Decimal::ONE,
        unit_price: Money::new(-amount, currency),
        tax_rate: None,
    })
}

/// The lines of one `Line` entry: a `GroupLineDetail` (a bundle) gives
/// the item lines it holds (`GroupLineDetail.Line`: the bundle's own
/// `Amount` is their sum, or 0 in some answers, and is not kept); any
/// other line is itself.
fn lines_of(
    v: &Value<'_>,
    at: &At<'_>,
    currency: Currency,
    out: &mut Vec<InvoiceLine>,
) -> Result<(), WireError> {
    let is_group = matches!(v.get("DetailType"), Some(Value::Str(d)) if d == "GroupLineDetail");
    if !is_group {
        if let Some(line) = invoice_line(v, at, currency)? {
            out.push(line);
        }
        return Ok(());
    }
    let gat = At::Key(at, "GroupLineDetail");
    let group = v.get("GroupLineDetail").unwrap_or(&Value::Null);
    let lat = At::Key(&gat, "Line");
    for (i, inner) in each(group, "Line").enumerate() {
        // A bundle holds item lines; a bundle inside a bundle is refused
        // by `invoice_line` like any other line kind it cannot keep.
        if let Some(line) = invoice_line(inner, &At::Index(&lat, i), currency)? {
            out.push(line);
        }
    }
    Ok(())
}

/// An `Invoice` object.
pub(super) fn invoice(
    v: &Value<'_>,
    at: &At<'_>,
    opts: &DecodeOptions,
    require_id: bool,
) -> Result<Invoice, WireError> {
    if !matches!(v, Value::Obj(_)) {
        return Err(shape(at, "expected an Invoice object"));
    }
    let currency = currency_of(v.get("CurrencyRef"), at, opts)?;
    let (mut id, mut number, mut customer) = (None, None, None);
    let (mut issued, mut due, mut balance, mut total) = (None, None, None, None);
    let mut voided = false;
    let mut lines = Vec::new();
    let mut line_index = 0;
    for (k, val) in v.entries() {
        let at = At::Key(at, k);
        match k.as_ref() {
            "Id" => id = filled(val, &at)?,
            "DocNumber" => number = filled(val, &at)?,
            "CustomerRef" => customer = reference(val, &at)?,
            "TxnDate" => issued = date(val, &at)?,
            "DueDate" => due = date(val, &at)?,
            "Balance" => balance = decimal(val, &at)?,
            "TotalAmt" => total = decimal(val, &at)?,
            // QBO has no status for a voided invoice: it zeroes the
            // amounts and writes "Voided" into the private note.
            "PrivateNote" => {
                voided = filled(val, &at)?.is_some_and(|n| n.starts_with("Voided"));
            }
            "Line" => {
                for item in val.items() {
                    let at = At::Index(&at, line_index);
                    line_index += 1;
                    lines_of(item, &at, currency, &mut lines)?;
                }
            }
            _ => {}
        }
    }
    if require_id && id.is_none() {
        return Err(shape(&At::Key(at, "Id"), "an invoice without an Id"));
    }
    let customer = required(customer, at, "CustomerRef")?;
    let issue_date = issued.unwrap_or(opts.undated);
    // A request without a balance is not in the ledger yet.
    let status = match (balance, total) {
        (None, _) => InvoiceStatus::Draft,
        (Some(b), Some(t)) if voided && b.is_zero() && t.is_zero() => InvoiceStatus::Void,
        (Some(b), Some(t)) if b.is_zero() && t > Decimal::ZERO => InvoiceStatus::Paid,
        (Some(_), _) => InvoiceStatus::AwaitingPayment,
    };
    Ok(Invoice {
        id: id.unwrap_or_default().to_owned(),
        number: number.unwrap_or_default().to_owned(),
        contact_id: ContactId::new(customer),
        issue_date,
        due_date: due.unwrap_or(issue_date),
        status,
        currency,
        lines,
    })
}

/// A `Payment` object. Lines linked to invoices become allocations; lines
/// linked to credit memos add to what the payment could apply; with
/// `UnappliedAmt` given, the sums are checked against it.
pub(super) fn payment(
    v: &Value<'_>,
    at: &At<'_>,
    opts: &DecodeOptions,
    require_id: bool,
) -> Result<Payment, WireError> {
    if !matches!(v, Value::Obj(_)) {
        return Err(shape(at, "expected a Payment object"));
    }
    let currency = currency_of(v.get("CurrencyRef"), at, opts)?;
    let (mut id, mut customer, mut paid_on, mut total, mut unapplied, mut reference_num) =
        (None, None, None, None, None, None);
    let mut allocations = Vec::new();
    let mut credits = Decimal::ZERO;
    let mut checkable = true;
    let mut line_index = 0;
    for (k, val) in v.entries() {
        let at = At::Key(at, k);
        match k.as_ref() {
            "Id" => id = filled(val, &at)?,
            "CustomerRef" => customer = reference(val, &at)?,
            "TxnDate" => paid_on = date(val, &at)?,
            "TotalAmt" => total = decimal(val, &at)?,
            "UnappliedAmt" => unapplied = decimal(val, &at)?,
            "PaymentRefNum" => reference_num = filled(val, &at)?,
            "Line" => {
                for line in val.items() {
                    let at = At::Index(&at, line_index);
                    line_index += 1;
                    let amount = line
                        .get("Amount")
                        .map_or(Ok(None), |a| decimal(a, &At::Key(&at, "Amount")))?;
                    let amount = required(amount, &at, "Amount")?;
                    let linked: Vec<_> = each(line, "LinkedTxn").collect();
                    let mut invoices = Vec::new();
                    for (i, txn) in linked.iter().enumerate() {
                        let lat = At::Key(&at, "LinkedTxn");
                        let lat = At::Index(&lat, i);
                        let txn_type = txn
                            .get("TxnType")
                            .map_or(Ok(None), |t| filled(t, &At::Key(&lat, "TxnType")))?;
                        let txn_id = txn
                            .get("TxnId")
                            .map_or(Ok(None), |t| filled(t, &At::Key(&lat, "TxnId")))?;
                        match txn_type {
                            Some("Invoice") => invoices.push(required(txn_id, &lat, "TxnId")?),
                            Some("CreditMemo") => match credits.checked_add(amount) {
                                Some(c) => credits = c,
                                None => checkable = false,
                            },
                            _ => checkable = false,
                        }
                    }
                    match invoices.as_slice() {
                        [] => {}
                        [one] => allocations.push(Allocation {
                            invoice_id: (*one).to_owned(),
                            amount: Money::new(amount, currency),
                        }),
                        _ => {
                            return Err(shape(
                                &At::Key(&at, "LinkedTxn"),
                                "one line linked to several invoices: its amount cannot be split",
                            ));
                        }
                    }
                    if linked.is_empty() {
                        checkable = false;
                    }
                }
            }
            _ => {}
        }
    }
    if require_id && id.is_none() {
        return Err(shape(&At::Key(at, "Id"), "a payment without an Id"));
    }
    let customer = required(customer, at, "CustomerRef")?;
    let total = required(total, at, "TotalAmt")?;
    if let Some(unapplied) = unapplied
        && checkable
    {
        let applied = allocations
            .iter()
            .try_fold(Decimal::ZERO, |s, a| s.checked_add(a.amount.amount()));
        let expected = applied.and_then(|a| total.checked_add(credits)?.checked_sub(a));
        if expected != Some(unapplied) {
            return Err(shape(
                &At::Key(at, "UnappliedAmt"),
                format!(
                    "UnappliedAmt {unapplied} does not match TotalAmt {total} less the {} applied to invoices",
                    applied.map_or_else(|| "sum".to_owned(), |a| a.to_string())
                ),
            ));
        }
    }
    Ok(Payment {
        id: id.unwrap_or_default().to_owned(),
        date: paid_on.unwrap_or(opts.undated),
        amount: Money::new(total, currency),
        payer: ContactId::new(customer),
        allocations,
        origin: PaymentOrigin::Ledger,
        reference: owned(reference_num),
    })
}

/// Paging facts of a `QueryResponse`.
pub(super) struct Paging {
    pub(super) start: Option<u64>,
    pub(super) max: Option<u64>,
    pub(super) total: Option<u64>,
}

pub(super) fn paging(q: &Value<'_>, at: &At<'_>) -> Result<Paging, WireError> {
    let get = |key: &str| q.get(key).map_or(Ok(None), |v| count(v, &At::Key(at, key)));
    Ok(Paging {
        start: get("startPosition")?,
        max: get("maxResults")?,
        total: get("totalCount")?,
    })
}

/// The next `STARTPOSITION`, when the page suggests there is one.
pub(super) fn next_start(p: &Paging, returned: usize, page_size: Option<u32>) -> Option<String> {
    let returned = u64::try_from(returned).ok()?;
    if returned == 0 {
        return None;
    }
    let full = match page_size {
        Some(size) => returned >= u64::from(size),
        None => p.max.is_some_and(|m| returned >= m),
    };
    if !full {
        return None;
    }
    let start = p.start.unwrap_or(1);
    let next = start.checked_add(returned)?;
    // Positions start at 1: past `totalCount` there is nothing more.
    if p.total.is_some_and(|t| next > t) {
        return None;
    }
    Some(next.to_string())
}
