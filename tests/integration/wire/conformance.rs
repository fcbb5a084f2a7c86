//! Conformance: every real public payload in the shared fixtures folder
//! (recorded sandbox traffic and the providers' own examples) decodes
//! through `wire::decode_any`.
//!
//! Runs when `LEDGERLINK_WIRE_FIXTURES` names that folder (`.ci/run` sets
//! it to `../shared/wire/fixtures`); without it the test says so and
//! passes. Run it with `-- --nocapture` to see the files it read.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ledgerlink::wire::{Payload, decode_any};

use crate::support::fixtures::{files_below, is_payload, shared_dir_from_env};

#[test]
fn every_shared_fixture_decodes() {
    let Some(dir) = shared_dir_from_env() else {
        eprintln!("skipped: LEDGERLINK_WIRE_FIXTURES is not set");
        return;
    };
    let mut paths = files_below(&dir)
        .unwrap_or_else(|e| panic!("LEDGERLINK_WIRE_FIXTURES={}: {e}", dir.display()));
    paths.retain(|p| is_payload(p));
    assert!(!paths.is_empty(), "no payloads under {}", dir.display());
    let mut failures = Vec::new();
    for path in &paths {
        let name = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .display()
            .to_string();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("{name}: unreadable: {e}"));
                continue;
            }
        };
        match decode_any(&bytes) {
            Ok((provider, payload)) => {
                println!("read {name}: {provider}, {}", payload.summary());
                let is_error = matches!(payload, Payload::Error { .. });
                let named_error = name.contains("error") || name.contains("400");
                if is_error != named_error {
                    failures.push(format!(
                        "{name}: decoded as {} but the file name says otherwise",
                        payload.summary()
                    ));
                }
                if !is_error && payload.summary().starts_with("0 ") {
                    failures.push(format!("{name}: decoded no records"));
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    println!("{} payloads read from {}", paths.len(), dir.display());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
