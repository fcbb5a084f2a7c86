//! Full and change listings over many pages, with writes in between.

use super::*;

/// **Full listings** over many pages with writes between the pages: every
/// record present throughout the listing is listed (repeats allowed: a
/// stable order), archived records are listed as archived, and the listing
/// ends.
///
/// The check makes `2 × page size + 2` records and archives two, then
/// reads the listing page by page; after each page it writes through the
/// fixture — a new record, an edit, an archive, a deletion of a record
/// already listed (when the fixture can delete) — as other users would
/// while a run reads. An edit that moves a record to the end of a listing
/// ordered by modification time, or a deletion that shifts an offset-paged
/// listing, makes a record disappear: [`Property::ListingLost`].
pub async fn full_listing(
    store: &dyn ContactStore,
    fixture: &dyn ContactFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::FullListing);
    let size = fixture.page_size().clamp(1, MAX_PAGE);
    let count = 2 * size + 2;
    let known = match insert_many(fixture, settings, FULL, count).await {
        Ok(k) => k,
        Err(e) => {
            setup(&mut rec, "inserting the records", &e);
            return rec.finish();
        }
    };
    let archived: Vec<ContactId> = [0, count / 2]
        .iter()
        .filter_map(|&i| known.get(i).map(|c| c.id.clone()))
        .collect();
    for id in &archived {
        if let Err(e) = fixture.archive(id).await {
            setup(&mut rec, "archiving", &e);
            return rec.finish();
        }
    }
    let mut listed: BTreeMap<ContactId, Contact> = BTreeMap::new();
    let mut listed_order: Vec<ContactId> = Vec::new();
    let mut deleted: BTreeSet<ContactId> = BTreeSet::new();
    let mut problems: Vec<(String, FixtureError)> = Vec::new();
    let mut can_delete = true;
    let mut next_n = FULL + u32::try_from(count).unwrap_or(u32::MAX / 2);
    let ids: Vec<ContactId> = known.iter().map(|c| c.id.clone()).collect();
    let mut archived_during: BTreeSet<ContactId> = BTreeSet::new();
    let mut bound = Pages::new(PAGE_BOUND);
    let mut token: Option<String> = None;
    let result: Result<usize, Stopped> = loop {
        let page = match store.list(token.as_deref()).await {
            Ok(p) => p,
            Err(e) => break Err(Stopped::Failed(e)),
        };
        for c in page.contacts {
            listed_order.push(c.id.clone());
            listed.insert(c.id.clone(), c);
        }
        token = match bound.next(page.next_page) {
            Ok(Some(t)) => Some(t),
            Ok(None) => break Ok(bound.answered()),
            Err(e) => break Err(Stopped::Endless(e.to_string())),
        };
        let page = bound.answered();
        // A new record.
        let c = fixture.sample(&settings.run_id, next_n);
        next_n += 1;
        if let Err(e) = fixture.insert(c).await {
            problems.push(("inserting during the listing".into(), e));
        }
        // An edit of a record not listed yet (the last ones).
        if let Some(c) = known
            .get(count.saturating_sub(page + 1))
            .filter(|c| !deleted.contains(&c.id) && !archived_during.contains(&c.id))
            .filter(|c| !archived.contains(&c.id))
        {
            let edited = with_address(c.clone(), &format!("p{page}@edited.test"));
            if let Err(e) = fixture.edit(edited).await {
                problems.push(("editing during the listing".into(), e));
            }
        }
        // An archive of one in the middle.
        if let Some(id) = ids.get(count / 2 + page) {
            match fixture.archive(id).await {
                Ok(()) => {
                    archived_during.insert(id.clone());
                }
                Err(e) => problems.push(("archiving during the listing".into(), e)),
            }
        }
        // A deletion of a record listed already.
        if can_delete {
            let target = listed_order
                .iter()
                .find(|id| ids.contains(id) && !deleted.contains(*id) && !archived.contains(id))
                .cloned();
            if let Some(id) = target {
                match fixture.delete(&id).await {
                    Ok(()) => {
                        deleted.insert(id);
                    }
                    Err(FixtureError::Unsupported) => can_delete = false,
                    Err(e) => problems.push(("deleting during the listing".into(), e)),
                }
            }
        }
    };
    for (what, e) in &problems {
        setup(&mut rec, what, e);
    }
    if !can_delete {
        rec.note("the fixture cannot delete: no deletion during the listing");
    }
    match result {
        Err(s) => stopped(&mut rec, "the full listing", &s),
        Ok(n) if n < 2 => rec.note(format!(
            "the listing took {n} page(s): no write between pages"
        )),
        Ok(_) => {}
    }
    if rec.failed() {
        return rec.finish();
    }
    let lost: Vec<&ContactId> = ids
        .iter()
        .filter(|id| !deleted.contains(*id) && !listed.contains_key(*id))
        .collect();
    if !lost.is_empty() {
        rec.fail(
            Failure::new(
                Property::ListingLost,
                format!(
                    "{} record(s) present throughout the listing are missing from it",
                    lost.len()
                ),
            )
            .with_records(lost),
        );
    }
    let hidden: Vec<&ContactId> = archived
        .iter()
        .filter(|id| {
            listed
                .get(*id)
                .is_none_or(|c| c.status != ContactStatus::Archived)
        })
        .collect();
    if !hidden.is_empty() {
        rec.fail(
            Failure::new(
                Property::ArchivedMissing,
                "archived records are missing from the full listing or listed as active",
            )
            .with_records(hidden),
        );
    }
    rec.finish()
}

/// One change listing, its pages read to the end.
#[derive(Debug, Default)]
struct ChangeListing {
    changed: BTreeMap<ContactId, Contact>,
    deleted: BTreeSet<ContactId>,
    cursor: Option<String>,
    pages: usize,
}

/// Reads the change listing from `cursor`, calling `during` once after
/// its first page when more follow.
async fn read_changes(
    store: &dyn ContactStore,
    cursor: Option<&str>,
    during: impl AsyncFnOnce(),
) -> Result<ChangeListing, Stopped> {
    let mut out = ChangeListing::default();
    let mut during = Some(during);
    {
        let out = &mut out;
        let n = pages(
            async |token| {
                let p = store.list_changes(cursor, token).await?;
                for c in p.changed {
                    out.changed.insert(c.id.clone(), c);
                }
                out.deleted.extend(p.deleted);
                out.cursor = p.cursor;
                Ok(p.next_page)
            },
            async |_| {
                if let Some(f) = during.take() {
                    f().await;
                }
            },
        )
        .await?;
        out.pages = n;
    }
    Ok(out)
}

/// **Change listings**: from no cursor, everything and a cursor handed
/// back; from that cursor, every change made before the listing began
/// (edits, new records, archives, deletions) is in it, and every change
/// made while its pages were read is in it or in the next listing.
///
/// Before the second listing the check moves the store's clock on by an
/// hour (when the fixture can): time passes on the ledger between runs. A
/// cursor that is the end of the listing rather than its beginning, or a
/// time read from the client's clock rather than the store's position,
/// loses the changes made in between: [`Property::ChangeLost`]. A store
/// answering [`AdapterError::Unsupported`] has no change feed: the check
/// is skipped. A store answering it from a cursor only (more changes than
/// one answer holds: QBO's change data capture) takes the contract's way
/// out: the listing from no cursor is read instead, as a full listing (a
/// deleted record must be absent from it).
pub async fn change_listing(
    store: &dyn ContactStore,
    fixture: &dyn ContactFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::ChangeListing);
    let size = fixture.page_size().clamp(1, MAX_PAGE);
    let count = size + 8;
    let known = match insert_many(fixture, settings, CHANGES, count).await {
        Ok(k) => k,
        Err(e) => {
            setup(&mut rec, "inserting the records", &e);
            return rec.finish();
        }
    };
    let ids: Vec<ContactId> = known.iter().map(|c| c.id.clone()).collect();
    let first = match read_changes(store, None, async || {}).await {
        Ok(l) => l,
        Err(Stopped::Failed(AdapterError::Unsupported { .. })) => {
            return rec.skip("the store has no change feed (it answered Unsupported)");
        }
        Err(s) => {
            stopped(&mut rec, "the change listing from no cursor", &s);
            return rec.finish();
        }
    };
    let missing: Vec<&ContactId> = ids
        .iter()
        .filter(|id| !first.changed.contains_key(*id))
        .collect();
    if !missing.is_empty() {
        rec.fail(
            Failure::new(
                Property::ChangeLost,
                "the change listing from no cursor misses records",
            )
            .with_records(missing),
        );
    }
    let Some(cursor1) = first.cursor else {
        rec.fail(Failure::new(
            Property::NoCursor,
            "the change listing from no cursor handed back no cursor",
        ));
        return rec.finish();
    };
    match fixture.advance_clock(3600).await {
        Ok(()) => {}
        Err(FixtureError::Unsupported) => rec.note("the fixture cannot move the store's clock"),
        Err(e) => setup(&mut rec, "moving the clock", &e),
    }

    // Before the second listing: more edits than a page holds, an archive,
    // a deletion, a new record.
    let mut before: BTreeSet<ContactId> = BTreeSet::new();
    let mut deleted_before: BTreeSet<ContactId> = BTreeSet::new();
    let mut can_delete = true;
    for c in known.iter().take(size + 1) {
        let edited = with_address(c.clone(), &format!("b{}@edited.test", before.len()));
        if let Err(e) = fixture.edit(edited).await {
            setup(&mut rec, "editing", &e);
            return rec.finish();
        }
        before.insert(c.id.clone());
    }
    let (archive_id, delete_id, edit_during, delete_during) = (
        ids.get(size + 1),
        ids.get(size + 2),
        ids.get(size + 3),
        ids.get(size + 4),
    );
    if let Some(id) = archive_id {
        if let Err(e) = fixture.archive(id).await {
            setup(&mut rec, "archiving", &e);
        }
        before.insert(id.clone());
    }
    if let Some(id) = delete_id {
        match fixture.delete(id).await {
            Ok(()) => {
                deleted_before.insert(id.clone());
            }
            Err(FixtureError::Unsupported) => can_delete = false,
            Err(e) => setup(&mut rec, "deleting", &e),
        }
    }
    let mut new_before = fixture.sample(&settings.run_id, CHANGES + 900);
    match fixture.insert(new_before.clone()).await {
        Ok(id) => {
            new_before.id = id.clone();
            before.insert(id);
        }
        Err(e) => setup(&mut rec, "inserting", &e),
    }
    if rec.failed() {
        return rec.finish();
    }

    // While its pages are read: an edit of a record listed on the first
    // page already, an edit of one not listed yet, a deletion, a new record.
    let mut during: BTreeSet<ContactId> = BTreeSet::new();
    let mut deleted_during: BTreeSet<ContactId> = BTreeSet::new();
    let mut problems: Vec<(String, FixtureError)> = Vec::new();
    let mut from_scratch = false;
    let second = {
        let (during, deleted_during, problems) = (&mut during, &mut deleted_during, &mut problems);
        let can_delete = &mut can_delete;
        let known = &known;
        let mut writes = async || {
            let targets = [
                known.first(),
                edit_during.and_then(|id| known.iter().find(|c| &c.id == id)),
            ];
            for c in targets.into_iter().flatten() {
                let edited = with_address(c.clone(), "during@edited.test");
                match fixture.edit(edited).await {
                    Ok(()) => {
                        during.insert(c.id.clone());
                    }
                    Err(e) => problems.push(("editing during the listing".into(), e)),
                }
            }
            if let (Some(id), true) = (delete_during, *can_delete) {
                match fixture.delete(id).await {
                    Ok(()) => {
                        deleted_during.insert(id.clone());
                    }
                    Err(FixtureError::Unsupported) => *can_delete = false,
                    Err(e) => problems.push(("deleting during the listing".into(), e)),
                }
            }
            match fixture
                .insert(fixture.sample(&settings.run_id, CHANGES + 901))
                .await
            {
                Ok(id) => {
                    during.insert(id);
                }
                Err(e) => problems.push(("inserting during the listing".into(), e)),
            }
        };
        match read_changes(store, Some(&cursor1), &mut writes).await {
            // The contract's way out for a feed that cannot answer from
            // this cursor (more changes than one answer holds, a cursor
            // older than the feed keeps): the caller lists from no cursor
            // and plans that as a full listing, as the driver does.
            Err(Stopped::Failed(AdapterError::Unsupported { .. })) => {
                from_scratch = true;
                read_changes(store, None, &mut writes).await
            }
            other => other,
        }
    };
    if from_scratch {
        rec.note(
            "the listing from the cursor answered Unsupported: the listing from no cursor was read instead, as a full listing (deletions: absent from it)",
        );
    }
    for (what, e) in &problems {
        setup(&mut rec, what, e);
    }
    if !can_delete {
        rec.note("the fixture cannot delete: deletions not checked");
    }
    let second = match second {
        Ok(l) => l,
        Err(s) => {
            stopped(&mut rec, "the change listing from the cursor", &s);
            return rec.finish();
        }
    };
    if second.pages < 2 {
        rec.note("the second change listing took one page: no write during its paging");
    }
    let lost: Vec<&ContactId> = before
        .iter()
        .filter(|id| !second.changed.contains_key(*id))
        .collect();
    if !lost.is_empty() {
        rec.fail(
            Failure::new(
                Property::ChangeLost,
                format!(
                    "{} change(s) made after the cursor, before the listing began, are not in it",
                    lost.len()
                ),
            )
            .with_records(lost),
        );
    }
    let unreported: Vec<&ContactId> = deleted_before
        .iter()
        .filter(|id| {
            if from_scratch {
                second.changed.contains_key(*id)
            } else {
                !second.deleted.contains(*id)
            }
        })
        .collect();
    if !unreported.is_empty() {
        rec.fail(
            Failure::new(
                Property::DeletionLost,
                "deletions made after the cursor are not reported by the listing from it",
            )
            .with_records(unreported),
        );
    }
    let Some(cursor2) = second.cursor.clone() else {
        rec.fail(Failure::new(
            Property::NoCursor,
            "the change listing from a cursor handed back no cursor",
        ));
        return rec.finish();
    };
    let mut third_from_scratch = false;
    let third = match read_changes(store, Some(&cursor2), async || {}).await {
        Err(Stopped::Failed(AdapterError::Unsupported { .. })) => {
            third_from_scratch = true;
            read_changes(store, None, async || {}).await
        }
        other => other,
    };
    let third = match third {
        Ok(l) => l,
        Err(s) => {
            stopped(&mut rec, "the change listing from the second cursor", &s);
            return rec.finish();
        }
    };
    let lost: Vec<&ContactId> = during
        .iter()
        .filter(|id| !second.changed.contains_key(*id) && !third.changed.contains_key(*id))
        .collect();
    if !lost.is_empty() {
        rec.fail(
            Failure::new(
                Property::ChangeLost,
                "changes made while the listing was paged are in neither that listing nor the next",
            )
            .with_records(lost),
        );
    }
    let unreported: Vec<&ContactId> = deleted_during
        .iter()
        .filter(|id| {
            let in_third = if third_from_scratch {
                !third.changed.contains_key(*id)
            } else {
                third.deleted.contains(*id)
            };
            !second.deleted.contains(*id) && !in_third
        })
        .collect();
    if !unreported.is_empty() {
        rec.fail(
            Failure::new(
                Property::DeletionLost,
                "deletions made while the listing was paged are reported by neither that listing nor the next",
            )
            .with_records(unreported),
        );
    }
    rec.finish()
}
