//! A `SyncState` read from any bytes (serde_json), then `sync::plan` and
//! `apply_results` over a small fixed listing: a corrupt state is a typed
//! error or a plan, never a panic or an integer wrap. The first byte picks
//! the mode: raw JSON, or a real state (a create in flight) whose `run`
//! and attempt counters are set from the input (known defect 3: counters
//! at `u64::MAX` / `u32::MAX` overflow). Built with overflow checks on.
#![no_main]

use ledgerlink::ports::AdapterError;
use ledgerlink::sync::{
    Action, ConnectionConfig, OpResult, PlanInput, SyncState, apply_results, plan,
};
use ledgerlink::{Contact, Profile};
use ledgerlink_fuzz::{PROFILES, ignored, t0};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn listings() -> (Vec<Contact>, Vec<Contact>) {
    (
        vec![
            Contact::organization("K0", "Acme Ltd").with_email("ap@acme.test"),
            Contact::person("K1", "Jane", "Smith").with_contact_type("Client"),
        ],
        vec![
            Contact::named("R0", "ACME LTD").with_email("ap@acme.test"),
            Contact::named("R1", "Beta Holdings"),
        ],
    )
}

/// Plans with `state`, feeds every operation back (applied, or a timeout
/// that may have applied), and plans again.
fn drive(profile: Profile, mut state: SyncState, fail: bool) {
    let config = ConnectionConfig::new(profile).with_push_contact_type("Client");
    let (locals, remotes) = listings();
    for round in 0..2 {
        let now = t0() + chrono::Duration::minutes(round);
        let Ok(p) = plan(&config, &state, &PlanInput::new(&locals, &remotes, now)) else {
            return;
        };
        let results: Vec<OpResult> = p
            .operations
            .iter()
            .enumerate()
            .map(|(i, op)| {
                if fail {
                    return OpResult::failed(
                        op.id.clone(),
                        AdapterError::Transient { message: "timeout".into() },
                    );
                }
                let rec = match &op.action {
                    Action::Create { contact, .. } => {
                        let mut c = (**contact).clone();
                        c.id = format!("N{i}").into();
                        c
                    }
                    Action::Update { target_id, patch, .. } => {
                        let mut c = locals
                            .iter()
                            .chain(&remotes)
                            .find(|c| &c.id == target_id)
                            .cloned()
                            .unwrap_or_else(|| Contact::named(target_id.clone(), "X"));
                        patch.apply_to(&mut c);
                        c
                    }
                };
                OpResult::applied(op.id.clone(), rec)
            })
            .collect();
        state = p.next_state.clone();
        let _ = apply_results(&mut state, &p, &results, now);
    }
}

fn too_big(v: &Value) -> bool {
    let run = v.get("run").and_then(Value::as_u64).unwrap_or(0);
    let attempts = v
        .get("in_flight_attempts")
        .and_then(Value::as_object)
        .is_some_and(|m| m.values().any(|a| a.as_u64().unwrap_or(0) > u64::from(u32::MAX / 2)));
    run > u64::MAX / 2 || attempts
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let profile = PROFILES[usize::from(mode >> 1) % 3];
    let fail = mode & 0x40 != 0;
    if mode & 1 == 0 {
        // Raw JSON.
        let Ok(v) = serde_json::from_slice::<Value>(rest) else {
            return;
        };
        if ignored(3) && too_big(&v) {
            return;
        }
        if let Ok(state) = serde_json::from_value::<SyncState>(v) {
            drive(profile, state, fail);
        }
        return;
    }
    // A real state with a create in flight, counters from the input.
    let mut word = [0u8; 12];
    for (w, b) in word.iter_mut().zip(rest) {
        *w = *b;
    }
    let mut run = u64::from_le_bytes(word[..8].try_into().unwrap());
    let mut attempts = u32::from_le_bytes(word[8..].try_into().unwrap());
    if ignored(3) {
        run = run.min(u64::MAX / 2);
        attempts = attempts.min(u32::MAX / 2);
    }
    let config = ConnectionConfig::new(profile);
    let (locals, remotes) = listings();
    let Ok(p) = plan(&config, &SyncState::new(), &PlanInput::new(&locals[..1], &remotes, t0())) else {
        return;
    };
    let mut v = serde_json::to_value(&p.next_state).expect("state serialises");
    v["run"] = Value::from(run);
    let ids: Vec<String> = p.operations.iter().filter(|o| o.is_create()).map(|o| o.id.to_string()).collect();
    let map: serde_json::Map<String, Value> = ids.into_iter().map(|id| (id, Value::from(attempts))).collect();
    v["in_flight_attempts"] = Value::Object(map);
    let state: SyncState = serde_json::from_value(v).expect("a state with other counters reads");
    drive(profile, state, fail);
});
