//! Conformance: every real public payload in the shared fixtures folder
//! (recorded sandbox traffic and the providers' own examples) decodes
//! through `wire::decode_any`.
//!
//! Runs when `LEDGERLINK_WIRE_FIXTURES` names that folder (`.ci/run` sets
//! it to `../shared/wire/fixtures`); without it the test says so and
//! passes. Run it with `-- --nocapture` to see the files it read.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use ledgerlink::wire::{Payload, decode_any};

fn files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json" || e == "xml") {
            out.push(path);
        }
    }
    Ok(())
}

#[test]
fn every_shared_fixture_decodes() {
    let Some(dir) = std::env::var_os("LEDGERLINK_WIRE_FIXTURES") else {
        eprintln!("skipped: LEDGERLINK_WIRE_FIXTURES is not set");
        return;
    };
    let dir = PathBuf::from(dir);
    let mut paths = Vec::new();
    if let Err(e) = files(&dir, &mut paths) {
        panic!("LEDGERLINK_WIRE_FIXTURES={}: {e}", dir.display());
    }
    paths.sort();
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
