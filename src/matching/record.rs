use crate::model::{Contact, ContactId, ContactKind, TaxIdKind};

/// What the matcher needs to read from a record.
///
/// [`Contact`] implements it; bulk callers can implement it on their own
/// lean row types (borrowing from a parsed file, say) so that millions of
/// records never have to become full `Contact`s. Return `None` (or a blank
/// string) for anything the record does not have.
pub trait MatchRecord {
    /// The record's id on its own side.
    fn record_id(&self) -> &str;
    /// The id as a [`ContactId`]; override when one is at hand to avoid a
    /// copy.
    fn contact_id(&self) -> ContactId {
        ContactId::new(self.record_id())
    }
    /// Person or organisation, when the record says.
    fn kind(&self) -> Option<ContactKind>;
    /// Display name (local contact name; Xero / XPM `Name`; QBO
    /// `DisplayName`).
    fn display_name(&self) -> Option<&str>;
    /// Company / legal name (QBO `CompanyName`).
    fn organization_name(&self) -> Option<&str>;
    /// Given name.
    fn first_name(&self) -> Option<&str>;
    /// Family name.
    fn last_name(&self) -> Option<&str>;
    /// The email used for matching: the billing email locally, the primary
    /// email on a ledger.
    fn match_email(&self) -> Option<&str>;
    /// XPM business structure, if any.
    fn business_structure(&self) -> Option<&str> {
        None
    }
    /// Company registration number, if any (a classifier hint, T3).
    fn company_number(&self) -> Option<&str> {
        None
    }
    /// The kind of tax number the record carries, if known (a classifier
    /// hint, T3).
    fn tax_id(&self) -> Option<TaxIdKind> {
        None
    }
    /// How many contact persons the ledger lists for the record (a
    /// classifier hint, T3).
    fn contact_persons(&self) -> usize {
        0
    }
}

impl MatchRecord for Contact {
    fn record_id(&self) -> &str {
        self.id.as_str()
    }
    fn contact_id(&self) -> ContactId {
        self.id.clone()
    }
    fn kind(&self) -> Option<ContactKind> {
        self.kind
    }
    fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }
    fn organization_name(&self) -> Option<&str> {
        self.organization_name.as_deref()
    }
    fn first_name(&self) -> Option<&str> {
        self.first_name.as_deref()
    }
    fn last_name(&self) -> Option<&str> {
        self.last_name.as_deref()
    }
    fn match_email(&self) -> Option<&str> {
        self.billing_email()
    }
    fn business_structure(&self) -> Option<&str> {
        self.extras.business_structure.as_deref()
    }
    fn company_number(&self) -> Option<&str> {
        self.extras.company_number.as_deref()
    }
    fn tax_id(&self) -> Option<TaxIdKind> {
        self.extras.tax_id
    }
    fn contact_persons(&self) -> usize {
        usize::from(self.extras.contact_persons)
    }
}

impl<T: MatchRecord + ?Sized> MatchRecord for &T {
    fn record_id(&self) -> &str {
        (**self).record_id()
    }
    fn contact_id(&self) -> ContactId {
        (**self).contact_id()
    }
    fn kind(&self) -> Option<ContactKind> {
        (**self).kind()
    }
    fn display_name(&self) -> Option<&str> {
        (**self).display_name()
    }
    fn organization_name(&self) -> Option<&str> {
        (**self).organization_name()
    }
    fn first_name(&self) -> Option<&str> {
        (**self).first_name()
    }
    fn last_name(&self) -> Option<&str> {
        (**self).last_name()
    }
    fn match_email(&self) -> Option<&str> {
        (**self).match_email()
    }
    fn business_structure(&self) -> Option<&str> {
        (**self).business_structure()
    }
    fn company_number(&self) -> Option<&str> {
        (**self).company_number()
    }
    fn tax_id(&self) -> Option<TaxIdKind> {
        (**self).tax_id()
    }
    fn contact_persons(&self) -> usize {
        (**self).contact_persons()
    }
}
