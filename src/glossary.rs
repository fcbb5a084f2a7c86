//! The rule glossary: every rule ID of the behaviour specification, with
//! what it means in one line and where it lives.
//!
//! The code cites these IDs everywhere: an operation's `rule` field, the
//! explanations of match outcomes and audit findings, and the names of the
//! tests that prove a rule (`m2_…`, or a `// M2` comment beside the
//! assertion). This page is the key to them. Families follow the order of
//! the specification; a link points at the module or type that carries the
//! rule out.
//!
//! This module holds documentation only; nothing in it is code you call.
//!
//! ## N — normalisation
//!
//! - **N1** — Names are equal when they agree after NFKC, full Unicode case
//!   folding ("ß" meets "SS"), trimming and squeezing inner runs of
//!   whitespace to one space. [`normalize_name`](crate::normalize::normalize_name)
//! - **N2** — Emails are trimmed, brought to one canonical Unicode form and
//!   lower-cased before any comparison; an address that cannot be real (no
//!   `@`, an empty side, whitespace inside) matches nothing and is flagged by
//!   the audit. [`normalize_email`](crate::normalize::normalize_email)
//! - **N3** — A person without a display name goes by first and last name
//!   joined by one space; a middle name plays no part. [`normalize`](crate::normalize)
//! - **N4** — Normalising is a pure function with an ASCII fast path that
//!   rarely allocates and never panics, whatever the input. [`normalize`](crate::normalize)
//!
//! ## M — matching a ledger record against the firm's contacts
//!
//! - **M1** — Name and email both agree with exactly one local contact: the
//!   pair is linked with nobody asked. [`MatchOutcome`](crate::matching::MatchOutcome)
//! - **M2** — Only one of the two agrees: a match issue for a person, naming
//!   each candidate and the field it shares; settled by confirming (the
//!   ledger's values win the synced fields) or by creating a new contact.
//!   [`Candidate`](crate::matching::Candidate)
//! - **M3** — Neither agrees: a new local contact is made from the ledger's
//!   record, with the connection's default contact type ("Client" unless
//!   set otherwise). [`sync`](crate::sync)
//! - **M4** — Xero general ledger: the local name and *billing* email face
//!   Xero's `Name` and primary email address. [`rules::xero`](crate::rules::xero)
//! - **M5** — QuickBooks Online organisations match on company name, which
//!   must equal the display name; when the two differ and there is no first
//!   and last name the record is unmatchable — reported with the fix, never
//!   dropped and never created. [`rules::qbo`](crate::rules::qbo)
//! - **M6** — QuickBooks Online people need first name, last name and email
//!   to agree; a record whose display and company names are equal counts as
//!   an organisation (couples filing together included) and may lack them.
//!   [`rules::qbo`](crate::rules::qbo)
//! - **M7** — Xero Practice Manager clients compare on name and email; half
//!   a match goes to review. [`rules::xpm`](crate::rules::xpm)
//! - **M8** — More than one local contact passes the full test: none is
//!   linked, and the record becomes a match issue listing them all.
//!   [`MatchOutcome`](crate::matching::MatchOutcome)
//! - **M9** — Within one connection a local contact pairs with at most one
//!   ledger record and the other way round; two ledger records that fully
//!   match the same contact both go to review. [`matching`](crate::matching)
//! - **M10** — Linked pairs, and pairs a person unsynced, are not matched
//!   again on their own. [`ExistingLinks`](crate::matching::ExistingLinks)
//! - **M11** — An opt-in guard (off by default): a record about to be
//!   created whose name is an existing contact's written differently
//!   (compared word by word: typing errors, initials, order, accents,
//!   punctuation, legal forms; blocked) is held as a possible duplicate.
//!   [`NearDuplicateConfig`](crate::matching::NearDuplicateConfig)
//! - **M12** — The result does not depend on input order, candidates come in
//!   a stable order, and every decision says which fields agreed and which
//!   rule applied. [`MatchResult`](crate::matching::MatchResult)
//!
//! ## T — person or organisation
//!
//! - **T1** — Xero Practice Manager: a business structure of "Individual" or
//!   "Sole Trader" (any case) is a person, anything else an organisation,
//!   with unknown values flagged. [`rules::xpm`](crate::rules::xpm)
//! - **T2** — Xero Practice Manager clients arrive as organisations (or
//!   people, by T1); under the "clients and contacts" scope a client's
//!   contacts arrive as people linked to it, except for individual and
//!   sole-trader clients, whose contacts never do. [`rules::xpm`](crate::rules::xpm)
//! - **T3** — Xero records carry no kind, so a replaceable classifier
//!   decides; the built-in one ([`NameClassifier`](crate::rules::NameClassifier))
//!   weighs legal forms, organisation and trade words, given and family
//!   names from public name statistics, structural cues (titles, initials,
//!   couples, "Estate of", digits) and the record's name fields in a small
//!   linear model, and returns a kind with a calibrated confidence, its
//!   evidence, and whether a person should check it.
//!   [`Classifier`](crate::rules::Classifier)
//! - **T4** — QuickBooks Online: display name equal to company name makes an
//!   organisation; otherwise first and last name make a person.
//!   [`rules::qbo`](crate::rules::qbo)
//!
//! ## L — links
//!
//! - **L1** — A pair moves from unlinked to linked (automatically or by
//!   confirmation), may be unsynced and later linked again; removing a match
//!   is always allowed. [`sync`](crate::sync)
//! - **L2** — A match issue stays open until a person's decision arrives as
//!   input. [`sync`](crate::sync)
//! - **L3** — Unsyncing cuts the link, so no later change flows either way;
//!   unsynced records are listed and can be matched again or become a new
//!   contact from either side's data. [`sync`](crate::sync)
//!
//! ## F — field sync
//!
//! - **F1** — The fields each provider syncs: Xero general ledger — name,
//!   billing email, primary phone, billing address; Xero Practice Manager —
//!   name, email, phones, addresses; QuickBooks Online — name, email,
//!   phones, physical and mailing address, of which only the primary
//!   address is sent. [`sync`](crate::sync)
//! - **F2** — The first Xero link, and a confirmed match issue, let the
//!   ledger's values replace the local synced fields, with every replaced
//!   value reported. [`sync`](crate::sync)
//! - **F3** — Once linked, a change on one side becomes an update of the
//!   other; a record that arrives with no name never blanks its partner's.
//!   [`sync`](crate::sync)
//! - **F4** — A field changed on both sides since the last sync is a
//!   conflict, settled by the connection's policy (per field if set): ledger
//!   wins, local wins, newest wins, or review — and the losing value always
//!   stays in the report. [`sync`](crate::sync)
//! - **F5** — Nothing changed, nothing planned: planning again after a plan
//!   was carried out gives an empty plan. [`sync`](crate::sync)
//! - **F6** — A record archived or deleted in the ledger (Xero, Xero
//!   Practice Manager) never removes the local contact; the link is marked
//!   and reported. [`sync`](crate::sync)
//! - **F7** — What a manual "sync now" does is a per-connection setting,
//!   because the sources disagree; QuickBooks Online defaults to importing
//!   only. [`sync`](crate::sync)
//!
//! ## P — pushing contacts to a ledger
//!
//! - **P1** — Xero never receives local contacts on its own: an explicit
//!   "create remote contact" decision sends name, billing email, primary
//!   phone and billing address, and links the pair. [`sync`](crate::sync)
//! - **P2** — Xero Practice Manager: a local organisation whose contact type
//!   is in the push set is created or updated there as it changes, and the
//!   people linked to it go along. [`sync`](crate::sync)
//! - **P3** — QuickBooks Online: a contact of a pushed type is created when
//!   new and updated when its name, email, phone, address or type changes;
//!   the first sync creates no customer. [`sync`](crate::sync)
//! - **P4** — Imported contacts get the connection's default contact type
//!   ("Client" unless configured). [`sync`](crate::sync)
//!
//! ## Q — QuickBooks Time
//!
//! - **Q1** — Each kind of data has one owner: work the practice manager,
//!   time QuickBooks Time, money QuickBooks Online. [`qbtime`](crate::qbtime)
//! - **Q2** — Connect QuickBooks Time to QuickBooks Online first, then the
//!   practice manager to QuickBooks Time; a check beforehand lists every
//!   customer name missing from one of the three lists, the duplicates of
//!   tomorrow. [`qbtime`](crate::qbtime)
//! - **Q3** — The practice manager creates the missing customers and jobs in
//!   QuickBooks Time, which in turn creates the customer:job entries in
//!   QuickBooks Online. [`qbtime`](crate::qbtime)
//! - **Q4** — Time is read from QuickBooks Time when asked and may lag;
//!   time logged against a client group is accepted but reported for the
//!   group only, not per member. [`qbtime`](crate::qbtime)
//!
//! ## I — invoices to QuickBooks Online (one way)
//!
//! - **I1** — Only sent or posted invoices travel, and only those dated on
//!   or after the connection's sync start date. [`billing`](crate::billing)
//! - **I2** — Edits made in QuickBooks Online never come back.
//!   [`billing`](crate::billing)
//! - **I3** — Work types map to QuickBooks Online services, with a default
//!   service for the unmapped ones. [`billing`](crate::billing)
//! - **I4** — Tax rates map to QuickBooks Online rates, combined rates
//!   (primary plus secondary part) included; a rate without a mapping fails
//!   with `TaxRateNotMapped`. [`billing`](crate::billing)
//! - **I5** — An invoice whose billing contact has no linked customer fails
//!   with `CustomerRef is required`. [`billing`](crate::billing)
//! - **I6** — A document number QuickBooks Online already holds fails with
//!   `Duplicate Document Number`. [`billing`](crate::billing)
//! - **I7** — In a US company all lines of one invoice share one tax rate,
//!   or it fails with `QboaUsInvoiceMultipleTaxRates`.
//!   [`billing`](crate::billing)
//! - **I8** — A billing cycle checks every invoice, and a bad one never
//!   holds back the others. [`billing`](crate::billing)
//!
//! ## Y — payments (both ways)
//!
//! - **Y1** — The firm's payments go to QuickBooks Online once an invoice is
//!   paid. [`billing`](crate::billing)
//! - **Y2** — Payments entered in the ledger — manual, partial, split across
//!   invoices — come to the practice system. [`billing`](crate::billing)
//! - **Y3** — When an invoice's balance reaches zero it moves from awaiting
//!   payment to paid, and an activity record says so.
//!   [`billing`](crate::billing)
//! - **Y4** — Payments are refused, each with the ledger's own message, when
//!   dated over two days after the caller's now, outside any open
//!   accounting period, above the amount due, from someone other than the
//!   invoice's customer, or when the upstream create failed.
//!   [`billing`](crate::billing)
//! - **Y5** — A payment's allocations add up to its amount exactly;
//!   balances never drop below zero; currencies never mix; no amount is
//!   negative or finer than its currency's minor unit.
//!   [`model`](crate::model), [`billing`](crate::billing)
//!
//! ## E — errors and retry
//!
//! - **E1** — Every sync failure is typed, with a stable code, an
//!   explanation in plain words and the remedy, and names its record (the
//!   messages of I4–I7 and Y4, and `AuthenticationFailed` for 401 / 003200).
//!   [`billing`](crate::billing)
//! - **E2** — Failures collect in an error queue; "retry" runs all of them
//!   again together, at most once in three minutes, with the time given by
//!   the caller. [`billing`](crate::billing)
//! - **E3** — Refused credentials disconnect the connection: nothing more is
//!   sent until it is reconnected. [`sync`](crate::sync),
//!   [`billing`](crate::billing)
//!
//! ## H — data-hygiene audit before connecting
//!
//! - **H1** — QuickBooks Online organisations: the company name should equal
//!   the display name. [`Finding`](crate::audit::Finding)
//! - **H2** — People should have a first name, a last name and a display
//!   name. [`Finding`](crate::audit::Finding)
//! - **H3** — Each contact should have a valid email that no other contact
//!   of the same system uses; a shared email is listed with every holder.
//!   [`Finding`](crate::audit::Finding)
//! - **H4** — Missing name, email, address or phone is listed per record.
//!   [`Finding`](crate::audit::Finding)
//! - **H5** — For each record the audit foretells what the first sync will
//!   make of it (full, partial, no match, unmatchable) and why, before
//!   anything is written. [`audit_against`](crate::audit::audit_against)
//!
//! ## U — lessons from other connectors' users
//!
//! - **U1** — A sync run twice never duplicates: links are looked up before
//!   names and emails, and every create carries an idempotency key, so a
//!   create whose answer was lost is recognised on the next run.
//!   [`sync`](crate::sync), [`ops`](crate::ops)
//! - **U2** — A QuickBooks Online display name is unique across customers,
//!   vendors and employees, has no `:` and a length cap; a pushed contact
//!   gets a deterministic, reported suffix such as "(2)" rather than error
//!   6240. [`sync`](crate::sync)
//! - **U3** — Archived Xero contacts are read, as removals, but never get new
//!   invoices; a merged Xero contact (`MergedToContactID`) hands its link to
//!   the contact it was merged into. [`sync`](crate::sync)
//! - **U4** — Rate limits (Xero 60 calls a minute, 5,000 a day, 5 at once;
//!   QuickBooks Online 500 a minute per company) come back as an adapter
//!   error with a retry time that the plan keeps as "retry at T" — the core
//!   never sleeps — and matching works from one bulk listing, not one call
//!   per contact. [`ops`](crate::ops)
//! - **U5** — A stale version token (QuickBooks Online `SyncToken`, error
//!   5010) means read that record again and plan again, never overwrite
//!   blindly. [`sync`](crate::sync)
//! - **U6** — Invoice and payment dates are checked against lock dates and
//!   closed periods before sending, since a ledger refuses a whole batch
//!   late. [`billing`](crate::billing)
//! - **U7** — A QuickBooks Online customer has a single currency; an invoice
//!   or payment for it in another currency is refused with a clear error.
//!   [`billing`](crate::billing)
//! - **U8** — A record gone from a full ledger listing is reported as
//!   deleted there, never passed over. [`sync`](crate::sync)
//! - **U9** — Every run leaves an audit trail: each operation planned,
//!   applied, failed or skipped, with its reason. [`sync`](crate::sync)

#[cfg(test)]
mod tests {
    /// Every rule ID, family by family in the specification's order.
    const ALL_IDS: &[&str] = &[
        "N1", "N2", "N3", "N4", //
        "M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "M9", "M10", "M11", "M12", //
        "T1", "T2", "T3", "T4", //
        "L1", "L2", "L3", //
        "F1", "F2", "F3", "F4", "F5", "F6", "F7", //
        "P1", "P2", "P3", "P4", //
        "Q1", "Q2", "Q3", "Q4", //
        "I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", //
        "Y1", "Y2", "Y3", "Y4", "Y5", //
        "E1", "E2", "E3", //
        "H1", "H2", "H3", "H4", "H5", //
        "U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9",
    ];

    /// `M12` → `("M", 12)`; `None` for anything that is not a rule ID.
    fn split_id(id: &str) -> Option<(&str, u32)> {
        let digits = id.find(|c: char| c.is_ascii_digit())?;
        let (family, number) = id.split_at(digits);
        let family_ok = !family.is_empty() && family.chars().all(|c| c.is_ascii_uppercase());
        let number = number.parse().ok()?;
        family_ok.then_some((family, number))
    }

    /// The IDs of this module's glossary entries (`//! - **ID** — …`), in
    /// the order they are written.
    fn glossary_ids() -> Vec<&'static str> {
        include_str!("glossary.rs")
            .lines()
            .filter_map(|line| line.strip_prefix("//! - **"))
            .filter_map(|rest| rest.split_once("**"))
            .map(|(id, _)| id)
            .collect()
    }

    /// The IDs the specification defines: list items that start with one.
    fn spec_ids(spec: &str) -> Vec<String> {
        spec.lines()
            .filter_map(|line| line.strip_prefix("- "))
            .filter_map(|rest| rest.split_whitespace().next())
            .filter(|word| split_id(word).is_some())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_rule_has_exactly_one_entry_in_order() {
        assert_eq!(glossary_ids(), ALL_IDS);
    }

    #[test]
    fn id_list_is_grouped_by_family_and_numbered_without_gaps() {
        let mut families: Vec<&str> = Vec::new();
        let mut expected_next = 1;
        for id in ALL_IDS {
            let (family, number) = split_id(id).expect("a rule ID");
            if families.last() != Some(&family) {
                assert!(!families.contains(&family), "family {family} split in two");
                families.push(family);
                expected_next = 1;
            }
            assert_eq!(number, expected_next, "{id} out of order");
            expected_next += 1;
        }
        assert_eq!(ALL_IDS.len(), 68);
    }

    /// When the specification is at hand (the project's shared folder, or
    /// `LEDGERLINK_SPEC`), the glossary lists exactly its IDs. Built
    /// elsewhere, the crate has no specification to compare with, and the
    /// check is skipped.
    #[test]
    fn glossary_matches_the_specification_when_present() {
        let path = std::env::var_os("LEDGERLINK_SPEC").map_or_else(
            || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/SPEC.md"),
            std::path::PathBuf::from,
        );
        let Ok(spec) = std::fs::read_to_string(&path) else {
            return;
        };
        assert_eq!(spec_ids(&spec), ALL_IDS, "{}", path.display());
    }

    #[test]
    fn spec_parser_reads_list_items_only() {
        let sample = "## 2. Things (N)\n\n- N1 First rule.\n  - nested text\n- N2 Second, \
                      see M3.\n- Not a rule\nM4 in prose\n- U10 Ten.\n";
        assert_eq!(spec_ids(sample), ["N1", "N2", "U10"]);
    }
}
