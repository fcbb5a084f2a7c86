//! Error bodies as typed adapter errors, and recognising payloads.

use super::*;

#[test]
fn validation_errors_per_element() {
    let d = xero::decode_error_detail(400, &fixture("xero/error-400-batch.json"), None, None);
    assert_eq!(
        d.error,
        AdapterError::DuplicateName {
            name: "Smith & Jones".into()
        }
    );
    assert_eq!(
        d.items,
        vec![
            String::new(),
            "The contact name Smith & Jones is already assigned to another contact. The contact name must be unique across all active contacts. Postal code is too long."
                .to_owned()
        ]
    );
    let d = xero::decode_error_detail(400, &fixture("xero/error-400-invoice.json"), None, None);
    assert_eq!(
        d.error,
        AdapterError::Validation {
            code: Some("10".into()),
            message: "Invoice # must be unique.".into()
        }
    );
    assert_eq!(d.items.len(), 1);
    // Through decode_any, without a status.
    let Some(Ok(Payload::Error { error, items })) =
        xero::decode_any(&fixture("xero/error-400-batch.json"))
    else {
        panic!("an error payload")
    };
    assert!(matches!(error, AdapterError::DuplicateName { .. }));
    assert_eq!(items.len(), 2);
    let Ok((Profile::XeroGl, Payload::Error { error, .. })) =
        wire::decode_any(&fixture("xero/error-401-problem.json"))
    else {
        panic!("an error payload")
    };
    assert_eq!(
        error,
        AdapterError::AccessTokenExpired {
            message: "AuthenticationUnsuccessful".into()
        }
    );
}

#[test]
fn statuses_map_to_adapter_errors() {
    assert_eq!(
        xero::decode_error(429, b"", Some(13)),
        AdapterError::RateLimited {
            retry_after_secs: 13
        }
    );
    assert_eq!(
        xero::decode_error(429, b"{}", None),
        AdapterError::RateLimited {
            retry_after_secs: xero::RATE_LIMIT_WINDOW_SECS
        }
    );
    // 401: the access token (refresh and retry once); 403: access taken
    // away (disconnected, E3).
    assert!(matches!(
        xero::decode_error(401, &fixture("xero/error-401-problem.json"), None),
        AdapterError::AccessTokenExpired { .. }
    ));
    assert!(matches!(
        xero::decode_error(403, b"", None),
        AdapterError::Authentication { .. }
    ));
    assert!(matches!(
        xero::decode_error(502, b"<html>Bad gateway</html>", None),
        AdapterError::Transient { .. }
    ));
    assert!(matches!(
        xero::decode_error(500, b"", None),
        AdapterError::Transient { .. }
    ));
    assert_eq!(
        xero::decode_error_detail(
            404,
            b"The resource you're looking for cannot be found",
            None,
            Some("c-1")
        )
        .error,
        AdapterError::NotFound { id: "c-1".into() }
    );
    // A body that is not JSON still gives a typed error, with its text.
    assert_eq!(
        xero::decode_error(400, b"oops", None),
        AdapterError::Validation {
            code: None,
            message: "oops".into()
        }
    );
}

// ------------------------------------------------------------ recognition

#[test]
fn other_payloads_are_not_claimed() {
    for doc in [
        &br#"{"QueryResponse":{"Customer":[]}}"#[..],
        br#"{"Fault":{"Error":[{"Message":"x","code":"6240"}]}}"#,
        br#"{"results":{"jobcodes":{}},"more":false}"#,
        br#"<Response><Status>OK</Status></Response>"#,
        b"",
        b"[]",
        br#"{"Invoice":{"Id":"1"}}"#,
    ] {
        assert!(
            xero::decode_any(doc).is_none(),
            "{}",
            String::from_utf8_lossy(doc)
        );
    }
    // A truncated Xero listing is Xero's, and broken.
    assert!(matches!(
        xero::decode_any(br#"{"Contacts":[{"Name":"#),
        Some(Err(WireError::Syntax { .. }))
    ));
}
