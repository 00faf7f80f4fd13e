//! Webhook alarms: a JSON POST to the job's own URL (`jobwheel_alarm_webhook`) or to the
//! admin's `alarm_webhook_url`.
//!
//! The body is Jobwheel's JSON ([`AlarmMessage::fields`]) unless `alarm_webhook_template`
//! gives another shape, as chat tools want (Slack `{"text": "{{text}}"}`, DingTalk/WeCom
//! `{"msgtype": "text", "text": {"content": "{{text}}"}}`). A placeholder is replaced by its
//! value escaped as the inside of a JSON string, so templates put placeholders inside
//! quotes and any value stays valid JSON.

use std::time::Duration;

use serde_json::Value;

use super::AlarmMessage;
use crate::config::Config;
use crate::dispatch::executor_client::error_chain;
use crate::error::{Error, Result};
use crate::store::JobInfo;

/// How long a webhook may take before the alarm counts as failed.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// The placeholders a template may use (the keys of [`AlarmMessage::fields`]).
pub const PLACEHOLDERS: [&str; 16] = [
    "event",
    "job_id",
    "job_desc",
    "job_group",
    "group_title",
    "app_name",
    "author",
    "log_id",
    "trigger_time",
    "executor_address",
    "trigger_code",
    "trigger_msg",
    "handle_code",
    "handle_msg",
    "log_url",
    "text",
];

/// The webhook channel.
pub struct Webhook {
    http: reqwest::Client,
    default_url: Option<String>,
    template: Option<String>,
}

impl Webhook {
    /// The channel of `config` (`alarm_webhook_url`, `alarm_webhook_template`).
    pub fn from_config(config: &Config) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .build()
            .map_err(|e| Error::Internal(format!("webhook client: {e}")))?;
        Ok(Self {
            http,
            default_url: config.alarm_webhook_url.clone(),
            template: config.alarm_webhook_template.clone(),
        })
    }

    /// Where `job`'s alarms go: its own URL, else the admin's, else nowhere.
    pub fn url_for<'a>(&'a self, job: &'a JobInfo) -> Option<&'a str> {
        job.alarm_webhook
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .or(self.default_url.as_deref())
    }

    /// POSTs the alarm to `url` once; any answer but 2xx is a failure.
    pub async fn send(&self, url: &str, message: &AlarmMessage) -> std::result::Result<(), String> {
        let body = match &self.template {
            Some(template) => render(template, &message.fields),
            None => message.fields.to_string(),
        };
        let response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            let text = response.text().await.unwrap_or_default();
            let excerpt: String = text.chars().take(200).collect();
            Err(format!("HTTP {status}: {excerpt}"))
        }
    }
}

/// `template` with every `{{name}}` replaced by the JSON-string-escaped value of `name`.
pub fn render(template: &str, fields: &Value) -> String {
    let mut out = template.to_string();
    for name in PLACEHOLDERS {
        let needle = format!("{{{{{name}}}}}");
        if !out.contains(&needle) {
            continue;
        }
        let value = match &fields[name] {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let quoted = Value::String(value).to_string();
        out = out.replace(&needle, &quoted[1..quoted.len() - 1]);
    }
    out
}

/// A template must be JSON once its placeholders are filled in.
pub fn check_template(template: &str) -> Result<()> {
    let sample = serde_json::json!({ "text": "a \"quoted\"\nline" });
    serde_json::from_str::<Value>(&render(template, &sample))
        .map(|_| ())
        .map_err(|e| {
            Error::validation(
                "alarm_webhook_template",
                format!(
                    "is not JSON once its placeholders are filled in (put them inside quotes): {e}"
                ),
            )
        })
}

/// A webhook URL must be absolute http(s).
pub fn check_url(field: &str, url: &str) -> Result<()> {
    let parsed = reqwest::Url::parse(url.trim())
        .map_err(|e| Error::validation(field, format!("`{url}` is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::validation(
            field,
            "must be an http:// or https:// URL",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_are_filled_as_json_string_content() {
        let fields = json!({"text": "job \"a\" failed\nsee log", "log_id": 42});
        let body = render(
            r#"{"msgtype":"text","text":{"content":"{{text}} ({{log_id}}) {{unknown}}"}}"#,
            &fields,
        );
        let parsed: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            parsed["text"]["content"],
            "job \"a\" failed\nsee log (42) {{unknown}}"
        );
    }

    #[test]
    fn templates_and_urls_are_checked() {
        assert!(check_template(r#"{"text":"{{text}}"}"#).is_ok());
        assert!(check_template(r#"{"text":{{text}}}"#).is_err());
        assert!(check_url("u", "https://hooks.example.com/x").is_ok());
        assert!(check_url("u", "ftp://x").is_err());
        assert!(check_url("u", "not a url").is_err());
    }
}
