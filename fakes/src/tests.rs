//! The fakes answering hand-written requests, over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

/// What came back.
pub(crate) struct Got {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Got {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP call to `url` with the crate's client.
pub(crate) fn call(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> Got {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let reply = crate::client::send(method, url, &headers, body.as_bytes()).unwrap();
    Got {
        status: reply.status,
        body: reply.text(),
        headers: reply.headers,
    }
}

mod webhooks {
    use super::*;
    use crate::{QboFake, XeroFake, sign};

    /// Receives one request on 127.0.0.1 and answers `status`.
    async fn receive_one(
        listener: tokio::net::TcpListener,
        status: u16,
    ) -> (Vec<(String, String)>, Vec<u8>) {
        use hyper_util::rt::TokioIo;
        let (stream, _) = listener.accept().await.unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let tx = tx.clone();
                async move {
                    use http_body_util::BodyExt as _;
                    let headers: Vec<(String, String)> = req
                        .headers()
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
                        .collect();
                    let body = req.into_body().collect().await.unwrap().to_bytes().to_vec();
                    tx.send((headers, body)).unwrap();
                    let mut r =
                        hyper::Response::new(http_body_util::Full::new(hyper::body::Bytes::new()));
                    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                    Ok::<_, std::convert::Infallible>(r)
                }
            });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service)
            .await;
        rx.recv().unwrap()
    }

    #[tokio::test]
    async fn xero_and_qbo_deliveries_are_signed() {
        // Started and dropped inside the test's runtime: each fake runs on
        // a thread and runtime of its own.
        let (xero, qbo) = (
            XeroFake::start("t-1").unwrap(),
            QboFake::start("9130").unwrap(),
        );
        let delivery = xero.webhook(b"xero-key", &[("CONTACT", "UPDATE", "c-1")]);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/xero", listener.local_addr().unwrap());
        let receiver = tokio::spawn(receive_one(listener, 200));
        assert_eq!(delivery.post_to(&url).await.unwrap(), 200);
        let (headers, body) = receiver.await.unwrap();
        let sig = headers
            .iter()
            .find(|(k, _)| k == "x-xero-signature")
            .unwrap();
        assert_eq!(sig.1, sign(b"xero-key", &body));
        let events: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(events["events"][0]["tenantId"], "t-1");
        assert_eq!(events["events"][0]["eventCategory"], "CONTACT");
        let intent = xero.webhook(b"xero-key", &[]);
        assert_eq!(
            serde_json::from_slice::<Value>(&intent.body).unwrap()["events"],
            json!([])
        );

        let delivery = qbo.webhook(b"verifier", &[("Customer", "updated", "58")]);
        let wrong = delivery.clone().with_wrong_signature();
        assert_ne!(wrong.signature(), delivery.signature());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/qbo", listener.local_addr().unwrap());
        let receiver = tokio::spawn(receive_one(listener, 401));
        assert_eq!(wrong.post_to(&url).await.unwrap(), 401);
        let (headers, body) = receiver.await.unwrap();
        assert!(headers.iter().any(|(k, _)| k == "intuit-signature"));
        let events: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(events[0]["type"], "qbo.customer.updated.v1");
        assert_eq!(events[0]["intuitaccountid"], "9130");
        assert_eq!(events[0]["specversion"], "1.0");
        drop((xero, qbo));
    }
}

mod xero {
    use super::*;
    use crate::XeroFake;
    use std::time::Duration;

    fn get(x: &XeroFake, path: &str, extra: &[(&str, &str)]) -> Got {
        let token = format!("Bearer {}", x.access_token());
        let tenant = x.tenant_id();
        let mut h = vec![
            ("authorization", token.as_str()),
            ("xero-tenant-id", tenant.as_str()),
            ("accept", "application/json"),
        ];
        h.extend_from_slice(extra);
        call("GET", &format!("{}/{path}", x.api_base()), &h, "")
    }

    fn send(x: &XeroFake, method: &str, path: &str, extra: &[(&str, &str)], body: &Value) -> Got {
        let token = format!("Bearer {}", x.access_token());
        let tenant = x.tenant_id();
        let mut h = vec![
            ("authorization", token.as_str()),
            ("xero-tenant-id", tenant.as_str()),
            ("accept", "application/json"),
            ("content-type", "application/json"),
        ];
        h.extend_from_slice(extra);
        call(
            method,
            &format!("{}/{path}", x.api_base()),
            &h,
            &body.to_string(),
        )
    }

    #[test]
    fn pages_archived_and_modified_since() {
        let x = XeroFake::start("t-1").unwrap();
        for i in 0..5 {
            x.insert_contact(json!({"Name": format!("C{i}")}));
        }
        let archived = x.insert_contact(json!({"Name": "Gone"}));
        x.archive_contact(&archived);
        let page = get(&x, "Contacts?page=2&pageSize=2&order=ContactID%20ASC", &[]);
        assert_eq!(page.status, 200);
        let body = page.json();
        assert_eq!(
            body["pagination"],
            json!({"page": 2, "pageSize": 2, "pageCount": 3, "itemCount": 5})
        );
        assert_eq!(body["Contacts"][0]["Name"], "C2");
        assert!(body["DateTimeUTC"].as_str().unwrap().starts_with("/Date("));
        assert_eq!(page.header("date"), Some("Sun, 06 Dec 2026 10:00:00 GMT"));
        let all = get(
            &x,
            "Contacts?page=1&pageSize=1000&includeArchived=true",
            &[],
        )
        .json();
        assert_eq!(all["Contacts"].as_array().unwrap().len(), 6);
        assert_eq!(all["Contacts"][0]["Phones"].as_array().unwrap().len(), 4);

        x.advance(Duration::from_secs(3600));
        x.edit_contact(&archived, json!({"EmailAddress": "a@b.example"}));
        let changed = get(
            &x,
            "Contacts?page=1&includeArchived=true",
            &[("if-modified-since", "Sun, 06 Dec 2026 10:30:00 GMT")],
        )
        .json();
        assert_eq!(changed["Contacts"].as_array().unwrap().len(), 1);
        assert_eq!(changed["Contacts"][0]["ContactStatus"], "ARCHIVED");
    }

    #[test]
    fn unique_names_and_idempotent_creates() {
        let x = XeroFake::start("t-1").unwrap();
        x.insert_contact(json!({"Name": "Acme Ltd"}));
        let dup = send(
            &x,
            "PUT",
            "Contacts",
            &[],
            &json!({"Contacts": [{"Name": " acme ltd"}]}),
        );
        assert_eq!(dup.status, 400);
        let body = dup.json();
        assert_eq!(body["ErrorNumber"], 10);
        assert_eq!(body["Type"], "ValidationException");
        assert!(
            body["Elements"][0]["ValidationErrors"][0]["Message"]
                .as_str()
                .unwrap()
                .contains("is already assigned to another contact")
        );

        let first = send(
            &x,
            "PUT",
            "Contacts",
            &[("idempotency-key", "k-1")],
            &json!({"Name": "Beta"}),
        );
        assert_eq!(first.status, 200);
        x.advance(Duration::from_secs(5));
        let again = send(
            &x,
            "PUT",
            "Contacts",
            &[("idempotency-key", "k-1")],
            &json!({"Name": "Beta"}),
        );
        assert_eq!(again.body, first.body);
        assert_eq!(x.contacts().len(), 2);

        let mixed = send(
            &x,
            "PUT",
            "Contacts?summarizeErrors=false",
            &[],
            &json!({"Contacts": [{"Name": "Gamma"}, {"Name": "Beta"}, {"Name": "Delta", "EmailAddress": "nope"}]}),
        )
        .json();
        let statuses: Vec<_> = mixed["Contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["StatusAttributeString"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(statuses, ["OK", "ERROR", "ERROR"]);
        assert_eq!(x.contacts().len(), 3);

        // An archived namesake does not block; restoring it then does.
        let id = first.json()["Contacts"][0]["ContactID"]
            .as_str()
            .unwrap()
            .to_owned();
        x.archive_contact(&id);
        assert_eq!(
            send(&x, "PUT", "Contacts", &[], &json!({"Name": "Beta"})).status,
            200
        );
        let restore = send(
            &x,
            "POST",
            &format!("Contacts/{id}"),
            &[],
            &json!({"ContactStatus": "ACTIVE"}),
        );
        assert_eq!(restore.status, 400);
    }

    #[test]
    fn tenant_expiry_and_throttling() {
        let x = XeroFake::start("t-1").unwrap();
        let token = format!("Bearer {}", x.access_token());
        let other = call(
            "GET",
            &format!("{}/Contacts", x.api_base()),
            &[
                ("authorization", &token),
                ("xero-tenant-id", "t-2"),
                ("accept", "application/json"),
            ],
            "",
        );
        assert_eq!(other.status, 403);
        x.expire_access_tokens();
        let expired = get(&x, "Contacts", &[]);
        assert_eq!(expired.status, 401);
        assert_eq!(expired.json()["Detail"], "AuthenticationUnsuccessful");

        // Refresh: rotation, and a used refresh token refused.
        let (id, secret) = x.client_credentials();
        let form = format!(
            "grant_type=refresh_token&refresh_token={}&client_id={id}&client_secret={secret}",
            x.refresh_token()
        );
        let h = [("content-type", "application/x-www-form-urlencoded")];
        let fresh = call("POST", &x.token_url(), &h, &form).json();
        assert_ne!(fresh["refresh_token"], json!(x.refresh_token()));
        let reused = call("POST", &x.token_url(), &h, &form);
        assert_eq!(
            (reused.status, reused.json()["error"].clone()),
            (400, json!("invalid_grant"))
        );
        let bearer = format!("Bearer {}", fresh["access_token"].as_str().unwrap());
        let ok = call(
            "GET",
            &format!("{}/Organisation", x.api_base()),
            &[
                ("authorization", &bearer),
                ("xero-tenant-id", "t-1"),
                ("accept", "application/json"),
            ],
            "",
        );
        assert_eq!(ok.status, 200);
        x.advance(Duration::from_secs(1801));
        let late = call(
            "GET",
            &format!("{}/Organisation", x.api_base()),
            &[
                ("authorization", &bearer),
                ("xero-tenant-id", "t-1"),
                ("accept", "application/json"),
            ],
            "",
        );
        assert_eq!(late.status, 401);
        assert!(!format!("{x:?}").contains("access"), "{x:?}");
        let log = x.requests();
        assert!(
            log.iter()
                .all(|r| !format!("{r:?}").contains(fresh["access_token"].as_str().unwrap()))
        );
        assert!(log.iter().all(|r| !r.body.contains("xero-refresh-0")));
    }

    #[test]
    fn injected_failures_and_lost_answers() {
        let x = XeroFake::start("t-1").unwrap();
        x.fail_next(1, 503);
        assert_eq!(
            send(&x, "PUT", "Contacts", &[], &json!({"Name": "A"})).status,
            503
        );
        assert!(x.contacts().is_empty());
        x.lose_next_answers(1);
        let token = format!("Bearer {}", x.access_token());
        let headers: Vec<(String, String)> = [
            ("authorization", token.as_str()),
            ("xero-tenant-id", "t-1"),
            ("accept", "application/json"),
            ("idempotency-key", "k"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let url = format!("{}/Contacts", x.api_base());
        let body = json!({"Name": "A"}).to_string();
        assert!(crate::client::send("PUT", &url, &headers, body.as_bytes()).is_err());
        assert_eq!(x.contacts().len(), 1);
        // Sent again with its key: the first answer, no second contact.
        let again = crate::client::send("PUT", &url, &headers, body.as_bytes()).unwrap();
        assert_eq!(again.status, 200);
        assert_eq!(x.contacts().len(), 1);
    }

    #[test]
    fn rate_limit_per_minute() {
        let x = XeroFake::start("t-1").unwrap();
        x.set_rate_limit_per_minute(Some(2));
        assert_eq!(get(&x, "Contacts", &[]).status, 200);
        x.advance(Duration::from_secs(20));
        assert_eq!(get(&x, "Contacts", &[]).status, 200);
        let third = get(&x, "Contacts", &[]);
        assert_eq!(third.status, 429);
        assert_eq!(third.header("retry-after"), Some("40"));
        x.advance(Duration::from_secs(40));
        assert_eq!(get(&x, "Contacts", &[]).status, 200);
        x.throttle_next(1, 7);
        assert_eq!(get(&x, "Contacts", &[]).header("retry-after"), Some("7"));

        // A daily budget beside the minute's.
        x.set_rate_limit_per_minute(Some(60));
        x.add_rate_limit(Duration::from_secs(86_400), 3);
        for _ in 0..3 {
            assert_eq!(get(&x, "Contacts", &[]).status, 200);
            x.advance(Duration::from_secs(3600));
        }
        let day = get(&x, "Contacts", &[]);
        assert_eq!(day.status, 429);
        assert_eq!(day.header("x-rate-limit-problem"), Some("day"));
        assert_eq!(day.header("retry-after"), Some(&*(21 * 3600).to_string()));
    }

    #[test]
    fn invoices_and_payments() {
        let x = XeroFake::start("t-1").unwrap();
        let c = x.insert_contact(json!({"Name": "Acme"}));
        let inv = send(
            &x,
            "PUT",
            "Invoices",
            &[("idempotency-key", "i-1")],
            &json!({"Invoices": [{
            "Type": "ACCREC", "Contact": {"ContactID": c}, "Date": "2026-12-01", "Status": "AUTHORISED",
            "LineItems": [{"Description": "Fees", "Quantity": 2, "UnitAmount": 50.0}]}]}),
        );
        assert_eq!(inv.status, 200, "{}", inv.body);
        let inv = inv.json()["Invoices"][0].clone();
        assert_eq!(inv["Total"], json!(100.0));
        assert_eq!(inv["InvoiceNumber"], "INV-0001");
        let id = inv["InvoiceID"].as_str().unwrap();
        let too_much = send(
            &x,
            "PUT",
            "Payments",
            &[],
            &json!({"Payments": [{
            "Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Date": "2026-12-02", "Amount": 150}]}),
        );
        assert_eq!(too_much.status, 400);
        let paid = send(
            &x,
            "PUT",
            "Payments",
            &[],
            &json!({"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Amount": 100}),
        );
        assert_eq!(paid.status, 200);
        let listed = get(
            &x,
            "Invoices?page=1&where=Type%3D%3D%22ACCREC%22&summaryOnly=true",
            &[],
        )
        .json();
        assert_eq!(listed["Invoices"][0]["Status"], "PAID");
        let payments = get(
            &x,
            "Payments?page=1&where=PaymentType%3D%3D%22ACCRECPAYMENT%22",
            &[],
        )
        .json();
        assert_eq!(payments["Payments"].as_array().unwrap().len(), 1);
    }
}

mod qbo {
    use super::*;
    use crate::QboFake;
    use std::time::Duration;

    fn url(q: &QboFake, rest: &str) -> String {
        format!("{}/v3/company/{}/{rest}", q.api_base(), q.realm_id())
    }

    fn get(q: &QboFake, rest: &str) -> Got {
        let token = format!("Bearer {}", q.access_token());
        call(
            "GET",
            &url(q, rest),
            &[("authorization", &token), ("accept", "application/json")],
            "",
        )
    }

    fn post(q: &QboFake, rest: &str, body: &Value) -> Got {
        let token = format!("Bearer {}", q.access_token());
        call(
            "POST",
            &url(q, rest),
            &[
                ("authorization", &token),
                ("accept", "application/json"),
                ("content-type", "application/json"),
            ],
            &body.to_string(),
        )
    }

    fn query(q: &QboFake, text: &str) -> Value {
        let encoded: String = text
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let got = get(q, &format!("query?query={encoded}&minorversion=75"));
        assert_eq!(got.status, 200, "{}", got.body);
        got.json()
    }

    #[test]
    fn queries_page_and_filter_inactive() {
        let q = QboFake::start("9130").unwrap();
        for i in 0..5 {
            q.insert_customer(json!({"DisplayName": format!("C{i}")}));
        }
        q.deactivate_customer("2");
        let active = query(
            &q,
            "SELECT * FROM Customer ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000",
        );
        assert_eq!(
            active["QueryResponse"]["Customer"]
                .as_array()
                .unwrap()
                .len(),
            4
        );
        let page = query(
            &q,
            "SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY Id STARTPOSITION 2 MAXRESULTS 2",
        );
        let ids: Vec<_> = page["QueryResponse"]["Customer"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["Id"].clone())
            .collect();
        assert_eq!(ids, [json!("2"), json!("3")]);
        assert_eq!(page["QueryResponse"]["startPosition"], 2);
        assert!(page["time"].as_str().unwrap().ends_with("-08:00"));
        let past = query(
            &q,
            "SELECT * FROM Customer WHERE Active IN (true, false) STARTPOSITION 10 MAXRESULTS 5",
        );
        assert_eq!(past["QueryResponse"], json!({}));
        let count = query(&q, "select count(*) from Customer where Active = false");
        assert_eq!(count["QueryResponse"]["totalCount"], 1);
        let named = query(&q, "SELECT * FROM Customer WHERE DisplayName = 'c3'");
        assert_eq!(named["QueryResponse"]["Customer"][0]["Id"], "4");
        assert_eq!(get(&q, "query?query=DELETE%20everything").status, 400);
        let odd = get(
            &q,
            "query?query=SELECT%20*%20FROM%20Customer%20WHERE%20DisplayName%20%C3%A9%C3%A9",
        );
        assert_eq!(odd.status, 400);
        let like = query(
            &q,
            "SELECT * FROM Customer WHERE DisplayName LIKE 'C%' AND Id > '3'",
        );
        assert_eq!(
            like["QueryResponse"]["Customer"].as_array().unwrap().len(),
            2
        );
    }

    #[test]
    fn sync_tokens_names_and_request_ids() {
        let q = QboFake::start("9130").unwrap();
        q.add_other_name("Vendor Co");
        let made = post(&q, "customer?requestid=r1", &json!({"DisplayName": "Acme"}));
        assert_eq!(made.status, 200, "{}", made.body);
        let again = post(&q, "customer?requestid=r1", &json!({"DisplayName": "Acme"}));
        assert_eq!(again.body, made.body);
        assert_eq!(q.customers().len(), 1);
        let c = made.json()["Customer"].clone();
        assert_eq!(
            (c["Id"].as_str(), c["SyncToken"].as_str()),
            (Some("1"), Some("0"))
        );

        let dup = post(&q, "customer", &json!({"DisplayName": "ACME "})).json();
        assert_eq!(dup["Fault"]["Error"][0]["code"], "6240");
        let vendor = post(
            &q,
            "customer",
            &json!({"GivenName": "Vendor", "FamilyName": "Co"}),
        )
        .json();
        assert_eq!(vendor["Fault"]["Error"][0]["code"], "6240");

        let upd = post(
            &q,
            "customer",
            &json!({"Id": "1", "SyncToken": "0", "sparse": true, "CompanyName": "Acme Ltd"}),
        );
        assert_eq!(upd.json()["Customer"]["SyncToken"], "1");
        assert_eq!(upd.json()["Customer"]["DisplayName"], "Acme");
        let stale = post(
            &q,
            "customer",
            &json!({"Id": "1", "SyncToken": "0", "sparse": true, "Notes": "x"}),
        );
        assert_eq!(stale.status, 400);
        assert_eq!(stale.json()["Fault"]["Error"][0]["code"], "5010");
        let sub = post(
            &q,
            "customer",
            &json!({"DisplayName": "Acme", "ParentRef": {"value": "1"}}),
        )
        .json();
        assert_eq!(sub["Customer"]["FullyQualifiedName"], "Acme:Acme");
        assert_eq!(sub["Customer"]["Job"], true);
    }

    #[test]
    fn change_data_capture_with_deletions_and_age_limit() {
        let q = QboFake::start("9130").unwrap();
        let a = q.insert_customer(json!({"DisplayName": "A"}));
        let b = q.insert_customer(json!({"DisplayName": "B"}));
        q.advance(Duration::from_secs(3600));
        let since = "2026-12-06T10:30:00Z";
        q.edit_customer(&a, json!({"Notes": "changed"}));
        q.merge_customer(&b, &a);
        let got = get(&q, &format!("cdc?entities=Customer&changedSince={since}"));
        assert_eq!(got.status, 200, "{}", got.body);
        let list = got.json()["CDCResponse"][0]["QueryResponse"][0]["Customer"].clone();
        assert_eq!(list.as_array().unwrap().len(), 2);
        assert_eq!(
            list[1],
            json!({"domain": "QBO", "status": "Deleted", "Id": b,
            "MetaData": {"LastUpdatedTime": "2026-12-06T03:00:00-08:00"}})
        );
        q.advance(Duration::from_secs(31 * 86_400));
        let old = get(&q, &format!("cdc?entities=Customer&changedSince={since}"));
        assert_eq!(old.status, 400);
        assert!(
            old.json()["Fault"]["Error"][0]["Detail"]
                .as_str()
                .unwrap()
                .contains("older than fixed days")
        );
    }

    #[test]
    fn batch_invoices_payments_and_auth() {
        let q = QboFake::start("9130").unwrap();
        q.insert_customer(json!({"DisplayName": "Taken"}));
        let batch = post(
            &q,
            "batch",
            &json!({"BatchItemRequest": [
            {"bId": "1", "operation": "create", "Customer": {"DisplayName": "New"}},
            {"bId": "2", "operation": "create", "Customer": {"DisplayName": "Taken"}},
            {"bId": "3", "Query": "SELECT * FROM Customer"}]}),
        )
        .json();
        let items = batch["BatchItemResponse"].as_array().unwrap();
        assert_eq!(items[0]["Customer"]["DisplayName"], "New");
        assert_eq!(items[1]["Fault"]["Error"][0]["code"], "6240");
        assert_eq!(items[1]["bId"], "2");
        assert_eq!(
            items[2]["QueryResponse"]["Customer"]
                .as_array()
                .unwrap()
                .len(),
            2
        );

        q.set_book_close_date(Some("2026-11-30"));
        let closed = post(
            &q,
            "invoice",
            &json!({"CustomerRef": {"value": "1"}, "TxnDate": "2026-11-01",
            "Line": [{"Amount": 100.0, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]}),
        );
        assert_eq!(closed.json()["Fault"]["Error"][0]["code"], "6210");
        let inv = post(&q, "invoice", &json!({"CustomerRef": {"value": "1"}, "DocNumber": "A-1",
            "Line": [{"Amount": 100.0, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]})).json();
        assert_eq!(inv["Invoice"]["TotalAmt"], json!(100.0));
        let dup = post(
            &q,
            "invoice",
            &json!({"CustomerRef": {"value": "1"}, "DocNumber": "A-1", "Line": [{"Amount": 1.0}]}),
        )
        .json();
        assert_eq!(dup["Fault"]["Error"][0]["code"], "6140");
        let inv_id = inv["Invoice"]["Id"].as_str().unwrap();
        let pay = post(
            &q,
            "payment",
            &json!({"CustomerRef": {"value": "1"}, "TotalAmt": 120.0,
            "Line": [{"Amount": 100.0, "LinkedTxn": [{"TxnId": inv_id, "TxnType": "Invoice"}]}]}),
        )
        .json();
        assert_eq!(pay["Payment"]["UnappliedAmt"], json!(20.0));
        assert_eq!(q.invoices()[0]["Balance"], json!(0.0));
        assert_eq!(
            get(&q, "preferences").json()["Preferences"]["AccountingInfoPrefs"]["BookCloseDate"],
            "2026-11-30"
        );

        q.expire_access_tokens();
        let expired = get(&q, "preferences");
        assert_eq!(expired.status, 401);
        assert_eq!(expired.json()["fault"]["type"], "AUTHENTICATION");
        let (id, secret) = q.client_credentials();
        use base64::Engine as _;
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        );
        let form = format!(
            "grant_type=refresh_token&refresh_token={}",
            q.refresh_token()
        );
        assert!(q.token_url().ends_with("/oauth2/v1/tokens/bearer"));
        let fresh = call("POST", &q.token_url(), &[("authorization", &basic)], &form).json();
        assert_eq!(fresh["x_refresh_token_expires_in"], 8_726_400);
        q.revoke_refresh_tokens();
        let form = format!(
            "grant_type=refresh_token&refresh_token={}",
            fresh["refresh_token"].as_str().unwrap()
        );
        assert_eq!(
            call("POST", &q.token_url(), &[("authorization", &basic)], &form).json()["error"],
            "invalid_grant"
        );
        q.throttle_next(1, 30);
        let bearer = format!("Bearer {}", fresh["access_token"].as_str().unwrap());
        let throttled = call(
            "GET",
            &url(&q, "preferences"),
            &[("authorization", &bearer)],
            "",
        );
        assert_eq!(
            (throttled.status, throttled.header("retry-after")),
            (429, Some("30"))
        );
        assert_eq!(throttled.json()["Fault"]["Error"][0]["code"], "3001");
    }
}

mod qbtime {
    use super::*;
    use crate::QbTimeFake;
    use std::time::Duration;

    fn get(f: &QbTimeFake, rest: &str) -> Got {
        let token = format!("Bearer {}", f.access_token());
        call(
            "GET",
            &format!("{}/{rest}", f.api_base()),
            &[("authorization", &token)],
            "",
        )
    }

    #[test]
    fn jobcodes_page_filter_and_create() {
        let f = QbTimeFake::start().unwrap();
        let parent = f.insert_jobcode(json!({"name": "Acme"}));
        for i in 0..3 {
            f.insert_jobcode(json!({"name": format!("Job {i}"), "parent_id": parent}));
        }
        f.insert_jobcode(json!({"name": "Holiday", "type": "pto"}));
        f.archive_jobcode(parent);
        assert_eq!(get(&f, "jobcodes").json()["results"]["jobcodes"], json!({}));
        let p1 = get(
            &f,
            "jobcodes?active=both&type=all&page=1&limit=2&supplemental_data=no",
        )
        .json();
        assert_eq!(p1["more"], true);
        assert_eq!(p1["results"]["jobcodes"].as_object().unwrap().len(), 2);
        assert!(p1.get("supplemental_data").is_none());
        assert_eq!(
            p1["results"]["jobcodes"][parent.to_string()]["has_children"],
            true
        );
        let p3 = get(&f, "jobcodes?active=both&type=all&page=3&limit=2").json();
        assert_eq!(p3["more"], false);

        f.advance(Duration::from_secs(60));
        let token = format!("Bearer {}", f.access_token());
        let body = json!({"data": [
            {"name": "Beta", "parent_id": 0},
            {"name": "beta ", "parent_id": 0},
            {"name": "Holiday", "parent_id": 0},
            {"name": ""}]});
        let made = call(
            "POST",
            &format!("{}/jobcodes", f.api_base()),
            &[("authorization", &token)],
            &body.to_string(),
        );
        let r = made.json()["results"]["jobcodes"].clone();
        assert_eq!(r["1"]["_status_code"], 200);
        assert_eq!(r["2"]["_status_code"], 202);
        assert_eq!(r["2"]["id"], r["1"]["id"]);
        assert_eq!(r["3"]["_status_code"], 417);
        assert_eq!(r["4"]["_status_code"], 417);
        let changed = get(
            &f,
            "jobcodes?modified_since=2026-12-06T10:00:30%2B00:00&active=both&type=all",
        )
        .json();
        assert_eq!(changed["results"]["jobcodes"].as_object().unwrap().len(), 1);
    }

    #[test]
    fn timesheets_deleted_and_errors() {
        let f = QbTimeFake::start().unwrap();
        let j = f.insert_jobcode(json!({"name": "Acme"}));
        let a = f.insert_timesheet(json!({"user_id": 1, "jobcode_id": j, "date": "2026-12-01", "type": "manual", "duration": 3600}));
        f.insert_timesheet(
            json!({"user_id": 2, "jobcode_id": j, "date": "2026-12-02", "on_the_clock": true}),
        );
        assert_eq!(get(&f, "timesheets").status, 417);
        let off = get(&f, "timesheets?start_date=2026-12-01&end_date=2026-12-31").json();
        assert_eq!(off["results"]["timesheets"].as_object().unwrap().len(), 1);
        let both = get(&f, "timesheets?start_date=2026-12-01&on_the_clock=both").json();
        assert_eq!(both["results"]["timesheets"].as_object().unwrap().len(), 2);
        f.advance(Duration::from_secs(60));
        f.delete_timesheet(a);
        let gone = get(&f, "timesheets_deleted?modified_since=2026-12-06T10:00:30Z").json();
        assert_eq!(
            gone["results"]["timesheets_deleted"][a.to_string()]["duration"],
            3600
        );
        f.expire_access_tokens();
        let expired = get(&f, "jobcodes");
        assert_eq!(
            (expired.status, expired.json()["error"]["code"].clone()),
            (401, json!(401))
        );
    }
}

mod xpm {
    use super::*;
    use crate::XpmFake;
    use std::time::Duration;

    fn send(f: &XpmFake, method: &str, rest: &str, body: &str) -> Got {
        let token = format!("Bearer {}", f.access_token());
        let tenant = f.tenant_id();
        call(
            method,
            &format!("{}/{rest}", f.api_base()),
            &[
                ("authorization", &token),
                ("xero-tenant-id", &tenant),
                ("accept", "application/xml"),
            ],
            body,
        )
    }

    #[test]
    fn lists_everything_and_modified_since() {
        let f = XpmFake::start("t-9").unwrap();
        let a = f.insert_client(&[("Name", "Jo & Co"), ("TaxNumber", "123456789")]);
        f.insert_contact(&a, &[("Name", "Jo"), ("Mobile", "021")], true)
            .unwrap();
        let b = f.insert_client(&[("Name", "Gone")]);
        f.archive_client(&b);
        let all = send(&f, "GET", "client.api/list?detailed=true", "");
        assert_eq!(all.status, 200);
        let doc = crate::xml::parse(&all.body).unwrap();
        assert_eq!(doc.child_text("Status"), Some("OK"));
        let clients = &doc.child("Clients").unwrap().children;
        assert_eq!(clients.len(), 2);
        assert_eq!(clients[0].child_text("Name"), Some("Jo & Co"));
        assert_eq!(clients[0].child_text("TaxNumber"), Some("******789"));
        let contact = clients[0]
            .child("Contacts")
            .unwrap()
            .child("Contact")
            .unwrap();
        assert_eq!(contact.child_text("IsPrimary"), Some("Yes"));
        assert_eq!(clients[1].child_text("IsArchived"), Some("Yes"));

        f.advance(Duration::from_secs(120));
        f.edit_client(&a, &[("Email", "jo@co.example")]);
        let changed = send(
            &f,
            "GET",
            "client.api/list?detailed=true&modifiedsince=2026-12-06T10:01:00",
            "",
        );
        let doc = crate::xml::parse(&changed.body).unwrap();
        assert_eq!(doc.child("Clients").unwrap().children.len(), 1);
    }

    #[test]
    fn writes_and_refusals_inside_200() {
        let f = XpmFake::start("t-9").unwrap();
        let made = send(
            &f,
            "POST",
            "client.api/add",
            "<Client><Name>Rimu</Name><WebSite>https://rimu.example</WebSite></Client>",
        );
        let doc = crate::xml::parse(&made.body).unwrap();
        let id = doc
            .child("Client")
            .unwrap()
            .child_text("UUID")
            .unwrap()
            .to_owned();
        assert_eq!(
            doc.child("Client").unwrap().child_text("Website"),
            Some("https://rimu.example")
        );
        let upd = send(
            &f,
            "PUT",
            "client.api/update",
            &format!("<Client><UUID>{id}</UUID><Name>Rimu Ltd</Name></Client>"),
        );
        assert!(upd.body.contains("<Name>Rimu Ltd</Name>"));
        let missing = send(
            &f,
            "PUT",
            "client.api/update",
            "<Client><UUID>nope</UUID><Name>X</Name></Client>",
        );
        assert_eq!(missing.status, 200);
        assert!(
            missing.body.contains("<Status>ERROR</Status>") && missing.body.contains("not found")
        );
        let person = send(
            &f,
            "POST",
            "client.api/contact",
            &format!("<Contact><Name>Ana</Name><Client><UUID>{id}</UUID></Client></Contact>"),
        );
        let pid = crate::xml::parse(&person.body)
            .unwrap()
            .child("Contact")
            .unwrap()
            .child_text("UUID")
            .unwrap()
            .to_owned();
        let other = f.insert_client(&[("Name", "Kauri")]);
        let linked = send(
            &f,
            "POST",
            &format!("client.api/client/{other}/contacts"),
            &format!("<Client><Contacts><Contact><UUID>{pid}</UUID></Contact></Contacts></Client>"),
        );
        assert!(linked.body.contains(&pid), "{}", linked.body);
        let renamed = send(
            &f,
            "PUT",
            &format!("client.api/contact/{pid}"),
            "<Contact><Name>Ana B</Name><Mobile>022</Mobile></Contact>",
        );
        assert!(renamed.body.contains("<Mobile>022</Mobile>"));
        let wrong_tenant = call(
            "GET",
            &format!("{}/client.api/list", f.api_base()),
            &[("authorization", &format!("Bearer {}", f.access_token()))],
            "",
        );
        assert_eq!(wrong_tenant.status, 403);
        f.expire_access_tokens();
        let expired = send(&f, "GET", "client.api/list", "");
        assert_eq!(expired.status, 401);
        assert!(
            expired.json()["Detail"]
                .as_str()
                .unwrap()
                .starts_with("TokenExpired")
        );
    }
}
