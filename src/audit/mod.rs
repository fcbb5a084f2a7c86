//! The pre-connection audit (H1–H5): what is wrong with a side's contacts,
//! and what the first sync would do with each record, before anything is
//! written.
//!
//! [`audit`] checks one list on its own (H1–H4). [`audit_against`] also
//! takes the other side and predicts every record's first-sync outcome with
//! its reason (H5).

use std::collections::BTreeMap;

use crate::error::{Error, Result, Side};
use crate::matching::{MatchIndex, MatchOutcome, MatchResult, MatchSummary};
use crate::model::{Contact, ContactId, ContactKind};
use crate::normalize::{EmailProblem, names_equal, normalize_email};
use crate::rules::Profile;
use crate::rules::qbo::{UnmatchableReason, kind_of_customer};
use crate::rules::xpm::kind_for_business_structure;

/// A field the audit found missing (H2, H4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Field {
    /// Any name.
    Name,
    /// First name.
    FirstName,
    /// Last name.
    LastName,
    /// Display name.
    DisplayName,
    /// Email.
    Email,
    /// Postal address.
    Address,
    /// Phone number.
    Phone,
}

impl Field {
    /// Lower-case label.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::FirstName => "first name",
            Self::LastName => "last name",
            Self::DisplayName => "display name",
            Self::Email => "email",
            Self::Address => "address",
            Self::Phone => "phone",
        }
    }
}

/// One hygiene problem of one record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "finding"))]
#[non_exhaustive]
pub enum Finding {
    /// H1: an organisation whose display name is not its company name; QBO
    /// will not match it as an organisation.
    DisplayNameDiffersFromCompanyName,
    /// H2: a person without first name, last name or display name.
    IncompletePersonName {
        /// Which of the three are missing.
        missing: Vec<Field>,
    },
    /// H3: no email at all.
    MissingEmail,
    /// H3: an email that can never match (N2).
    InvalidEmail {
        /// What is wrong with it.
        problem: EmailProblem,
    },
    /// H3: the email is shared with other records of the same side.
    SharedEmail {
        /// The other holders, sorted.
        with: Vec<ContactId>,
    },
    /// H4: fields a complete record has.
    MissingFields {
        /// The missing fields.
        fields: Vec<Field>,
    },
    /// T1: an XPM business structure outside the usual list, or none; the
    /// client becomes an organisation.
    UnrecognisedBusinessStructure,
}

impl Finding {
    /// The spec rule behind the finding.
    #[must_use]
    pub const fn rule(&self) -> &'static str {
        match self {
            Self::DisplayNameDiffersFromCompanyName => "H1",
            Self::IncompletePersonName { .. } => "H2",
            Self::MissingEmail | Self::InvalidEmail { .. } | Self::SharedEmail { .. } => "H3",
            Self::MissingFields { .. } => "H4",
            Self::UnrecognisedBusinessStructure => "T1",
        }
    }

    /// What is wrong and how to fix it, for people.
    #[must_use]
    pub fn explain(&self) -> String {
        let list = |f: &[Field]| f.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ");
        match self {
            Self::DisplayNameDiffersFromCompanyName => {
                "display name differs from company name: make them equal".into()
            }
            Self::IncompletePersonName { missing } => {
                format!("person without {}: fill them in", list(missing))
            }
            Self::MissingEmail => {
                "no email: the record can never fully match, expect a match issue".into()
            }
            Self::InvalidEmail { problem } => format!("invalid email ({problem}): correct it"),
            Self::SharedEmail { with } => format!(
                "email shared with {}: give each contact its own, or expect match issues",
                with.iter().map(ContactId::as_str).collect::<Vec<_>>().join(", ")
            ),
            Self::MissingFields { fields } => format!("missing {}", list(fields)),
            Self::UnrecognisedBusinessStructure => {
                "business structure missing or not recognised: it will be treated as an organisation"
                    .into()
            }
        }
    }
}

/// What the first sync will do with a local contact (H5).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", tag = "prediction")
)]
#[non_exhaustive]
pub enum LocalPrediction {
    /// It will be linked to this remote record, and its synced fields
    /// overwritten by the ledger's values.
    WillLink {
        /// The remote record.
        remote_id: ContactId,
    },
    /// It appears in match issues of these remote records.
    InMatchIssues {
        /// The remote records, sorted.
        remote_ids: Vec<ContactId>,
    },
    /// No remote record touches it.
    Untouched,
}

/// The first-sync prediction for one record (H5).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "side"))]
#[non_exhaustive]
pub enum Prediction {
    /// For a remote record: the matcher's full result.
    Remote(MatchResult),
    /// For a local contact.
    Local(LocalPrediction),
}

impl Prediction {
    /// One line for people.
    #[must_use]
    pub fn explain(&self) -> String {
        match self {
            Self::Remote(r) => r.explain(),
            Self::Local(LocalPrediction::WillLink { remote_id }) => {
                format!(
                    "will be linked to remote {remote_id} (its synced fields take the ledger's values)"
                )
            }
            Self::Local(LocalPrediction::InMatchIssues { remote_ids }) => format!(
                "appears in match issues of remote {}",
                remote_ids
                    .iter()
                    .map(ContactId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::Local(LocalPrediction::Untouched) => "no ledger record matches it".into(),
        }
    }
}

/// The audit of one record.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RecordAudit {
    /// The record.
    pub id: ContactId,
    /// Its problems, by rule.
    pub findings: Vec<Finding>,
    /// The first-sync prediction, when the other side was given.
    pub prediction: Option<Prediction>,
}

/// An email held by several records of one side (H3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SharedEmail {
    /// The normalised email.
    pub email: String,
    /// Every holder, sorted.
    pub holders: Vec<ContactId>,
}

/// The audit of one side's contacts.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AuditReport {
    /// The profile whose rules applied.
    pub profile: Profile,
    /// The side audited.
    pub side: Side,
    /// Every record, sorted by id.
    pub records: Vec<RecordAudit>,
    /// Emails shared by several records, sorted by email.
    pub shared_emails: Vec<SharedEmail>,
    /// Counts of the predicted outcomes of remote records (H5), when the
    /// other side was given and the audited side is the remote one.
    pub predicted: Option<MatchSummary>,
}

impl AuditReport {
    /// Records with at least one finding.
    pub fn with_findings(&self) -> impl Iterator<Item = &RecordAudit> {
        self.records.iter().filter(|r| !r.findings.is_empty())
    }

    /// The audit of one record.
    #[must_use]
    pub fn record(&self, id: &str) -> Option<&RecordAudit> {
        self.records
            .binary_search_by(|r| r.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.records[i])
    }
}

/// Whether a record counts as an organisation for the hygiene rules.
fn seen_as_org(profile: Profile, c: &Contact) -> bool {
    match c.kind {
        Some(k) => k == ContactKind::Organization,
        None => match profile {
            Profile::Xpm => {
                kind_for_business_structure(c.extras.business_structure.as_deref()).kind
                    == ContactKind::Organization
            }
            // T4 decides; a record that is unmatchable because display and
            // company name differ is an organisation to be fixed (H1).
            Profile::Qbo | Profile::QbTime => match kind_of_customer(
                c.display_name(),
                c.organization_name(),
                c.first_name(),
                c.last_name(),
            ) {
                Ok(d) => d.kind == ContactKind::Organization,
                Err(reason) => reason == UnmatchableReason::DisplayNameDiffersFromCompanyName,
            },
            Profile::XeroGl => c.organization_name().is_some(),
        },
    }
}

fn seen_as_person(profile: Profile, c: &Contact) -> bool {
    match c.kind {
        Some(k) => k == ContactKind::Person,
        None => match profile {
            Profile::Xpm => !seen_as_org(profile, c),
            Profile::Qbo | Profile::QbTime => {
                !seen_as_org(profile, c) && (c.first_name().is_some() || c.last_name().is_some())
            }
            _ => false,
        },
    }
}

fn findings_of(profile: Profile, side: Side, c: &Contact) -> Vec<Finding> {
    let mut f = Vec::new();
    // H1 (QBO): organisation display name = company name.
    if profile == Profile::Qbo && seen_as_org(profile, c) {
        let differs = match (c.display_name(), c.organization_name()) {
            (Some(d), Some(o)) => !names_equal(d, o),
            (Some(_), None) | (None, Some(_)) => side == Side::Remote,
            (None, None) => false,
        };
        if differs {
            f.push(Finding::DisplayNameDiffersFromCompanyName);
        }
    }
    // H2: people have first, last and (for QBO) display names.
    if seen_as_person(profile, c) {
        let mut missing = Vec::new();
        if c.first_name().is_none() {
            missing.push(Field::FirstName);
        }
        if c.last_name().is_none() {
            missing.push(Field::LastName);
        }
        if profile == Profile::Qbo && c.display_name().is_none() {
            missing.push(Field::DisplayName);
        }
        if !missing.is_empty() {
            f.push(Finding::IncompletePersonName { missing });
        }
    }
    // H3: a valid email.
    match c.billing_email() {
        None => f.push(Finding::MissingEmail),
        Some(e) => {
            if let Err(problem) = normalize_email(e) {
                f.push(Finding::InvalidEmail { problem });
            }
        }
    }
    // H4: completeness.
    let mut missing = Vec::new();
    if c.label().trim().is_empty() {
        missing.push(Field::Name);
    }
    if c.billing_email().is_none_or(|e| e.trim().is_empty()) {
        missing.push(Field::Email);
    }
    if c.addresses.iter().all(crate::model::Address::is_blank) {
        missing.push(Field::Address);
    }
    if c.phones.iter().all(|p| p.number.trim().is_empty()) {
        missing.push(Field::Phone);
    }
    if !missing.is_empty() {
        f.push(Finding::MissingFields { fields: missing });
    }
    // T1: XPM structure.
    if profile == Profile::Xpm && side == Side::Remote && c.kind.is_none() {
        let d = kind_for_business_structure(c.extras.business_structure.as_deref());
        if d.is_flagged() {
            f.push(Finding::UnrecognisedBusinessStructure);
        }
    }
    f
}

fn check_ids(side: Side, contacts: &[Contact]) -> Result<Vec<usize>> {
    if let Some(position) = contacts.iter().position(|c| c.id.as_str().is_empty()) {
        return Err(Error::EmptyId { side, position });
    }
    let mut order: Vec<usize> = (0..contacts.len()).collect();
    order.sort_by(|&a, &b| contacts[a].id.cmp(&contacts[b].id));
    for w in order.windows(2) {
        if contacts[w[0]].id == contacts[w[1]].id {
            return Err(Error::DuplicateId {
                side,
                id: contacts[w[0]].id.to_string(),
            });
        }
    }
    Ok(order)
}

/// Audits one side's contacts on their own (H1–H4).
///
/// # Errors
/// [`Error::DuplicateId`] / [`Error::EmptyId`] for bad ids.
///
/// ```
/// use ledgerlink::{audit, Contact, Profile, Side};
/// use ledgerlink::audit::Finding;
/// let qbo = vec![Contact::named("7", "Acme").with_organization_name("Acme Pty Ltd")];
/// let report = audit(Profile::Qbo, Side::Remote, &qbo)?;
/// assert!(report.records[0].findings.contains(&Finding::DisplayNameDiffersFromCompanyName));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn audit(profile: Profile, side: Side, contacts: &[Contact]) -> Result<AuditReport> {
    let order = check_ids(side, contacts)?;

    // H3: shared emails, grouped by normalised address.
    let mut by_email: BTreeMap<String, Vec<ContactId>> = BTreeMap::new();
    for c in contacts {
        if let Some(Ok(e)) = c.billing_email().map(normalize_email) {
            by_email
                .entry(e.into_owned())
                .or_default()
                .push(c.id.clone());
        }
    }
    let shared_emails: Vec<SharedEmail> = by_email
        .into_iter()
        .filter(|(_, h)| h.len() > 1)
        .map(|(email, mut holders)| {
            holders.sort();
            SharedEmail { email, holders }
        })
        .collect();
    let mut shared_with: BTreeMap<&ContactId, Vec<ContactId>> = BTreeMap::new();
    for s in &shared_emails {
        for h in &s.holders {
            shared_with
                .entry(h)
                .or_default()
                .extend(s.holders.iter().filter(|o| *o != h).cloned());
        }
    }

    let records = order
        .into_iter()
        .map(|i| {
            let c = &contacts[i];
            let mut findings = findings_of(profile, side, c);
            if let Some(with) = shared_with.get(&c.id) {
                findings.push(Finding::SharedEmail { with: with.clone() });
            }
            findings.sort();
            RecordAudit {
                id: c.id.clone(),
                findings,
                prediction: None,
            }
        })
        .collect();
    Ok(AuditReport {
        profile,
        side,
        records,
        shared_emails,
        predicted: None,
    })
}

/// Audits one side and predicts the first sync of every record against the
/// other side (H1–H5).
///
/// With `side == Side::Remote`, `contacts` are the ledger's records and
/// `other` the firm's; each remote record gets the matcher's result. With
/// `side == Side::Local`, each local contact learns whether it will be
/// linked, is part of match issues, or is left alone.
///
/// # Errors
/// As [`audit`], for either list.
pub fn audit_against(
    profile: Profile,
    side: Side,
    contacts: &[Contact],
    other: &[Contact],
) -> Result<AuditReport> {
    let mut report = audit(profile, side, contacts)?;
    match side {
        Side::Remote => {
            let index = MatchIndex::new(profile, other)?;
            let mut results = index.classify_batch(contacts)?;
            report.predicted = Some(MatchSummary::of(&results));
            results.sort_by(|a, b| a.remote_id.cmp(&b.remote_id));
            for (rec, res) in report.records.iter_mut().zip(results) {
                rec.prediction = Some(Prediction::Remote(res));
            }
        }
        Side::Local => {
            let index = MatchIndex::new(profile, contacts)?;
            let results = index.classify_batch(other)?;
            let mut linked: BTreeMap<&str, &ContactId> = BTreeMap::new();
            let mut issues: BTreeMap<&str, Vec<ContactId>> = BTreeMap::new();
            for r in &results {
                match &r.outcome {
                    MatchOutcome::Full { local_id } => {
                        linked.insert(local_id.as_str(), &r.remote_id);
                    }
                    o if o.needs_review() => {
                        for l in o.local_ids() {
                            issues
                                .entry(l.as_str())
                                .or_default()
                                .push(r.remote_id.clone());
                        }
                    }
                    _ => {}
                }
            }
            for rec in &mut report.records {
                let p = if let Some(r) = linked.get(rec.id.as_str()) {
                    LocalPrediction::WillLink {
                        remote_id: (*r).clone(),
                    }
                } else if let Some(mut v) = issues.remove(rec.id.as_str()) {
                    v.sort();
                    LocalPrediction::InMatchIssues { remote_ids: v }
                } else {
                    LocalPrediction::Untouched
                };
                rec.prediction = Some(Prediction::Local(p));
            }
        }
    }
    Ok(report)
}
