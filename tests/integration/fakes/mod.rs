//! ledgerlink's call codecs against the fake ledger servers of
//! `ledgerlink-fakes` over real HTTP on 127.0.0.1: the fakes build their
//! answers without ledgerlink, so these tests check that the codecs read
//! what a server in the ledgers' shapes sends (and that the fakes speak
//! it), not that the codecs agree with themselves.

use ledgerlink::wire::{Request, Response};
use ledgerlink_fakes::client::{Reply, send};

mod qbo;
mod qbtime;
#[cfg(feature = "webhooks")]
mod webhooks;
mod xero;
mod xpm;

/// Sends `request` below `base` with a bearer token, as an adapter would.
fn call(base: &str, token: &str, request: &Request) -> Reply {
    let mut headers = request.headers.clone();
    headers.push(("Authorization".into(), format!("Bearer {token}")));
    send(
        request.method.as_str(),
        &request.url(base),
        &headers,
        request.body.as_bytes(),
    )
    .unwrap()
}

/// The reply as the codecs' readers take it.
fn response(reply: &Reply) -> Response<'_> {
    Response {
        status: reply.status,
        headers: reply.headers.clone(),
        body: &reply.body,
    }
}
