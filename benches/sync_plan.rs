//! Planning benchmarks (issue targets: steady state of 100k linked pairs
//! with 1% changed on each side under 50 ms; a first connection of
//! 100k × 100k within 2× of the matcher on the same data).
//!
//! Groups:
//!
//! - `steady_state/<profile>/{full_listings,change_listings}/<n>`: [`plan`]
//!   for `n` linked pairs where 1% of the local contacts changed their email
//!   and another 1% of the ledger records changed their phone (`2n/100`
//!   updates planned), given either both sides in full or only what their
//!   change feeds report (`change_listings_owned`: the same with the state
//!   handed over, [`plan_owned`], instead of copied);
//! - `first_connection/xpm/<n>`: [`plan`] on a new connection over the
//!   seeded synthetic data of `bulk_match` (`n` local, `n` remote);
//! - `matcher/xpm/<n>`: what the core matcher alone takes on the same data
//!   ([`MatchIndex::new`] + [`MatchIndex::classify_batch`]).
//!
//! Results (plans, match results) are dropped outside the timing in every
//! group.
//!
//! ```text
//! cargo bench --bench sync_plan                           # 10k and 100k
//! cargo bench --bench sync_plan -- steady_state           # one group
//! LEDGERLINK_BENCH_LARGE=1 cargo bench --features parallel --bench sync_plan -- first_connection
//! ```

#![allow(clippy::expect_used, clippy::print_stderr)]

use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ledgerlink::model::{Address, AddressKind, PhoneKind};
use ledgerlink::sync::{ConnectionConfig, Listing, PlanInput, SyncState, plan, plan_owned};
use ledgerlink::{Contact, MatchIndex, Profile};
use ledgerlink_synth as synth;

const SEED: u64 = 0x1ed6_e71a_2026;

/// 10k and 100k; `LEDGERLINK_BENCH_LARGE=1` adds 1,000,000 (a first
/// connection at that size takes seconds a sample and several GiB).
fn sizes() -> Vec<usize> {
    let mut sizes = vec![10_000, 100_000];
    if std::env::var_os("LEDGERLINK_BENCH_LARGE").is_some() {
        sizes.push(1_000_000);
    }
    sizes
}

/// `n` distinct organisations with an email, a phone and an address.
fn book(n: usize, prefix: &str) -> Vec<Contact> {
    (0..n)
        .map(|i| {
            Contact::organization(format!("{prefix}{i:07}"), format!("Company {i} Ltd"))
                .with_email(format!("accounts{i}@company{i}.test"))
                .with_phone(PhoneKind::Primary, format!("+64 4 {i:07}"))
                .with_address(Address {
                    kind: AddressKind::Mailing,
                    lines: vec![format!("PO Box {i}")],
                    city: Some("Wellington".into()),
                    ..Address::default()
                })
        })
        .collect()
}

fn steady_state(c: &mut Criterion) {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
        .single()
        .expect("valid time");
    let mut g = c.benchmark_group("steady_state");
    g.sample_size(20).measurement_time(Duration::from_secs(8));
    for profile in [Profile::XeroGl, Profile::Qbo] {
        for n in sizes() {
            let config = ConnectionConfig::new(profile);
            let mut local = book(n, "L");
            let mut remote = book(n, "R");
            if profile == Profile::Qbo {
                // QBO needs CompanyName = DisplayName for organisations (M5).
                for r in &mut remote {
                    r.organization_name.clone_from(&r.display_name);
                }
            }
            let first = plan(
                &config,
                &SyncState::new(),
                &PlanInput::new(&local, &remote, now),
            )
            .expect("first plan");
            assert!(first.is_empty(), "identical sides need no writes");
            assert_eq!(first.report.counts.linked, n);
            let state = first.next_state;
            for i in (0..n).step_by(100) {
                local[i].emails[0].address = format!("new{i}@company{i}.test");
                remote[(i + 50) % n].phones[0].number = format!("+64 9 {i:07}");
            }
            let input = PlanInput::new(&local, &remote, now);
            let check = plan(&config, &state, &input).expect("plan");
            assert_eq!(check.operations.len(), 2 * n.div_ceil(100));
            g.throughput(Throughput::Elements(n as u64));
            g.bench_with_input(
                BenchmarkId::new(format!("{}/full_listings", profile.as_str()), n),
                &n,
                |b, _| b.iter_with_large_drop(|| plan(&config, &state, &input).expect("plan")),
            );
            // What change feeds report: only the changed records.
            let local_changed: Vec<Contact> = local.iter().step_by(100).cloned().collect();
            let remote_changed: Vec<Contact> = (0..n)
                .step_by(100)
                .map(|i| remote[(i + 50) % n].clone())
                .collect();
            let input = PlanInput::new(&[], &[], now)
                .with_local(Listing::Changes {
                    changed: &local_changed,
                    deleted: &[],
                    cursor: Some("next"),
                })
                .with_remote(Listing::Changes {
                    changed: &remote_changed,
                    deleted: &[],
                    cursor: Some("next"),
                });
            let check2 = plan(&config, &state, &input).expect("plan");
            assert_eq!(check2.operations, check.operations);
            g.bench_with_input(
                BenchmarkId::new(format!("{}/change_listings", profile.as_str()), n),
                &n,
                |b, _| b.iter_with_large_drop(|| plan(&config, &state, &input).expect("plan")),
            );
            // The same, handing the state over: the caller's copy is left
            // out of the timing (with a local change listing, plan_owned
            // keeps one copy itself, for a plan that needs a full listing).
            g.bench_with_input(
                BenchmarkId::new(format!("{}/change_listings_owned", profile.as_str()), n),
                &n,
                |b, _| {
                    b.iter_batched(
                        || state.clone(),
                        |s| plan_owned(&config, s, &input).expect("plan"),
                        BatchSize::LargeInput,
                    );
                },
            );
        }
    }
    g.finish();
}

fn first_connection(c: &mut Criterion) {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
        .single()
        .expect("valid time");
    let mut g = c.benchmark_group("first_connection");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for n in sizes() {
        let (l, r) = synth::generate(n, n, SEED);
        let (local, remote) = (synth::to_contacts(&l), synth::to_contacts(&r));
        let config = ConnectionConfig::new(Profile::Xpm);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("xpm", n), &n, |b, _| {
            b.iter_with_large_drop(|| {
                plan(
                    &config,
                    &SyncState::new(),
                    &PlanInput::new(&local, &remote, now),
                )
                .expect("plan")
            });
        });
    }
    g.finish();
    let mut g = c.benchmark_group("matcher");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for n in sizes() {
        let (l, r) = synth::generate(n, n, SEED);
        let (local, remote) = (synth::to_contacts(&l), synth::to_contacts(&r));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("xpm", n), &n, |b, _| {
            b.iter_with_large_drop(|| {
                let index = MatchIndex::new(Profile::Xpm, &local).expect("index");
                index.classify_batch(&remote).expect("classify")
            });
        });
    }
    g.finish();
}

criterion_group!(benches, steady_state, first_connection);
criterion_main!(benches);
