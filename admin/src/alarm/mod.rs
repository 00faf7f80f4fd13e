//! Alarms: telling people that a job failed (PROTOCOL.md §6.5), by email and by webhook.
//!
//! The fail monitor builds one [`Alarms`] from the configuration and hands it each failed
//! log it claimed. Every channel the job uses is tried once: an alarm that cannot be
//! delivered is logged and recorded on the log row (`alarm_status` 3 with the reason in
//! `jobwheel_alarm_msg`), never retried forever — a broken mail server must not turn into
//! a growing queue, and the log page shows what went wrong.

pub mod email;
pub mod message;
pub mod webhook;

use crate::config::Config;
use crate::error::Result;
use crate::store::{JobGroup, JobInfo, JobLog, alarm_status};

pub use message::AlarmMessage;

/// The console's page of a log, linked from alarms: `{public_url}/logs/{id}`
/// (`public_url` includes any context path).
pub fn log_url(config: &Config, log_id: i64) -> Option<String> {
    config
        .public_url
        .as_ref()
        .map(|base| format!("{base}/logs/{log_id}"))
}

/// What an alarm is about: a failed log of a job.
#[derive(Debug, Clone, Copy)]
pub struct AlarmContext<'a> {
    /// The job that failed.
    pub job: &'a JobInfo,
    /// Its executor group, if it still exists.
    pub group: Option<&'a JobGroup>,
    /// The failed log.
    pub log: &'a JobLog,
    /// The console's page of the log, when `public_url` is configured.
    pub log_url: Option<&'a str>,
}

/// What sending an alarm came to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlarmOutcome {
    /// Channels that accepted the alarm (`email:a@b`, `webhook`).
    pub delivered: Vec<String>,
    /// Channels that failed, each with its reason.
    pub failures: Vec<String>,
}

impl AlarmOutcome {
    /// The `alarm_status` to record: 1 when the job has no alarm channel, 2 when every
    /// channel accepted, 3 when any failed.
    pub fn status(&self) -> i8 {
        if !self.failures.is_empty() {
            alarm_status::FAILED
        } else if self.delivered.is_empty() {
            alarm_status::NOT_NEEDED
        } else {
            alarm_status::SENT
        }
    }
}

/// The alarm channels of this admin.
pub struct Alarms {
    email: Option<email::Mailer>,
    webhook: webhook::Webhook,
}

impl Alarms {
    /// Channels as configured: email when `smtp_host` is set, webhooks always (a job may
    /// name its own URL even without a global one).
    pub fn from_config(config: &Config) -> Result<Self> {
        Ok(Self {
            email: email::Mailer::from_config(config)?,
            webhook: webhook::Webhook::from_config(config)?,
        })
    }

    /// Sends the alarm of `ctx` on every channel its job uses, each once.
    pub async fn send(&self, ctx: &AlarmContext<'_>) -> AlarmOutcome {
        let message = AlarmMessage::build(ctx);
        let mut outcome = AlarmOutcome::default();
        let recipients = email::recipients(ctx.job.alarm_email.as_deref());
        if !recipients.is_empty() {
            match &self.email {
                Some(mailer) => {
                    for to in recipients {
                        match mailer.send(&to, &message).await {
                            Ok(()) => outcome.delivered.push(format!("email:{to}")),
                            Err(e) => outcome.failures.push(format!("email to {to}: {e}")),
                        }
                    }
                }
                None => outcome
                    .failures
                    .push("email: the job has alarm emails but smtp_host is not configured".into()),
            }
        }
        if let Some(url) = self.webhook.url_for(ctx.job) {
            match self.webhook.send(url, &message).await {
                Ok(()) => outcome.delivered.push("webhook".into()),
                Err(e) => outcome.failures.push(format!("webhook {url}: {e}")),
            }
        }
        for failure in &outcome.failures {
            tracing::warn!(log_id = ctx.log.id, job_id = ctx.job.id, %failure, "alarm not delivered");
        }
        outcome
    }
}
