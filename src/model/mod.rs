//! The data model: contacts on either side of a connection.
//!
//! Money, invoices and payments arrive with the billing work.

mod contact;
mod ids;

pub(crate) use contact::present;
pub use contact::{
    Address, AddressKind, Contact, ContactKind, ContactStatus, Email, Phone, PhoneKind,
    ProviderExtras, VersionToken,
};
pub use ids::ContactId;
