//! Small builders shared by the integration tests.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

pub mod world;
use ledgerlink::model::ContactKind;
use ledgerlink::{Contact, MatchIndex, MatchResult, Profile};

/// A local organisation with a billing email.
pub fn org(id: &str, name: &str, email: &str) -> Contact {
    Contact::organization(id, name).with_email(email)
}

/// A local person with a billing email.
pub fn person(id: &str, first: &str, last: &str, email: &str) -> Contact {
    Contact::person(id, first, last).with_email(email)
}

/// A Xero / XPM record: a name and a primary email, kind unknown.
pub fn remote(id: &str, name: &str, email: &str) -> Contact {
    Contact::named(id, name).with_email(email)
}

/// A QBO customer.
pub fn qbo(
    id: &str,
    display: &str,
    company: Option<&str>,
    names: Option<(&str, &str)>,
    email: &str,
) -> Contact {
    let mut c = Contact::named(id, display).with_email(email);
    c.organization_name = company.map(str::to_owned);
    if let Some((f, l)) = names {
        c = c.with_names(f, l);
    }
    c
}

/// Classifies a batch and panics on error (test helper).
pub fn run(profile: Profile, local: &[Contact], remote: &[Contact]) -> Vec<MatchResult> {
    MatchIndex::new(profile, local)
        .unwrap()
        .classify_batch(remote)
        .unwrap()
}

/// Kind of a result, if decided.
pub fn kind(r: &MatchResult) -> Option<ContactKind> {
    r.kind.as_ref().map(|k| k.kind)
}
