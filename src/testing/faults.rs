//! Fault injection: rate limits, outages, expired credentials, stale
//! versions and creates whose result is lost.

use std::collections::VecDeque;

use crate::model::ContactId;
use crate::ports::AdapterError;

/// The message of the error a [`Fault::CrashAfterCreate`] returns.
pub const CRASH_AFTER_CREATE_MESSAGE: &str = "connection lost after the request was sent";

/// A failure to inject into the next matching call of a
/// [`MemoryStore`](super::MemoryStore).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The call is refused with [`AdapterError::RateLimited`] and has no
    /// effect (HTTP 429, U4).
    RateLimited {
        /// The delay the error asks for, in seconds.
        retry_after_secs: u64,
    },
    /// The call fails with [`AdapterError::Transient`] before it reaches the
    /// ledger: it has no effect (a connection refused, a 503).
    Transient,
    /// The credentials expire: the call fails with
    /// [`AdapterError::Authentication`], and so does every following call
    /// until [`MemoryStore::renew_credentials`](super::MemoryStore::renew_credentials)
    /// is called, like a real expired token (E3).
    AuthenticationExpired,
    /// The ledger refuses the access token once (HTTP 401): the call fails
    /// with [`AdapterError::AccessTokenExpired`], as from an adapter that
    /// did not refresh; the next call succeeds (the token was refreshed).
    AccessTokenExpired,
    /// Someone else wrote the record between the caller's read and its
    /// write: the update fails with [`AdapterError::StaleVersion`]
    /// and the record's version moves on (its content is unchanged), so that
    /// retrying with the old version fails again until the record is re-read
    /// (U5). Fires on updates only.
    StaleVersion,
    /// The create is performed (and its idempotency key remembered), then the
    /// result is lost: the call returns [`AdapterError::Transient`] with
    /// [`CRASH_AFTER_CREATE_MESSAGE`]. Models a crash or timeout between a
    /// remote create and its response (U1). Fires on creates only.
    CrashAfterCreate,
}

impl Fault {
    /// Whether the fault can fire on a call of kind `call`.
    #[must_use]
    pub const fn applies_to(&self, call: Call) -> bool {
        match self {
            Self::StaleVersion => matches!(call, Call::Update | Call::Any),
            Self::CrashAfterCreate => matches!(call, Call::Create | Call::Any),
            Self::RateLimited { .. }
            | Self::Transient
            | Self::AuthenticationExpired
            | Self::AccessTokenExpired => true,
        }
    }

    /// The error the failed call returns; `id` is the record an update was
    /// about.
    pub(super) fn error(&self, id: Option<&ContactId>) -> AdapterError {
        match self {
            Self::RateLimited { retry_after_secs } => AdapterError::RateLimited {
                retry_after_secs: *retry_after_secs,
            },
            Self::Transient => AdapterError::Transient {
                message: "connection refused before the request was sent".into(),
            },
            Self::AuthenticationExpired => expired(),
            Self::AccessTokenExpired => AdapterError::AccessTokenExpired {
                message: "TokenExpired: the access token expired".into(),
            },
            Self::StaleVersion => AdapterError::StaleVersion {
                id: id.cloned().unwrap_or_default(),
            },
            Self::CrashAfterCreate => AdapterError::Transient {
                message: CRASH_AFTER_CREATE_MESSAGE.into(),
            },
        }
    }
}

fn expired() -> AdapterError {
    AdapterError::Authentication {
        message: "the access token has expired".into(),
    }
}

/// The calls of [`ContactStore`](crate::ports::ContactStore), to aim a fault
/// at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Call {
    /// [`ContactStore::list`](crate::ports::ContactStore::list).
    List,
    /// [`ContactStore::list_changes`](crate::ports::ContactStore::list_changes).
    ListChanges,
    /// [`ContactStore::create`](crate::ports::ContactStore::create).
    Create,
    /// [`ContactStore::update`](crate::ports::ContactStore::update).
    Update,
    /// Whichever call comes first (to which the fault applies).
    Any,
}

impl Call {
    fn matches(self, actual: Self) -> bool {
        self == Self::Any || self == actual
    }
}

/// How many calls a [`MemoryStore`](super::MemoryStore) received, failed
/// ones included. Direct manipulation (`insert`, `edit`, …) is not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallCounts {
    /// Calls to `list` (one per page).
    pub list: usize,
    /// Calls to `list_changes` (one per page).
    pub list_changes: usize,
    /// Calls to `create`.
    pub create: usize,
    /// Calls to `update`.
    pub update: usize,
}

impl CallCounts {
    /// Every call.
    #[must_use]
    pub const fn total(&self) -> usize {
        self.list + self.list_changes + self.create + self.update
    }

    /// The writes: creates and updates.
    #[must_use]
    pub const fn writes(&self) -> usize {
        self.create + self.update
    }

    pub(super) const fn count(&mut self, call: Call) {
        match call {
            Call::List => self.list += 1,
            Call::ListChanges => self.list_changes += 1,
            Call::Create => self.create += 1,
            Call::Update => self.update += 1,
            Call::Any => {}
        }
    }
}

/// A fault that fires on every `every`-th matching call.
#[derive(Debug, Clone)]
struct Periodic {
    call: Call,
    every: u32,
    seen: u32,
    fault: Fault,
}

/// The faults waiting to fire, and the credentials' state.
#[derive(Debug, Default)]
pub(super) struct Faults {
    queue: VecDeque<(Call, Fault)>,
    periodic: Vec<Periodic>,
    expired: bool,
    fired: usize,
}

impl Faults {
    pub(super) fn push(&mut self, call: Call, fault: Fault) {
        self.queue.push_back((call, fault));
    }

    pub(super) fn push_periodic(&mut self, call: Call, every: u32, fault: Fault) {
        if every > 0 {
            self.periodic.push(Periodic {
                call,
                every,
                seen: 0,
                fault,
            });
        }
    }

    pub(super) fn clear(&mut self) {
        self.queue.clear();
        self.periodic.clear();
    }

    pub(super) fn pending(&self) -> usize {
        self.queue.len()
    }

    pub(super) const fn fired(&self) -> usize {
        self.fired
    }

    pub(super) const fn expired(&self) -> bool {
        self.expired
    }

    pub(super) const fn expire(&mut self) {
        self.expired = true;
    }

    pub(super) const fn renew(&mut self) {
        self.expired = false;
    }

    /// Decides the fate of a call of kind `call`: `Err` when the
    /// credentials are (or just became) expired, `Ok(Some(fault))` when a
    /// fault fires, `Ok(None)` when the call goes through.
    pub(super) fn begin(&mut self, call: Call) -> Result<Option<Fault>, AdapterError> {
        if self.expired {
            return Err(expired());
        }
        let queued = self
            .queue
            .iter()
            .position(|(c, f)| c.matches(call) && f.applies_to(call))
            .and_then(|i| self.queue.remove(i))
            .map(|(_, f)| f);
        let mut periodic = None;
        for p in &mut self.periodic {
            if p.call.matches(call) && p.fault.applies_to(call) {
                p.seen = p.seen.wrapping_add(1);
                if p.seen % p.every == 0 && periodic.is_none() {
                    periodic = Some(p.fault.clone());
                }
            }
        }
        let Some(fault) = queued.or(periodic) else {
            return Ok(None);
        };
        self.fired += 1;
        if fault == Fault::AuthenticationExpired {
            self.expired = true;
            return Err(expired());
        }
        Ok(Some(fault))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_faults_fire_in_order_on_matching_calls() {
        let mut f = Faults::default();
        f.push(Call::Update, Fault::StaleVersion);
        f.push(Call::Any, Fault::Transient);
        f.push(
            Call::Update,
            Fault::RateLimited {
                retry_after_secs: 5,
            },
        );
        // A list skips the stale-version fault, which does not apply to it.
        assert_eq!(f.begin(Call::List), Ok(Some(Fault::Transient)));
        assert_eq!(f.begin(Call::Update), Ok(Some(Fault::StaleVersion)));
        assert_eq!(f.begin(Call::Create), Ok(None));
        assert_eq!(
            f.begin(Call::Update),
            Ok(Some(Fault::RateLimited {
                retry_after_secs: 5
            }))
        );
        assert_eq!(f.begin(Call::Update), Ok(None));
        assert_eq!(f.fired(), 3);
        assert_eq!(f.pending(), 0);
    }

    #[test]
    fn periodic_faults_and_expiry() {
        let mut f = Faults::default();
        f.push_periodic(Call::Create, 2, Fault::CrashAfterCreate);
        f.push_periodic(Call::Any, 0, Fault::Transient); // ignored
        let fired: Vec<bool> = (0..4)
            .map(|_| f.begin(Call::Create).is_ok_and(|x| x.is_some()))
            .collect();
        assert_eq!(fired, [false, true, false, true]);
        assert_eq!(f.begin(Call::List), Ok(None));

        f.push(Call::Any, Fault::AuthenticationExpired);
        assert!(matches!(
            f.begin(Call::List),
            Err(AdapterError::Authentication { .. })
        ));
        assert!(f.expired());
        assert!(matches!(
            f.begin(Call::Update),
            Err(AdapterError::Authentication { .. })
        ));
        f.renew();
        assert_eq!(f.begin(Call::Update), Ok(None));
        assert_eq!(f.fired(), 3);
    }

    #[test]
    fn errors_carry_the_record() {
        let id = ContactId::new("7");
        assert_eq!(
            Fault::StaleVersion.error(Some(&id)),
            AdapterError::StaleVersion { id }
        );
        assert!(Fault::CrashAfterCreate.error(None).may_have_applied());
        assert!(!Fault::StaleVersion.applies_to(Call::Create));
        assert!(!Fault::CrashAfterCreate.applies_to(Call::Update));
    }
}
