//! The ledgers' rate limits, as data: how many calls a connection may make
//! in a window, how many at once, and how many a day.
//!
//! One table serves the pacer ([`ops::Pacer`](crate::ops::Pacer)) and
//! whatever else needs the numbers (the reference HTTP adapters of feature
//! `http`, a service's own scheduler). The limits are counted per
//! connection: per Xero tenant (an organisation or an XPM practice), per
//! QBO company (realm), per QuickBooks Time access token.

use super::Profile;

/// The rate limits of one ledger, per connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RateLimits {
    /// Calls allowed within any window of [`window_secs`](Self::window_secs).
    pub calls_per_window: u32,
    /// The length of that window, in seconds.
    pub window_secs: u32,
    /// Calls allowed in flight at once (`None`: no limit documented).
    pub concurrent: Option<u32>,
    /// Calls allowed within any 24 hours (`None`: no daily budget).
    pub daily_budget: Option<u32>,
}

impl RateLimits {
    /// The limits of `profile` (XPM, reached through Xero's gateway, takes
    /// Xero's).
    #[must_use]
    pub const fn for_profile(profile: Profile) -> Self {
        match profile {
            Profile::XeroGl => XERO,
            Profile::Xpm => XPM,
            Profile::Qbo => QBO,
            Profile::QbTime => QB_TIME,
        }
    }
}

/// Xero's Accounting API, per tenant: 60 calls a minute, 5 in flight at
/// once, 5,000 a day (developer.xero.com, "OAuth 2.0 API limits"; Xero
/// answers 429 with `Retry-After` and names the limit hit in
/// `X-Rate-Limit-Problem`).
pub const XERO: RateLimits = RateLimits {
    calls_per_window: 60,
    window_secs: 60,
    concurrent: Some(5),
    daily_budget: Some(5_000),
};

/// Xero Practice Manager: reached through Xero's API gateway with the
/// same OAuth 2.0 connection, so it keeps Xero's limits (XPM documents no
/// others).
pub const XPM: RateLimits = XERO;

/// QuickBooks Online, per company (realm): 500 calls a minute and 10 in
/// flight at once (Intuit's "API call limits and throttles"); no daily
/// budget.
pub const QBO: RateLimits = RateLimits {
    calls_per_window: 500,
    window_secs: 60,
    concurrent: Some(10),
    daily_budget: None,
};

/// QuickBooks Time, per access token: 300 calls in 5 minutes (QBT's API
/// documentation, "Rate limiting"); no concurrency or daily limit
/// documented.
pub const QB_TIME: RateLimits = RateLimits {
    calls_per_window: 300,
    window_secs: 300,
    concurrent: None,
    daily_budget: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_has_its_limits_and_xpm_takes_xeros() {
        assert_eq!(RateLimits::for_profile(Profile::Xpm), XERO);
        assert_eq!(
            RateLimits::for_profile(Profile::XeroGl).daily_budget,
            Some(5_000)
        );
        assert_eq!(RateLimits::for_profile(Profile::Qbo).concurrent, Some(10));
        assert_eq!(RateLimits::for_profile(Profile::QbTime).window_secs, 300);
        for p in Profile::EVERY {
            let l = RateLimits::for_profile(p);
            assert!(l.calls_per_window > 0 && l.window_secs > 0);
        }
    }
}
