//! The HTTP client for the admin's executor API (`api/registry`, `api/registryRemove`,
//! `api/callback`; PROTOCOL.md §2).
//!
//! Every call carries both auth headers (a 2.x admin ignores the appname, a 3.5 admin needs
//! it). A call succeeds when the admin answers HTTP 200 with `code` 200; anything else (a
//! refused connection, a timeout, another status, an unreadable body, another code) is a
//! failure carrying the reason.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::protocol::{
    ACCESS_TOKEN_HEADER, APPNAME_HEADER, CallbackBody, CallbackItem, ProtocolGeneration,
    RegistryParam, WireResponse, admin_paths,
};

/// A client for every configured admin; cheap to clone.
#[derive(Clone)]
pub(crate) struct AdminClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    bases: Vec<String>,
    token: Option<String>,
    app_name: String,
    /// `Some` when the app fixed the callback shape; `None` to detect it.
    protocol: Option<ProtocolGeneration>,
    /// The detected shape: true once an admin accepted `{callbackList}` and refused the array.
    v3_5_detected: AtomicBool,
}

impl AdminClient {
    pub(crate) fn new(
        bases: Vec<String>,
        token: Option<String>,
        app_name: String,
        protocol: Option<ProtocolGeneration>,
        timeout: Duration,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|source| Error::Http {
                url: String::new(),
                source,
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                bases,
                token,
                app_name,
                protocol,
                v3_5_detected: AtomicBool::new(false),
            }),
        })
    }

    /// True when at least one admin is configured.
    pub(crate) fn has_admins(&self) -> bool {
        !self.inner.bases.is_empty()
    }

    /// Registers (or deregisters, with `api/registryRemove`) at **every** admin.
    ///
    /// XXL-JOB stops at the first admin that accepts, relying on admins sharing one database.
    /// Telling every admin costs one small request each and keeps the executor routable even
    /// when admins do not share a registry (two clusters, or a migration between them).
    /// Returns one result per admin, in configuration order.
    pub(crate) async fn registry(&self, path: &str, param: &RegistryParam) -> Vec<Result<()>> {
        let calls = self
            .inner
            .bases
            .iter()
            .map(|base| self.post(base, path, param));
        futures::future::join_all(calls).await
    }

    /// Posts a callback batch to the first admin that accepts it, in the configured shape or
    /// the detected one (PROTOCOL.md §11.1).
    ///
    /// Detection: the legacy array is tried first; an admin that answers but refuses it is
    /// offered `{callbackList}` (a 3.5 admin cannot parse an array), and a shape that worked
    /// is remembered for the next batches. A Jobwheel admin accepts both.
    pub(crate) async fn callback(&self, items: &[CallbackItem]) -> Result<()> {
        let body = CallbackBody {
            items: items.to_vec(),
        };
        let mut last = Error::NoAdmin;
        for base in &self.inner.bases {
            let first = self.callback_shape();
            match self
                .post(base, admin_paths::CALLBACK, &body.to_json(first))
                .await
            {
                Ok(()) => return Ok(()),
                Err(e @ Error::AdminRejected { .. }) if self.inner.protocol.is_none() => {
                    let other = match first {
                        ProtocolGeneration::Legacy => ProtocolGeneration::V3_5,
                        ProtocolGeneration::V3_5 => ProtocolGeneration::Legacy,
                    };
                    match self
                        .post(base, admin_paths::CALLBACK, &body.to_json(other))
                        .await
                    {
                        Ok(()) => {
                            tracing::info!(admin = %base, "admin takes callbacks in the {other:?} shape");
                            self.inner
                                .v3_5_detected
                                .store(other == ProtocolGeneration::V3_5, Ordering::Relaxed);
                            return Ok(());
                        }
                        Err(_) => last = e,
                    }
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn callback_shape(&self) -> ProtocolGeneration {
        self.inner.protocol.unwrap_or_else(|| {
            if self.inner.v3_5_detected.load(Ordering::Relaxed) {
                ProtocolGeneration::V3_5
            } else {
                ProtocolGeneration::Legacy
            }
        })
    }

    /// One POST to one admin: `{base}/{path}` with both auth headers and a JSON body.
    async fn post(&self, base: &str, path: &str, body: &impl Serialize) -> Result<()> {
        let url = format!("{}/{path}", base.trim_end_matches('/'));
        let mut request = self
            .inner
            .http
            .post(&url)
            .header(APPNAME_HEADER, &self.inner.app_name)
            .json(body);
        if let Some(token) = &self.inner.token {
            request = request.header(ACCESS_TOKEN_HEADER, token);
        }
        let response = request.send().await.map_err(|source| Error::Http {
            url: url.clone(),
            source,
        })?;
        let status = response.status();
        let text = response.text().await.map_err(|source| Error::Http {
            url: url.clone(),
            source,
        })?;
        if !status.is_success() {
            return Err(Error::AdminRejected {
                url,
                reason: format!("HTTP {status}"),
            });
        }
        match serde_json::from_str::<WireResponse<serde_json::Value>>(&text) {
            Ok(reply) if reply.is_success() => Ok(()),
            Ok(reply) => Err(Error::AdminRejected {
                url,
                reason: format!(
                    "code {}: {}",
                    reply.code,
                    reply.msg.as_deref().unwrap_or("(no message)")
                ),
            }),
            Err(_) => Err(Error::AdminRejected {
                url,
                reason: format!(
                    "unreadable reply: {}",
                    text.chars().take(200).collect::<String>()
                ),
            }),
        }
    }
}
