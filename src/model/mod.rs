//! The data model: contacts on either side of a connection, exact money,
//! invoices, payments and accounting periods.

mod billing;
mod contact;
mod ids;
mod money;

pub use billing::{
    AccountingPeriod, Allocation, Invoice, InvoiceLine, InvoiceStatus, InvoiceTotals, Payment,
    PaymentOrigin,
};
pub(crate) use contact::present;
pub use contact::{
    Address, AddressKind, Contact, ContactKind, ContactStatus, Email, Phone, PhoneKind,
    ProviderExtras, TaxIdKind, VersionToken,
};
pub use ids::ContactId;
pub use money::{Currency, Money, MoneyError, Rounding, TaxRate};
