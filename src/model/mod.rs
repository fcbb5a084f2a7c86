//! The data model: contacts on either side of a connection, and exact
//! money (invoices and payments arrive with the billing work).

mod contact;
mod ids;
mod money;

pub(crate) use contact::present;
pub use contact::{
    Address, AddressKind, Contact, ContactKind, ContactStatus, Email, Phone, PhoneKind,
    ProviderExtras, VersionToken,
};
pub use ids::ContactId;
pub use money::{Currency, Money, MoneyError, Rounding, TaxRate};
