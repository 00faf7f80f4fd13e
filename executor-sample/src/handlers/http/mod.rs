//! `httpJobHandler`: calls a URL the job describes, within an allow-list.

mod allow;
mod param;

use std::sync::Arc;

use anyhow::{Context as _, bail};
use jobwheel_executor::{JobContext, JobHandler, job_log};
use reqwest::redirect;

pub use allow::AllowList;
pub use param::HttpParam;

use super::{Failure, Outcome};

/// Redirects followed at most (reqwest's default), each one checked against the allow-list.
const MAX_REDIRECTS: usize = 10;
/// Bytes of the response body copied into the run log; the rest is only counted.
const LOGGED_BODY_BYTES: usize = 64 * 1024;

/// Calls the URL of its param and logs the answer; a status other than 2xx fails the run.
/// See [`HttpParam`] for the param and [`AllowList`] for what may be called.
#[derive(Debug, Clone)]
pub struct HttpJobHandler {
    allow: Arc<AllowList>,
}

impl HttpJobHandler {
    /// A handler that calls only what `allow` permits.
    pub fn new(allow: AllowList) -> Self {
        Self {
            allow: Arc::new(allow),
        }
    }

    async fn call(&self, ctx: &JobContext) -> anyhow::Result<String> {
        let param = HttpParam::parse(ctx.param())?;
        let url = reqwest::Url::parse(&param.url)
            .with_context(|| format!("{:?} is not a URL", param.url))?;
        self.check(&url)?;
        let method = param.method()?;
        let request = self.client(&param)?.request(method.clone(), url.clone());
        let request = with_body(with_headers(request, &param), &param);

        job_log!(ctx, "{method} {url}");
        let mut response = request
            .send()
            .await
            .with_context(|| format!("{method} {url} failed"))?;
        let status = response.status();
        let (body, total) = read_capped(&mut response).await?;
        let cut = if total > body.len() {
            format!(" … ({total} bytes in all)")
        } else {
            String::new()
        };
        job_log!(
            ctx,
            "status {status}, body: {}{cut}",
            String::from_utf8_lossy(&body)
        );
        if !status.is_success() {
            bail!("{method} {url} answered HTTP {status}");
        }
        Ok(format!("HTTP {status}"))
    }

    fn check(&self, url: &reqwest::Url) -> anyhow::Result<()> {
        if self.allow.is_empty() {
            bail!(
                "httpJobHandler may call no URL until the executor allows some: set \
                 --http-allow / JOBWHEEL_HTTP_ALLOW to the URL prefixes jobs may call"
            );
        }
        if !self.allow.permits(url) {
            bail!(
                "{url} is not allowed (--http-allow / JOBWHEEL_HTTP_ALLOW: {})",
                self.allow
            );
        }
        Ok(())
    }

    /// A client whose redirects stay inside the allow-list, so an allowed URL cannot bounce
    /// the call to a forbidden one.
    fn client(&self, param: &HttpParam) -> anyhow::Result<reqwest::Client> {
        let allow = Arc::clone(&self.allow);
        let policy = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if allow.permits(attempt.url()) {
                attempt.follow()
            } else {
                let refused = format!("redirect to {} is not allowed", attempt.url());
                attempt.error(refused)
            }
        });
        reqwest::Client::builder()
            .redirect(policy)
            .timeout(param.timeout())
            .build()
            .context("cannot create the HTTP client")
    }
}

impl JobHandler for HttpJobHandler {
    type Error = Failure;

    async fn execute(&self, ctx: JobContext) -> Outcome {
        Ok(self.call(&ctx).await?)
    }
}

fn with_headers(
    mut request: reqwest::RequestBuilder,
    param: &HttpParam,
) -> reqwest::RequestBuilder {
    for (name, value) in &param.headers {
        request = request.header(name, value);
    }
    if !param.cookies.is_empty() {
        let cookies: Vec<String> = param
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        request = request.header(reqwest::header::COOKIE, cookies.join("; "));
    }
    if let Some(auth) = &param.auth {
        request = request.header(reqwest::header::AUTHORIZATION, auth);
    }
    request
}

fn with_body(request: reqwest::RequestBuilder, param: &HttpParam) -> reqwest::RequestBuilder {
    if !param.form.is_empty() {
        return request.form(&param.form);
    }
    match &param.data {
        Some(data) => {
            let content_type = param.content_type.as_deref().unwrap_or("application/json");
            request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(data.clone())
        }
        None => request,
    }
}

/// The first [`LOGGED_BODY_BYTES`] of the body, and its full length: a large download must
/// not fill the executor's memory or the run log.
async fn read_capped(response: &mut reqwest::Response) -> anyhow::Result<(Vec<u8>, usize)> {
    let mut kept = Vec::new();
    let mut total = 0;
    while let Some(chunk) = response
        .chunk()
        .await
        .context("reading the response failed")?
    {
        total += chunk.len();
        let room = LOGGED_BODY_BYTES.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    Ok((kept, total))
}
