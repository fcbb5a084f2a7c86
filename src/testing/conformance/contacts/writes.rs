//! Writes: idempotency replay, expected versions, errors mapped.

use super::*;

/// The records of `listing` whose label is `label`.
fn named<'a>(listing: &'a BTreeMap<ContactId, Contact>, label: &str) -> Vec<&'a ContactId> {
    listing
        .values()
        .filter(|c| c.label() == label)
        .map(|c| &c.id)
        .collect()
}

/// **Idempotency keys**: a create sent twice with one key makes one record
/// and answers it both times; the same key with other content answers the
/// first record and makes nothing; a key whose record was deleted since
/// answers the record as it was created, never a second one (when the
/// fixture can delete).
pub async fn idempotency(
    store: &dyn ContactStore,
    fixture: &dyn ContactFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::Idempotency);
    let c = fixture.sample(&settings.run_id, IDEM);
    let other = fixture.sample(&settings.run_id, IDEM + 1);
    let key = settings.key("idem", 1);
    let Some((a, b)) = replayed(
        &mut rec,
        "create",
        store.create(&c, &key).await,
        store.create(&c, &key).await,
    ) else {
        return rec.finish();
    };
    if a.id != b.id {
        rec.fail(
            Failure::new(
                Property::Duplicated,
                "the same key sent twice made two records",
            )
            .with_records([&a.id, &b.id]),
        );
    } else if a.label() != b.label() {
        rec.fail(
            Failure::new(
                Property::DifferentAnswer,
                format!(
                    "the key's second answer reads `{}`, the first `{}`",
                    b.label(),
                    a.label()
                ),
            )
            .with_records([&a.id]),
        );
    }
    match store.create(&other, &key).await {
        Ok(x) if x.id != a.id => rec.fail(
            Failure::new(
                Property::Duplicated,
                "the key sent again with other content made another record",
            )
            .with_records([&a.id, &x.id]),
        ),
        Ok(_) => {}
        Err(e) => rec.fail(Failure::new(
            Property::DifferentAnswer,
            format!("the key sent again with other content was refused: {e}"),
        )),
    }
    match list_all(store).await {
        Ok(all) => {
            let copies = named(&all, &c.label());
            let others = named(&all, &other.label());
            if copies.len() != 1 || !others.is_empty() {
                rec.fail(
                    Failure::new(
                        Property::Duplicated,
                        format!(
                            "after three creates with one key the listing holds {} record(s) named `{}` and {} named `{}`",
                            copies.len(),
                            c.label(),
                            others.len(),
                            other.label()
                        ),
                    )
                    .with_records(copies.into_iter().chain(others)),
                );
            }
        }
        Err(s) => stopped(&mut rec, "the full listing", &s),
    }

    // A key whose record was deleted since.
    let gone = fixture.sample(&settings.run_id, IDEM + 2);
    let key2 = settings.key("idem", 2);
    let created = match store.create(&gone, &key2).await {
        Ok(x) => x,
        Err(e) => {
            rec.fail(Failure::new(Property::CallFailed, format!("create: {e}")));
            return rec.finish();
        }
    };
    match fixture.delete(&created.id).await {
        Ok(()) => {}
        Err(FixtureError::Unsupported) => {
            rec.note("the fixture cannot delete: a key whose record was deleted is not checked");
            return rec.finish();
        }
        Err(e) => {
            setup(&mut rec, "deleting", &e);
            return rec.finish();
        }
    }
    match store.create(&gone, &key2).await {
        Ok(x) if x.id == created.id => {}
        Ok(x) => rec.fail(
            Failure::new(
                Property::Duplicated,
                "a key whose record was deleted since made a second record",
            )
            .with_records([&created.id, &x.id]),
        ),
        Err(e) => rec.fail(
            Failure::new(
                Property::ReplayAfterDelete,
                format!("a key whose record was deleted since was refused: {e}"),
            )
            .with_records([&created.id]),
        ),
    }
    rec.finish()
}

/// **Versions**: where the store checks versions, an update with a stale
/// expected version (the record was edited behind its back) is refused with
/// [`AdapterError::StaleVersion`] and writes nothing, while the current
/// version goes through and moves the version on; where it does not (Xero,
/// XPM), an update without a version goes through. Every answer is the
/// record as stored.
pub async fn versions(
    store: &dyn ContactStore,
    fixture: &dyn ContactFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::Versions);
    let profile = fixture.profile();
    let c = fixture.sample(&settings.run_id, VERSIONS);
    let id = match fixture.insert(c.clone()).await {
        Ok(id) => id,
        Err(e) => {
            setup(&mut rec, "inserting", &e);
            return rec.finish();
        }
    };
    let read = async |rec: &mut Recorder| -> Option<Contact> {
        match list_all(store).await {
            Ok(mut all) => {
                let found = all.remove(&id);
                if found.is_none() {
                    rec.fail(
                        Failure::new(Property::ListingLost, "the record is not in the listing")
                            .with_records([&id]),
                    );
                }
                found
            }
            Err(s) => {
                stopped(rec, "the full listing", &s);
                None
            }
        }
    };
    if !fixture.checks_versions() {
        rec.note("the store checks no versions: updates without one are checked");
        let patch = email_patch(profile, "plain@updated.test");
        match store.update(&id, &patch, None).await {
            Ok(answer) => {
                let Some(now) = read(&mut rec).await else {
                    return rec.finish();
                };
                if now.billing_email() != Some("plain@updated.test") {
                    rec.fail(
                        Failure::new(
                            Property::UnversionedRefused,
                            "an update without a version did not write",
                        )
                        .with_records([&id]),
                    );
                } else if answer.billing_email() != now.billing_email() {
                    rec.fail(
                        Failure::new(
                            Property::AnswerNotStored,
                            "the update's answer is not the record as stored",
                        )
                        .with_records([&id]),
                    );
                }
            }
            Err(e) => rec.fail(
                Failure::new(
                    Property::UnversionedRefused,
                    format!("an update without a version was refused: {e}"),
                )
                .with_records([&id]),
            ),
        }
        return rec.finish();
    }
    let Some(first) = read(&mut rec).await else {
        return rec.finish();
    };
    let Some(v1) = first.extras.version.clone() else {
        rec.fail(
            Failure::new(
                Property::VersionNotAdvanced,
                "the store checks versions but lists the record without one",
            )
            .with_records([&id]),
        );
        return rec.finish();
    };
    let mut edited = with_address(c, "other-user@edited.test");
    edited.id = id.clone();
    if let Err(e) = fixture.edit(edited).await {
        setup(&mut rec, "editing", &e);
        return rec.finish();
    }
    let Some(second) = read(&mut rec).await else {
        return rec.finish();
    };
    let v2 = second.extras.version.clone();
    if v2.as_ref() == Some(&v1) {
        rec.fail(
            Failure::new(
                Property::VersionNotAdvanced,
                "an edit behind the store's back left the version as it was",
            )
            .with_records([&id]),
        );
        return rec.finish();
    }
    let stale = email_patch(profile, "stale@updated.test");
    match store.update(&id, &stale, Some(&v1)).await {
        Err(AdapterError::StaleVersion { .. }) => {}
        Ok(_) => rec.fail(
            Failure::new(
                Property::StaleAccepted,
                "an update with a stale version went through",
            )
            .with_records([&id]),
        ),
        Err(e) => rec.fail(
            Failure::new(
                Property::WrongError,
                format!(
                    "a stale version was answered `{}`, not stale_version: {e}",
                    e.code()
                ),
            )
            .with_records([&id]),
        ),
    }
    let Some(after) = read(&mut rec).await else {
        return rec.finish();
    };
    if after.billing_email() != second.billing_email() || after.extras.version != v2 {
        rec.fail(
            Failure::new(
                Property::StaleWrote,
                "the refused update changed the record",
            )
            .with_records([&id]),
        );
    }
    let fresh = email_patch(profile, "fresh@updated.test");
    match store.update(&id, &fresh, v2.as_ref()).await {
        Ok(answer) => {
            if answer.extras.version == v2 {
                rec.fail(
                    Failure::new(
                        Property::VersionNotAdvanced,
                        "the update's answer carries the old version",
                    )
                    .with_records([&id]),
                );
            }
            if let Some(now) = read(&mut rec).await
                && (now.billing_email() != Some("fresh@updated.test")
                    || now.extras.version != answer.extras.version)
            {
                rec.fail(
                    Failure::new(
                        Property::AnswerNotStored,
                        "the update's answer is not the record as stored",
                    )
                    .with_records([&id]),
                );
            }
        }
        Err(e) => rec.fail(
            Failure::new(
                Property::CallFailed,
                format!("an update with the current version was refused: {e}"),
            )
            .with_records([&id]),
        ),
    }
    rec.finish()
}

/// Whether `got` is what the contract maps `fault` to; `healed` allows a
/// success (an adapter that refreshed its token or retried a read itself).
fn mapped(fault: &Fault, got: &AdapterError) -> bool {
    match (fault, got) {
        (
            Fault::RateLimited { retry_after_secs },
            AdapterError::RateLimited {
                retry_after_secs: s,
            },
        ) => s == retry_after_secs,
        (Fault::Transient | Fault::CrashAfterCreate, AdapterError::Transient { .. })
        | (Fault::AccessTokenExpired, AdapterError::AccessTokenExpired { .. })
        | (Fault::AuthenticationExpired, AdapterError::Authentication { .. })
        | (Fault::StaleVersion, AdapterError::StaleVersion { .. }) => true,
        _ => false,
    }
}

/// **Errors mapped**: faults injected through the fixture come back as the
/// [`AdapterError`] the [contracts](crate::ports#failures-that-are-not-a-ledgers-answer)
/// name — a rate limit with its delay, a refused access token, refused
/// credentials, a failure before any answer, a stale version (stores that
/// check versions) — and a create whose answer was lost, sent again with
/// its key, makes no second record. A success is accepted where an adapter
/// may recover by itself (a refreshed token, a retried read, a wait for the
/// rate limit); refused credentials and stale versions never succeed.
/// Skipped when the fixture cannot inject faults.
pub async fn errors(
    store: &dyn ContactStore,
    fixture: &dyn ContactFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::Errors);
    let profile = fixture.profile();
    let c = fixture.sample(&settings.run_id, ERRORS);
    let id = match fixture.insert(c).await {
        Ok(id) => id,
        Err(e) => {
            setup(&mut rec, "inserting", &e);
            return rec.finish();
        }
    };
    let mut cases = vec![
        (
            Call::List,
            Fault::RateLimited {
                retry_after_secs: 37,
            },
            true,
        ),
        (Call::ListChanges, Fault::Transient, true),
        (Call::Update, Fault::AccessTokenExpired, true),
        (Call::List, Fault::AuthenticationExpired, false),
    ];
    if fixture.checks_versions() {
        cases.push((Call::Update, Fault::StaleVersion, false));
    }
    for (call, fault, healable) in cases {
        // A store that checks versions is sent the current one (QBO
        // refuses an update without its `SyncToken` before sending it):
        // the fault, not a missing version, must be what fails the call.
        let version = if fixture.checks_versions() && call == Call::Update {
            match list_all(store).await {
                Ok(all) => all.get(&id).and_then(|c| c.extras.version.clone()),
                Err(s) => {
                    stopped(&mut rec, "the full listing", &s);
                    return rec.finish();
                }
            }
        } else {
            None
        };
        match fixture.inject(call, fault.clone()).await {
            Ok(()) => {}
            Err(FixtureError::Unsupported) => {
                return rec.skip("the fixture cannot inject faults");
            }
            Err(e) => {
                setup(&mut rec, "injecting a fault", &e);
                continue;
            }
        }
        let patch = email_patch(profile, "fault@updated.test");
        let answer: Result<(), AdapterError> = match call {
            Call::List => store.list(None).await.map(drop),
            Call::ListChanges => store.list_changes(None, None).await.map(drop),
            _ => store.update(&id, &patch, version.as_ref()).await.map(drop),
        };
        match answer {
            Err(AdapterError::Unsupported { .. }) if call == Call::ListChanges => {}
            Ok(()) if healable => {}
            Ok(()) => rec.fail(
                Failure::new(
                    Property::WrongError,
                    format!("{fault:?} on {call:?} was answered with a success"),
                )
                .with_records([&id]),
            ),
            Err(e) if mapped(&fault, &e) => {}
            Err(e) => rec.fail(
                Failure::new(
                    Property::WrongError,
                    format!("{fault:?} on {call:?} was reported as `{}`: {e}", e.code()),
                )
                .with_records([&id]),
            ),
        }
        if let Err(e) = fixture.clear_faults().await {
            setup(&mut rec, "clearing the faults", &e);
        }
    }

    // A create whose answer is lost, then sent again with its key.
    let lost = fixture.sample(&settings.run_id, ERRORS + 1);
    let key = settings.key("errors", 1);
    if let Err(e) = fixture.inject(Call::Create, Fault::CrashAfterCreate).await {
        setup(&mut rec, "injecting a fault", &e);
        return rec.finish();
    }
    match store.create(&lost, &key).await {
        Ok(_) => {}
        Err(e) if mapped(&Fault::CrashAfterCreate, &e) && e.may_have_applied() => {}
        Err(e) => rec.fail(Failure::new(
            Property::WrongError,
            format!(
                "a create whose answer was lost was reported as `{}`: {e}",
                e.code()
            ),
        )),
    }
    if let Err(e) = fixture.clear_faults().await {
        setup(&mut rec, "clearing the faults", &e);
    }
    if let Err(e) = store.create(&lost, &key).await {
        rec.fail(Failure::new(
            Property::CallFailed,
            format!("the create sent again with its key failed: {e}"),
        ));
    }
    match list_all(store).await {
        Ok(all) => {
            let copies = named(&all, &lost.label());
            if copies.len() != 1 {
                rec.fail(
                    Failure::new(
                        Property::Duplicated,
                        format!(
                            "a create whose answer was lost, sent again with its key, left {} record(s)",
                            copies.len()
                        ),
                    )
                    .with_records(copies),
                );
            }
        }
        Err(s) => stopped(&mut rec, "the full listing", &s),
    }
    rec.finish()
}
