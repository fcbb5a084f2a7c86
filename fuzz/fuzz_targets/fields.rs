//! `write_field` then `read_field` round trips for every synced field of
//! every profile: a value read from one contact (or `None`, the field
//! absent) written into another contact reads back unchanged (known
//! defect 5), and writing what a contact already holds changes nothing a
//! reader sees.
#![no_main]

use arbitrary::Arbitrary;
use ledgerlink::sync::{SyncField, read_field, write_field};
use ledgerlink_fuzz::{ContactSpec, PROFILES, check_known};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    profile: u8,
    source: ContactSpec,
    target: ContactSpec,
    source_remote: bool,
    target_remote: bool,
}

fuzz_target!(|input: Input| {
    let profile = PROFILES[usize::from(input.profile) % 3];
    let source = input.source.build("S1", profile, input.source_remote);
    let target = input.target.build("T1", profile, input.target_remote);
    for &field in SyncField::synced_by(profile) {
        let value = read_field(profile, &source, field);
        let mut written = target.clone();
        write_field(profile, &mut written, field, value.as_ref());
        let back = read_field(profile, &written, field);
        check_known!(
            5,
            back == value,
            "{profile:?} {field}: wrote {value:?}, read {back:?}\nsource {source:#?}\ntarget {target:#?}\nwritten {written:#?}"
        );
        // Writing what is there already: every field reads as before.
        let own = read_field(profile, &target, field);
        let mut same = target.clone();
        write_field(profile, &mut same, field, own.as_ref());
        for &other in SyncField::synced_by(profile) {
            let (before, after) = (read_field(profile, &target, other), read_field(profile, &same, other));
            check_known!(5, before == after, "{profile:?}: rewriting {field} changed {other}: {before:?} -> {after:?}\n{target:#?}");
        }
    }
});
