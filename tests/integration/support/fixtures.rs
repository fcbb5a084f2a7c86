//! Payload files: the crate's own (`tests/fixtures/<provider>/…`, written
//! in each provider's documented shapes) and the shared real payloads
//! (recorded sandbox traffic and the providers' examples), read where they
//! are and never copied into the crate.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};

/// The crate's own fixtures folder, `tests/fixtures`.
pub fn own_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// One of the crate's own fixtures: `fixture("qbo/payment.json")`.
pub fn fixture(rel: &str) -> Vec<u8> {
    let path = own_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file of the crate's own fixtures for `provider` (`"qbo"`,
/// `"qbtime"`, `"xero"`, `"xpm"`) as (file name, bytes), sorted by name.
pub fn own_fixtures(provider: &str) -> Vec<(String, Vec<u8>)> {
    let dir = own_dir().join(provider);
    let files = payload_files(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

/// The folder named by `LEDGERLINK_WIRE_FIXTURES`, if it is set (`.ci/run`
/// sets it; the conformance test runs only then).
pub fn shared_dir_from_env() -> Option<PathBuf> {
    std::env::var_os("LEDGERLINK_WIRE_FIXTURES").map(PathBuf::from)
}

/// The shared real payloads: `LEDGERLINK_WIRE_FIXTURES`, else the project's
/// shared folder beside the checkout (`../shared/wire/fixtures`).
pub fn shared_dir() -> PathBuf {
    shared_dir_from_env()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/wire/fixtures"))
}

/// Every shared payload of `provider` (`.json` and `.xml` files) as (file
/// name, bytes), sorted by name; `None`, with a message, when the folder
/// is not there.
pub fn shared_fixtures(provider: &str) -> Option<Vec<(String, Vec<u8>)>> {
    let dir = shared_dir().join(provider);
    match payload_files(&dir) {
        Ok(files) => Some(files),
        Err(e) => {
            eprintln!(
                "skipping the shared {provider} payloads: {} ({e})",
                dir.display()
            );
            None
        }
    }
}

/// One shared payload, `shared_fixture("qbo/qbo-customers-query.json")`;
/// `None`, with a message, when it is not there.
pub fn shared_fixture(rel: &str) -> Option<Vec<u8>> {
    let path = shared_dir().join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!("skipping: {} not readable ({e})", path.display());
            None
        }
    }
}

/// Every file below `dir`, in sub-folders too, sorted by path.
pub fn files_below(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, out)?;
            } else {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Whether `path` is a payload file (`.json` or `.xml`).
pub fn is_payload(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json" || e == "xml")
}

/// The payload files directly in `dir` as (file name, bytes), sorted.
fn payload_files(dir: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && is_payload(&path) {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((name, std::fs::read(&path)?));
        }
    }
    out.sort();
    Ok(out)
}
