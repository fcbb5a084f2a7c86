//! Writing an adapter: connecting ledgerlink to a ledger's HTTP API and to
//! your own database.
//!
//! This module holds documentation only; nothing in it is code you call.
//!
//! ledgerlink plans; an adapter carries the plan out. The
//! [`ports`](crate::ports) traits are the whole surface: implement
//! [`ContactStore`](crate::ports::ContactStore) over each ledger and over
//! your own contacts, [`StateStore`](crate::ports::StateStore) over your
//! database, and, for invoices, payments and QuickBooks Time,
//! [`InvoiceStore`](crate::ports::InvoiceStore),
//! [`PaymentStore`](crate::ports::PaymentStore) and
//! [`TimeStore`](crate::ports::TimeStore). Hand them to the driver (feature
//! `driver`) or call them yourself with a plan's operations.
//!
//! # What a ledger adapter does, and what it does not
//!
//! A ledger adapter is a loop around the provider's **call codec** (a
//! `Calls` value in each `wire` provider module, built once per connection
//! with the tenant or company id). For each port method:
//!
//! 1. ask the codec for the request (`calls.list(page)`,
//!    `calls.create(contact, key)`, …): method, path, query, every header
//!    the ledger needs (tenant / realm, `Accept`, `Content-Type`,
//!    `Idempotency-Key`, `If-Modified-Since`) and the body, as plain data
//!    ([`wire::Request`](crate::wire::Request));
//! 2. add `Authorization: Bearer <access token>` — the codecs never see a
//!    secret — and send it with any HTTP client to
//!    [`Request::url`](crate::wire::Request::url)`(API_BASE)`;
//! 3. hand the status, headers and body back to the codec's reader
//!    (`calls.read_list(page, &answer)`, …) as a
//!    [`wire::Response`](crate::wire::Response): it returns the port
//!    method's type, or the [`AdapterError`](crate::ports::AdapterError)
//!    the answer stands for (rate limits with their `Retry-After`, a
//!    refused token, a duplicate name, a stale version, an error hidden in
//!    an HTTP 200 answer);
//! 4. when the reader says
//!    [`AccessTokenExpired`](crate::ports::AdapterError::AccessTokenExpired),
//!    refresh the access token and send the same request once more; a
//!    second refusal is
//!    [`Authentication`](crate::ports::AdapterError::Authentication)
//!    (the connection is disconnected until the firm reconnects, E3);
//! 5. report a transport failure (no connection, a timeout) as
//!    [`Transient`](crate::ports::AdapterError::Transient): a create may
//!    have gone through and is re-sent later with the same idempotency
//!    key, which the ledger then answers with the record it made.
//!
//! The adapter knows no path, query string, header, page token, cursor,
//! version rule or error body: those are the codecs' (and tested against
//! the ledgers' documented requests and real answers). What stays with the
//! adapter is its HTTP client, its tokens, and — for ledgers with no
//! idempotency header (XPM, QuickBooks Time) — a table of key → id, so that
//! a create sent again answers the record the first one made.
//!
//! With feature `http`, `ledgerlink::http` has these loops ready for the
//! four ledgers, over reqwest: token refresh and rotation, pacing by the
//! ledgers' rate limits, bounded retries and batch creates included. Write
//! your own when you need another HTTP client or runtime.
//!
//! # The contracts
//!
//! What every implementation keeps (full listings include archived
//! records, what a change listing's cursor means, how long idempotency
//! keys are kept, which versions are checked, how failures that are not a
//! ledger's answer are reported) is written once, in
//! [`ports`](crate::ports#contracts); the codecs keep it for the ledgers,
//! the in-memory stores of `testing` keep it for tests, and your database
//! adapter keeps it for your side.
//!
//! # The codecs, per ledger
//!
//! Each provider module documents its table of port method → request
//! builder → response reader:
//!
//! | ledger | codec | port methods |
//! |---|---|---|
//! | Xero (accounting) | [`wire::xero::calls`](crate::wire::xero::calls) | `ContactStore` (with a batch create), `InvoiceStore`, `PaymentStore` |
//! | Xero Practice Manager | [`wire::xpm::calls`](crate::wire::xpm::calls) | `ContactStore` over clients and their contacts (with a batch add of a client's contacts) |
//! | QuickBooks Online | [`wire::qbo::calls`](crate::wire::qbo::calls) | `ContactStore` over customers (change data capture, batch), `InvoiceStore`, `PaymentStore` |
//! | QuickBooks Time | [`wire::qbtime::calls`](crate::wire::qbtime::calls) | `TimeStore` (jobcodes in batches, timesheets), change listings of jobcodes and timesheets |
//!
//! Change listings take their cursor from the ledger's own clock (the
//! answer's `Date` header or the server time in its body), never from the
//! machine's; the cursor is the position when the listing began, so a
//! record changed while the pages were read is listed again next time,
//! never lost. When a ledger cannot answer a change listing (a cursor
//! older than its feed keeps, more changes than one answer holds) the
//! reader says [`Unsupported`](crate::ports::AdapterError::Unsupported)
//! and the driver lists everything instead.
//!
//! Webhooks (feature `webhooks`,
//! `wire::webhooks`) tell you *that* records of a tenant changed: verify
//! the delivery, answer it, and start a run for that connection — the run's
//! change listing reads what changed.
//!
//! # A complete Xero contacts adapter
//!
//! Over any HTTP client (here a trait with one method the service
//! implements with reqwest, hyper, ureq…) and any token source (the
//! service's OAuth2 refresh), in 60 lines (`src/guide/xero_adapter.rs`
//! in the repository, compiled and run by its tests):
#![cfg_attr(
    feature = "xero",
    doc = concat!("```\n", include_str!("xero_adapter.rs"), "```\n")
)]
//!
//! That is the whole adapter: the driver pages through `list` and
//! `list_changes`, orders the writes, and feeds the answers back. The
//! repository's integration tests include this file and run it through the
//! driver against a fake Xero that answers over the same requests and
//! answers (`tests/integration/calls/adapter.rs`): a first connection, a
//! change listing, an expired access token refreshed mid-run, a refused
//! one ending as a disconnection.
//!
//! # Your own side
//!
//! The local [`ContactStore`](crate::ports::ContactStore) is your database:
//! a full listing is a `SELECT` in a stable order with a page token (the
//! last key read), a change listing reads a change log or an `updated_at`
//! column from a cursor taken when the read began, `create` keeps the
//! idempotency key in a unique column and answers the existing row when
//! the key is seen again, and `update` compares a row version when the
//! plan passed one. [`StateStore`](crate::ports::StateStore) keeps the
//! [`SyncState`](crate::sync::SyncState) between runs, with compare-and-swap
//! saves and a lease per connection: the reference stores of
//! `ledgerlink::stores` (features `sqlite`, `postgres`) are ready to use,
//! and `testing::conformance::state` checks your own.
