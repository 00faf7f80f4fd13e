//! The words of an alarm, built once and rendered for each channel: a subject, a plain
//! text and an HTML body for mail, and named fields for webhooks.

use serde_json::{Value, json};

use super::AlarmContext;
use crate::service::joblog::escape_log_html;

/// One alarm, ready for any channel.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmMessage {
    /// Mail subject.
    pub subject: String,
    /// Plain-text body (also the webhook's `text`).
    pub text: String,
    /// HTML body.
    pub html: String,
    /// Named values: the webhook's JSON body, and the placeholders of its template.
    pub fields: Value,
}

impl AlarmMessage {
    /// The alarm of a failed log.
    pub fn build(ctx: &AlarmContext<'_>) -> Self {
        let (job, log) = (ctx.job, ctx.log);
        let group_title = ctx.group.map(|g| g.title.clone()).unwrap_or_default();
        let app_name = ctx.group.map(|g| g.app_name.clone()).unwrap_or_default();
        let trigger_time = log
            .trigger_time
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        let trigger_msg = log.trigger_msg.clone().unwrap_or_default();
        let handle_msg = log.handle_msg.clone().unwrap_or_default();
        let subject = format!(
            "[Jobwheel] job {} \"{}\" failed (log {})",
            job.id, job.job_desc, log.id
        );
        let rows: [(&str, String); 9] = [
            ("Executor group", format!("{group_title} ({app_name})")),
            ("Job", format!("{} (id {})", job.job_desc, job.id)),
            ("Log id", log.id.to_string()),
            ("Trigger time", trigger_time.clone()),
            ("Executor", log.executor_address.clone().unwrap_or_default()),
            ("Trigger code", log.trigger_code.to_string()),
            ("Trigger message", trigger_msg.clone()),
            ("Handle code", log.handle_code.to_string()),
            ("Handle message", handle_msg.clone()),
        ];
        let mut text = format!("{subject}\n\n");
        for (name, value) in &rows {
            text.push_str(&format!("{name}: {}\n", html_to_text(value)));
        }
        if let Some(url) = ctx.log_url {
            text.push_str(&format!("\nLog: {url}\n"));
        }
        let mut html = format!(
            "<html><body><h3>{}</h3><table border=\"1\" cellpadding=\"4\" \
             style=\"border-collapse:collapse\">",
            escape_log_html(&subject)
        );
        for (name, value) in &rows {
            html.push_str(&format!(
                "<tr><th align=\"left\">{name}</th><td>{}</td></tr>",
                escape_log_html(value)
            ));
        }
        html.push_str("</table>");
        if let Some(url) = ctx.log_url {
            let url = escape_log_html(url);
            html.push_str(&format!("<p><a href=\"{url}\">Open the log</a></p>"));
        }
        html.push_str("</body></html>");
        let fields = json!({
            "event": "job_failed",
            "job_id": job.id,
            "job_desc": job.job_desc,
            "job_group": job.job_group,
            "group_title": group_title,
            "app_name": app_name,
            "author": job.author.clone().unwrap_or_default(),
            "log_id": log.id,
            "trigger_time": trigger_time,
            "executor_address": log.executor_address.clone().unwrap_or_default(),
            "trigger_code": log.trigger_code,
            "trigger_msg": html_to_text(&trigger_msg),
            "handle_code": log.handle_code,
            "handle_msg": html_to_text(&handle_msg),
            "log_url": ctx.log_url.unwrap_or_default(),
            "text": text.trim_end(),
        });
        Self {
            subject,
            text,
            html,
            fields,
        }
    }
}

/// Log messages are HTML-ish (`<br>`, `<span …>`): line breaks become newlines, other tags
/// are dropped, the few entities XXL-JOB writes are decoded.
pub fn html_to_text(html: &str) -> String {
    let with_breaks = html
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n");
    let mut text = String::with_capacity(with_breaks.len());
    let mut in_tag = false;
    for c in with_breaks.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{JobInfo, JobLog};

    #[test]
    fn log_html_reads_as_text() {
        assert_eq!(
            html_to_text("Trigger type：Cron<br><span style=\"color:red\">fail</span> a &lt; b"),
            "Trigger type：Cron\nfail a < b"
        );
    }

    #[test]
    fn executor_text_cannot_inject_html_into_the_mail() {
        let job = JobInfo {
            id: 7,
            job_desc: "nightly".into(),
            ..JobInfo::default()
        };
        let log = JobLog {
            id: 42,
            handle_code: 500,
            handle_msg: Some("boom<script>x</script><br>line 2".into()),
            ..JobLog::default()
        };
        let ctx = AlarmContext {
            job: &job,
            group: None,
            log: &log,
            log_url: Some("http://admin/logs/42"),
        };
        let message = AlarmMessage::build(&ctx);
        assert!(
            message.html.contains("boom&lt;script&gt;"),
            "{}",
            message.html
        );
        assert!(message.html.contains("<br>line 2"));
        assert!(
            message.text.contains("Handle message: boomx\nline 2"),
            "{}",
            message.text
        );
        assert_eq!(message.fields["log_id"], 42);
        assert_eq!(message.fields["log_url"], "http://admin/logs/42");
    }
}
