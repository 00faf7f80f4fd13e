//! The param of `httpJobHandler`, in XXL-JOB 3.x's JSON or 2.x's `key: value` lines.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::Deserialize;

/// XXL-JOB's default request timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(3000);

/// One HTTP call, as a job describes it. Field names and units are XXL-JOB 3.x's, so a job
/// moved from XXL-JOB behaves the same (notably `timeout` is in milliseconds).
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HttpParam {
    /// The URL called; must pass the allow-list.
    pub url: String,
    /// GET, POST, PUT, … (default POST, as XXL-JOB).
    #[serde(default)]
    pub method: Option<String>,
    /// The `Content-Type` of `data` (default `application/json`).
    #[serde(default)]
    pub content_type: Option<String>,
    /// Extra request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Sent as one `Cookie` header.
    #[serde(default)]
    pub cookies: BTreeMap<String, String>,
    /// Milliseconds for the whole call (default 3000).
    #[serde(default)]
    pub timeout: Option<u64>,
    /// The request body.
    #[serde(default)]
    pub data: Option<String>,
    /// A form body (`application/x-www-form-urlencoded`), instead of `data`.
    #[serde(default)]
    pub form: BTreeMap<String, String>,
    /// The `Authorization` header's value.
    #[serde(default)]
    pub auth: Option<String>,
}

impl HttpParam {
    /// Reads JSON (a param starting with `{`) or 2.x lines (`url: …`, `method: …`,
    /// `data: …`, `contentType: …`); fails with a message an operator can act on.
    pub fn parse(param: &str) -> anyhow::Result<Self> {
        let param = param.trim();
        let parsed = if param.starts_with('{') {
            serde_json::from_str(param).context(
                "the param is not valid httpJobHandler JSON \
                 (e.g. {\"url\":\"http://…\",\"method\":\"POST\",\"data\":\"…\"})",
            )?
        } else {
            Self::from_lines(param)
        };
        if parsed.url.is_empty() {
            bail!(
                "the param names no url (JSON {{\"url\":\"http://…\"}}, or a line `url: http://…`)"
            );
        }
        if parsed.data.is_some() && !parsed.form.is_empty() {
            bail!("give `data` or `form`, not both");
        }
        Ok(parsed)
    }

    fn from_lines(param: &str) -> Self {
        let mut p = Self::default();
        for line in param.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim().to_string();
            match key.trim() {
                "url" => p.url = value,
                "method" => p.method = Some(value),
                "data" => p.data = Some(value),
                "contentType" => p.content_type = Some(value),
                _ => {}
            }
        }
        p
    }

    /// The method, upper-cased (default POST).
    pub fn method(&self) -> anyhow::Result<reqwest::Method> {
        let name = self
            .method
            .as_deref()
            .unwrap_or("POST")
            .to_ascii_uppercase();
        reqwest::Method::from_bytes(name.as_bytes())
            .with_context(|| format!("{name:?} is not an HTTP method"))
    }

    /// The timeout of the whole call.
    pub fn timeout(&self) -> Duration {
        self.timeout
            .filter(|&ms| ms > 0)
            .map_or(DEFAULT_TIMEOUT, Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_legacy_lines_describe_the_same_call() {
        let json = HttpParam::parse(
            r#"{"url":"http://127.0.0.1/x","method":"POST","data":"{}","contentType":"text/plain"}"#,
        )
        .unwrap();
        let lines = HttpParam::parse(
            "url: http://127.0.0.1/x\nmethod: POST\ndata: {}\ncontentType: text/plain",
        )
        .unwrap();
        assert_eq!(json, lines);
    }

    #[test]
    fn defaults_are_xxl_jobs() {
        let p = HttpParam::parse(r#"{"url":"http://h/"}"#).unwrap();
        assert_eq!(p.method().unwrap(), reqwest::Method::POST);
        assert_eq!(p.timeout(), Duration::from_millis(3000));
        let p = HttpParam::parse(r#"{"url":"http://h/","method":"get","timeout":250}"#).unwrap();
        assert_eq!(p.method().unwrap(), reqwest::Method::GET);
        assert_eq!(p.timeout(), Duration::from_millis(250));
    }

    #[test]
    fn bad_params_say_what_is_wrong() {
        let err = |p: &str| format!("{:#}", HttpParam::parse(p).unwrap_err());
        assert!(err("").contains("names no url"));
        assert!(err("{not json").contains("not valid httpJobHandler JSON"));
        assert!(err(r#"{"url":"http://h/","timeout":"soon"}"#).contains("expected u64"));
        assert!(err(r#"{"url":"http://h/","data":"x","form":{"a":"b"}}"#).contains("not both"));
        let bad_method = HttpParam::parse(r#"{"url":"http://h/","method":"G ET"}"#).unwrap();
        assert!(bad_method.method().is_err());
    }
}
