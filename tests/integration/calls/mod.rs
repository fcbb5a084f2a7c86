//! The call codecs: for each provider, every request builder against the
//! documented request and every reader against real-shaped answers, and
//! the change feeds over fakes of the ledgers with their own clocks.

mod qbtime;
mod qbtime_feed;
mod xpm;
mod xpm_feed;
