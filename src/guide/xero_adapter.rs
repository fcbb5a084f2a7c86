use async_trait::async_trait;
use ledgerlink::ports::{AdapterError, ChangesPage, ContactStore, Page};
use ledgerlink::sync::FieldPatch;
use ledgerlink::wire::{Request, Response, xero};
use ledgerlink::model::{Contact, ContactId, VersionToken};

/// Any HTTP client: sends the request with the bearer token; `Err` is a transport failure.
#[async_trait]
pub trait Http: Send + Sync {
    async fn send(&self, url: &str, req: &Request, token: &str)
        -> Result<(u16, Vec<(String, String)>, Vec<u8>), String>;
}
/// The service's OAuth2 tokens: the access token, a fresh one when `refresh`.
#[async_trait]
pub trait Tokens: Send + Sync {
    async fn access_token(&self, refresh: bool) -> Result<String, AdapterError>;
}

pub struct XeroContacts<H, T> { pub http: H, pub tokens: T, pub calls: xero::Calls }

impl<H: Http, T: Tokens> XeroContacts<H, T> {
    async fn call<R>(&self, req: Request,
        read: impl Fn(&Response<'_>) -> Result<R, AdapterError> + Send + Sync,
    ) -> Result<R, AdapterError> {
        let mut refreshed = false;
        loop {
            let token = self.tokens.access_token(refreshed).await?;
            let (status, headers, body) = self.http.send(&req.url(xero::API_BASE), &req, &token)
                .await.map_err(|message| AdapterError::Transient { message })?;
            match read(&Response { status, headers, body: &body }) {
                Err(AdapterError::AccessTokenExpired { .. }) if !refreshed => refreshed = true,
                Err(AdapterError::AccessTokenExpired { message }) => {
                    return Err(AdapterError::Authentication { message });
                }
                answer => return answer,
            }
        }
    }
}

#[async_trait]
impl<H: Http, T: Tokens> ContactStore for XeroContacts<H, T> {
    async fn list(&self, page: Option<&str>) -> Result<Page, AdapterError> {
        self.call(self.calls.list(page)?, |a| self.calls.read_list(page, a)).await
    }
    async fn list_changes(&self, cursor: Option<&str>, page: Option<&str>)
        -> Result<ChangesPage, AdapterError> {
        let req = self.calls.list_changes(cursor, page)?;
        self.call(req, |a| self.calls.read_changes(cursor, page, a)).await
    }
    async fn create(&self, contact: &Contact, key: &str) -> Result<Contact, AdapterError> {
        self.call(self.calls.create(contact, key)?, |a| self.calls.read_create(a)).await
    }
    async fn update(&self, id: &ContactId, patch: &FieldPatch, version: Option<&VersionToken>)
        -> Result<Contact, AdapterError> {
        let req = self.calls.update(id, patch, version)?;
        self.call(req, |a| self.calls.read_update(id, a)).await
    }
}
