//! Reading Xero invoices and payments into the model.

use crate::model::Rounding;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::model::{
    Allocation, ContactId, Currency, Invoice, InvoiceLine, InvoiceStatus, Money, Payment,
    PaymentOrigin, TaxRate,
};
use crate::wire::lines::{comes_to, exact_share};
use crate::wire::{Limit, Profile, WireError};

use super::dates;
use super::json::{
    Count, Str, decimal, filled, from_serde, head, quote_numbers, shape, without_bom,
};
use super::lexer::check_counts;
use super::{DecodeOptions, InvoicesPage, PaymentsPage, Skipped, XeroInvoice};

#[derive(Deserialize)]
struct Pagination {
    #[serde(default)]
    page: Option<Count>,
    #[serde(default, rename = "pageCount")]
    page_count: Option<Count>,
}

impl Pagination {
    /// The next page number, when this is not the last page.
    fn next(&self) -> Option<String> {
        let page = self.page?.0;
        let count = self.page_count?.0;
        (page < count).then(|| page.saturating_add(1).to_string())
    }
}

#[derive(Deserialize)]
struct XRef<'a> {
    #[serde(borrow, default, rename = "ContactID")]
    id: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct XLine<'a> {
    #[serde(borrow, default, rename = "Description")]
    description: Option<Str<'a>>,
    #[serde(borrow, default, rename = "Quantity")]
    quantity: Option<Str<'a>>,
    #[serde(borrow, default, rename = "UnitAmount")]
    unit: Option<Str<'a>>,
    #[serde(borrow, default, rename = "LineAmount")]
    line_amount: Option<Str<'a>>,
    #[serde(borrow, default, rename = "DiscountRate")]
    discount_rate: Option<Str<'a>>,
    #[serde(borrow, default, rename = "DiscountAmount")]
    discount_amount: Option<Str<'a>>,
    #[serde(borrow, default, rename = "ItemCode")]
    item: Option<Str<'a>>,
    #[serde(borrow, default, rename = "TaxType")]
    tax: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct XInvoice<'a> {
    #[serde(borrow, default, rename = "Type")]
    kind: Option<Str<'a>>,
    #[serde(borrow, default, rename = "InvoiceID")]
    id: Option<Str<'a>>,
    #[serde(borrow, default, rename = "InvoiceNumber")]
    number: Option<Str<'a>>,
    #[serde(borrow, default, rename = "Reference")]
    reference: Option<Str<'a>>,
    #[serde(borrow, default, rename = "Contact")]
    contact: Option<XRef<'a>>,
    #[serde(borrow, default, rename = "Date")]
    date: Option<Str<'a>>,
    #[serde(borrow, default, rename = "DueDate")]
    due: Option<Str<'a>>,
    #[serde(borrow, default, rename = "Status")]
    status: Option<Str<'a>>,
    #[serde(borrow, default, rename = "CurrencyCode")]
    currency: Option<Str<'a>>,
    #[serde(borrow, default, rename = "LineAmountTypes")]
    amount_types: Option<Str<'a>>,
    #[serde(borrow, default, rename = "LineItems")]
    lines: Option<Vec<XLine<'a>>>,
}

/// What an invoice's `UnitAmount`s are (`LineAmountTypes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Amounts {
    /// Net: the tax is added on top (the model's own reading).
    Exclusive,
    /// Gross: the tax is included.
    Inclusive,
    /// No tax at all.
    NoTax,
}

fn amounts_of(s: Option<&Str<'_>>, path: &str) -> Result<Amounts, WireError> {
    let Some(t) = s.map(|t| t.as_str().trim()).filter(|t| !t.is_empty()) else {
        return Ok(Amounts::Exclusive);
    };
    [
        ("Exclusive", Amounts::Exclusive),
        ("Inclusive", Amounts::Inclusive),
        ("NoTax", Amounts::NoTax),
    ]
    .into_iter()
    .find(|(name, _)| t.eq_ignore_ascii_case(name))
    .map(|(_, a)| a)
    .ok_or_else(|| shape(path, format!("unknown LineAmountTypes `{}`", head(t))))
}

#[derive(Deserialize)]
struct InvoicesDoc<'a> {
    #[serde(borrow, rename = "Invoices")]
    invoices: Option<Vec<XInvoice<'a>>>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Deserialize)]
struct XPayInvoice<'a> {
    #[serde(borrow, default, rename = "Type")]
    kind: Option<Str<'a>>,
    #[serde(borrow, default, rename = "InvoiceID")]
    id: Option<Str<'a>>,
    #[serde(borrow, default, rename = "CurrencyCode")]
    currency: Option<Str<'a>>,
    #[serde(borrow, default, rename = "Contact")]
    contact: Option<XRef<'a>>,
}

#[derive(Deserialize)]
struct XPayment<'a> {
    #[serde(borrow, default, rename = "PaymentID")]
    id: Option<Str<'a>>,
    #[serde(borrow, default, rename = "Date")]
    date: Option<Str<'a>>,
    #[serde(borrow, default, rename = "Amount")]
    amount: Option<Str<'a>>,
    #[serde(borrow, default, rename = "Reference")]
    reference: Option<Str<'a>>,
    #[serde(borrow, default, rename = "PaymentType")]
    kind: Option<Str<'a>>,
    #[serde(borrow, default, rename = "Status")]
    status: Option<Str<'a>>,
    #[serde(borrow, default, rename = "Invoice")]
    invoice: Option<XPayInvoice<'a>>,
}

#[derive(Deserialize)]
struct PaymentsDoc<'a> {
    #[serde(borrow, rename = "Payments")]
    payments: Option<Vec<XPayment<'a>>>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

fn currency(
    code: Option<&Str<'_>>,
    opts: &DecodeOptions,
    path: &str,
) -> Result<Currency, WireError> {
    match code.map(Str::as_str).filter(|c| !c.trim().is_empty()) {
        None => Ok(opts.base_currency),
        Some(c) => Currency::new(c)
            .map_err(|_| shape(path, format!("`{}` is not a currency code", head(c)))),
    }
}

fn date_of(s: Option<&Str<'_>>, path: &str) -> Result<Option<chrono::NaiveDate>, WireError> {
    match s {
        None => Ok(None),
        Some(v) => dates::date(v.as_str())
            .map(Some)
            .ok_or_else(|| shape(path, format!("`{}` is not a date", head(v.as_str())))),
    }
}

fn number(s: Option<&Str<'_>>, path: &str) -> Result<Option<Decimal>, WireError> {
    s.map(|v| decimal(v.as_str(), || path.to_owned()))
        .transpose()
}

/// Xero's invoice status in the model's terms.
pub(super) fn status_of(s: &str) -> Option<InvoiceStatus> {
    Some(match s {
        // Submitted for approval is not approved yet: still being prepared.
        "DRAFT" | "SUBMITTED" => InvoiceStatus::Draft,
        // Approved and posted to the ledger, with its balance due.
        "AUTHORISED" => InvoiceStatus::AwaitingPayment,
        "PAID" => InvoiceStatus::Paid,
        // A deleted invoice was a draft that never counted: cancelled too.
        "VOIDED" | "DELETED" => InvoiceStatus::Void,
        _ => return None,
    })
}

/// A kept text value within [`crate::wire::Limits::max_field_bytes`].
fn kept(
    opts: &DecodeOptions,
    s: Option<&Str<'_>>,
    path: impl FnOnce() -> String,
) -> Result<(), WireError> {
    let len = s.map_or(0, |v| v.as_str().len());
    opts.limits
        .check(Profile::XeroGl, Limit::FieldBytes, len, path)
}

fn id_text(s: Option<&Str<'_>>) -> String {
    s.map_or_else(String::new, |v| v.as_str().to_owned())
}

/// Decodes an `{"Invoices":[…]}` document.
pub(super) fn decode_invoices(
    bytes: &[u8],
    opts: &DecodeOptions,
) -> Result<InvoicesPage, WireError> {
    opts.limits.check_input(Profile::XeroGl, bytes)?;
    check_counts(bytes, "Invoices", "LineItems", &opts.limits)?;
    let quoted = quote_numbers(without_bom(bytes));
    let doc: InvoicesDoc<'_> =
        serde_json::from_slice(&quoted).map_err(|e| from_serde(&e, "Invoices"))?;
    let list = doc
        .invoices
        .ok_or_else(|| shape("Invoices", "no `Invoices` list"))?;
    let mut page = InvoicesPage {
        records: Vec::with_capacity(list.len()),
        skipped: Vec::new(),
        next_page: doc.pagination.as_ref().and_then(Pagination::next),
    };
    for (i, x) in list.into_iter().enumerate() {
        let at = |f: &str| format!("Invoices[{i}].{f}");
        for (key, v) in [
            ("InvoiceID", &x.id),
            ("InvoiceNumber", &x.number),
            ("Reference", &x.reference),
        ] {
            kept(opts, v.as_ref(), || at(key))?;
        }
        let id = id_text(x.id.as_ref());
        match x.kind.as_ref().map(Str::as_str) {
            None | Some("ACCREC") => {}
            Some(other) => {
                page.skipped.push(Skipped {
                    id,
                    reason: format!("Type {}", head(other)),
                });
                continue;
            }
        }
        let status = match x.status.as_ref().map(Str::as_str) {
            None => InvoiceStatus::Draft,
            Some(s) => status_of(s)
                .ok_or_else(|| shape(at("Status"), format!("unknown status `{}`", head(s))))?,
        };
        let currency = currency(x.currency.as_ref(), opts, &at("CurrencyCode"))?;
        let issue =
            date_of(x.date.as_ref(), &at("Date"))?.ok_or_else(|| shape(at("Date"), "missing"))?;
        // A draft may have no due date yet: it is then due on issue.
        let due = date_of(x.due.as_ref(), &at("DueDate"))?.unwrap_or(issue);
        let amounts = amounts_of(x.amount_types.as_ref(), &at("LineAmountTypes"))?;
        let raw_lines = x.lines.unwrap_or_default();
        let mut lines = Vec::with_capacity(raw_lines.len());
        let mut tax_types = Vec::with_capacity(raw_lines.len());
        for (j, l) in raw_lines.into_iter().enumerate() {
            let lat = |f: &str| format!("Invoices[{i}].LineItems[{j}].{f}");
            for (key, v) in [
                ("Description", &l.description),
                ("ItemCode", &l.item),
                ("TaxType", &l.tax),
            ] {
                kept(opts, v.as_ref(), || lat(key))?;
            }
            let quantity = number(l.quantity.as_ref(), &lat("Quantity"))?;
            let unit = number(l.unit.as_ref(), &lat("UnitAmount"))?;
            let line_amount = number(l.line_amount.as_ref(), &lat("LineAmount"))?;
            let discount_rate =
                number(l.discount_rate.as_ref(), &lat("DiscountRate"))?.filter(|d| !d.is_zero());
            let discount_amount = number(l.discount_amount.as_ref(), &lat("DiscountAmount"))?
                .filter(|d| !d.is_zero());
            // A line given by its amount alone is one unit of that amount,
            // or its quantity of the amount's exact share; a line with
            // neither (a note) is worth nothing.
            let unit = match (unit, quantity, line_amount) {
                (Some(u), _, _) => u,
                (None, None, Some(a)) => a,
                (None, Some(_), Some(a)) if a.is_zero() => Decimal::ZERO,
                (None, Some(q), Some(a)) => exact_share(a, q).ok_or_else(|| {
                    shape(
                        lat("LineAmount"),
                        format!(
                            "{a} over a quantity of {q} is no exact unit price, and there is no \
                             `UnitAmount`"
                        ),
                    )
                })?,
                (None, _, None) => Decimal::ZERO,
            };
            let quantity = quantity.unwrap_or(Decimal::ONE);
            // Xero takes a line's discount (`DiscountRate` in percent or
            // `DiscountAmount`) off its `LineAmount`: the line is kept at
            // its full price and the discount follows as a line of its
            // own (see `discount_line`), so that the invoice's total
            // agrees with Xero's.
            let discount = discount_line(
                (discount_rate, discount_amount),
                quantity,
                unit,
                line_amount,
                currency,
                &lat,
            )?;
            let line_amount = if discount.is_some() {
                None
            } else {
                line_amount
            };
            if let Some(a) = line_amount.filter(|a| !comes_to(quantity, unit, *a, currency)) {
                return Err(shape(
                    lat("LineAmount"),
                    format!(
                        "{a} is not {quantity} × {unit}: the model keeps a line as its quantity \
                         times its unit price"
                    ),
                ));
            }
            let tax = filled(l.tax.as_ref());
            let tax_rate = match tax.as_deref() {
                _ if amounts == Amounts::NoTax => None,
                None | Some("NONE") => None,
                Some(code) => opts.tax_rates.get(code).copied(),
            };
            // The model's unit prices are net, its tax added on top: a
            // tax-inclusive price with a rate would be taxed twice.
            if amounts == Amounts::Inclusive && tax_rate.is_some_and(|r| r != TaxRate::ZERO) {
                return Err(shape(
                    at("LineAmountTypes"),
                    format!(
                        "line {j} is taxed at a known rate and its amounts include the tax: the \
                         model's prices are net"
                    ),
                ));
            }
            lines.push(InvoiceLine {
                work_type: filled(l.item.as_ref()),
                description: l
                    .description
                    .as_ref()
                    .map_or_else(String::new, |d| d.as_str().to_owned()),
                quantity,
                unit_price: Money::new(unit, currency),
                tax_rate,
            });
            tax_types.push(tax.clone());
            if let Some((description, off)) = discount {
                lines.push(InvoiceLine {
                    work_type: None,
                    description,
                    quantity: Decimal::ONE,
                    unit_price: Money::new(-off, currency),
                    tax_rate,
                });
                tax_types.push(tax);
            }
        }
        page.records.push(XeroInvoice {
            invoice: Invoice {
                id,
                number: id_text(x.number.as_ref()),
                contact_id: ContactId::new(
                    x.contact
                        .as_ref()
                        .and_then(|c| c.id.as_ref())
                        .map_or("", Str::as_str),
                ),
                issue_date: issue,
                due_date: due,
                status,
                currency,
                lines,
            },
            reference: filled(x.reference.as_ref()),
            tax_types,
        });
    }
    Ok(page)
}

/// Decodes a `{"Payments":[…]}` document.
pub(super) fn decode_payments(
    bytes: &[u8],
    opts: &DecodeOptions,
) -> Result<PaymentsPage, WireError> {
    opts.limits.check_input(Profile::XeroGl, bytes)?;
    check_counts(bytes, "Payments", "", &opts.limits)?;
    let quoted = quote_numbers(without_bom(bytes));
    let doc: PaymentsDoc<'_> =
        serde_json::from_slice(&quoted).map_err(|e| from_serde(&e, "Payments"))?;
    let list = doc
        .payments
        .ok_or_else(|| shape("Payments", "no `Payments` list"))?;
    let mut page = PaymentsPage {
        records: Vec::with_capacity(list.len()),
        skipped: Vec::new(),
        next_page: doc.pagination.as_ref().and_then(Pagination::next),
    };
    for (i, x) in list.into_iter().enumerate() {
        let at = |f: &str| format!("Payments[{i}].{f}");
        for (key, v) in [("PaymentID", &x.id), ("Reference", &x.reference)] {
            kept(opts, v.as_ref(), || at(key))?;
        }
        let id = id_text(x.id.as_ref());
        let invoice_kind = x
            .invoice
            .as_ref()
            .and_then(|v| v.kind.as_ref())
            .map(Str::as_str);
        match (x.kind.as_ref().map(Str::as_str), invoice_kind) {
            (Some("ACCRECPAYMENT"), _) | (None, None | Some("ACCREC")) => {}
            (Some(k), _) | (None, Some(k)) => {
                page.skipped.push(Skipped {
                    id,
                    reason: format!("PaymentType {}", head(k)),
                });
                continue;
            }
        }
        if x.status.as_ref().is_some_and(|s| s.as_str() == "DELETED") {
            page.skipped.push(Skipped {
                id,
                reason: "Status DELETED".into(),
            });
            continue;
        }
        let inv = x.invoice.as_ref();
        let currency = currency(
            inv.and_then(|v| v.currency.as_ref()),
            opts,
            &at("Invoice.CurrencyCode"),
        )?;
        let date =
            date_of(x.date.as_ref(), &at("Date"))?.ok_or_else(|| shape(at("Date"), "missing"))?;
        let amount = number(x.amount.as_ref(), &at("Amount"))?
            .ok_or_else(|| shape(at("Amount"), "missing"))?;
        let amount = Money::new(amount, currency);
        let allocations = inv
            .and_then(|v| v.id.as_ref())
            .filter(|v| !v.as_str().trim().is_empty())
            .map(|v| Allocation {
                invoice_id: v.as_str().to_owned(),
                amount,
            })
            .into_iter()
            .collect();
        let payer = inv
            .and_then(|v| v.contact.as_ref())
            .and_then(|c| c.id.as_ref())
            .map_or("", Str::as_str);
        page.records.push(Payment {
            id,
            date,
            amount,
            payer: ContactId::new(payer),
            allocations,
            origin: PaymentOrigin::Ledger,
            reference: filled(x.reference.as_ref()),
        });
    }
    Ok(page)
}

/// The discount of a line with a `DiscountRate` (percent) or
/// `DiscountAmount`: its description and the amount taken off, positive.
/// The amount is the line's full price (quantity × unit, rounded to the
/// minor unit) less its `LineAmount` when Xero sent one; else the
/// `DiscountAmount`, or the rate's share of the full price, rounded.
/// `None` without a discount.
fn discount_line(
    (rate, amount): (Option<Decimal>, Option<Decimal>),
    quantity: Decimal,
    unit: Decimal,
    line_amount: Option<Decimal>,
    currency: Currency,
    lat: &dyn Fn(&str) -> String,
) -> Result<Option<(String, Decimal)>, WireError> {
    if rate.is_none() && amount.is_none() {
        return Ok(None);
    }
    let full = quantity
        .checked_mul(unit)
        .map(|p| {
            Money::new(p, currency)
                .round(Rounding::HalfAwayFromZero)
                .amount()
        })
        .ok_or_else(|| shape(lat("UnitAmount"), "the line's price is out of range"))?;
    let off = match (line_amount, amount, rate) {
        (Some(a), _, _) => full.checked_sub(a),
        (None, Some(d), _) => Some(d),
        (None, None, Some(r)) => full
            .checked_mul(r)
            .and_then(|x| x.checked_div(Decimal::ONE_HUNDRED))
            .map(|x| {
                Money::new(x, currency)
                    .round(Rounding::HalfAwayFromZero)
                    .amount()
            }),
        (None, None, None) => None,
    }
    .ok_or_else(|| shape(lat("LineAmount"), "the discount is out of range"))?;
    if off.is_sign_negative() && !off.is_zero() {
        return Err(shape(
            lat("LineAmount"),
            format!("{} is more than the line's full price {full}", full - off),
        ));
    }
    let description = match rate {
        Some(r) => format!("Discount {}%", r.normalize()),
        None => "Discount".to_owned(),
    };
    Ok(Some((description, off)))
}
