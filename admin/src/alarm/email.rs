//! Alarm mail over async SMTP (lettre), one message per recipient as XXL-JOB sends it, so
//! recipients do not see each other's addresses.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::AlarmMessage;
use crate::config::{Config, SmtpTls};
use crate::dispatch::executor_client::error_chain;
use crate::error::{Error, Result};

/// How long one SMTP conversation may take before the alarm counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// A configured SMTP sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// The mailer of `config`, or `None` when `smtp_host` is unset.
    pub fn from_config(config: &Config) -> Result<Option<Self>> {
        let Some(host) = config.smtp_host.as_deref() else {
            return Ok(None);
        };
        let from = config
            .smtp_from
            .as_deref()
            .unwrap_or_default()
            .parse::<Mailbox>()
            .map_err(|e| Error::validation("smtp_from", e.to_string()))?;
        let tls_error =
            |e: lettre::transport::smtp::Error| Error::validation("smtp_host", e.to_string());
        let builder = match config.smtp_tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(tls_error)?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(tls_error)?,
        };
        let mut builder = builder.port(config.smtp_port()).timeout(Some(SMTP_TIMEOUT));
        if let Some(user) = &config.smtp_user {
            let password = config.smtp_password.clone().unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Some(Self {
            transport: builder.build(),
            from,
        }))
    }

    /// Sends `message` to `to` (one attempt).
    pub async fn send(&self, to: &str, message: &AlarmMessage) -> std::result::Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("bad address: {e}"))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                message.text.clone(),
                message.html.clone(),
            ))
            .map_err(|e| e.to_string())?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| error_chain(&e))
    }
}

/// The distinct addresses of a job's comma-separated `alarm_email`, in order.
pub fn recipients(alarm_email: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for address in alarm_email.unwrap_or_default().split(',').map(str::trim) {
        if !address.is_empty() && !out.iter().any(|a| a.eq_ignore_ascii_case(address)) {
            out.push(address.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_distinct_and_trimmed() {
        assert_eq!(
            recipients(Some(" a@x.org, b@x.org,,A@x.org ")),
            ["a@x.org", "b@x.org"]
        );
        assert!(recipients(None).is_empty());
    }
}
