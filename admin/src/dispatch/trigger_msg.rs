//! The HTML `trigger_msg` of a log row, worded as XXL-JOB's English console words it
//! (PROTOCOL.md §3.8 e), so operators moving from XXL-JOB read the same report.
//!
//! Full-width colons (U+FF1A) are XXL-JOB's; the console renders the text as HTML.

use std::fmt::Write;

use jobwheel_executor::protocol::{BlockStrategy, WireResponse};

use super::fire::TriggerType;

/// Trigger result when the group has no executor address.
pub const ADDRESS_EMPTY: &str = "Trigger Fail：registry address is empty";
/// Heading of the executor-call section.
const TRIGGER_RUN: &str = "Trigger";

/// Everything the report names, gathered by the trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerReport<'a> {
    /// Why the job fired.
    pub trigger_type: TriggerType,
    /// This admin, as operators know it.
    pub admin_address: &'a str,
    /// True when the addresses were typed by an operator (manual group or override).
    pub manual_registry: bool,
    /// The candidate addresses.
    pub addresses: &'a [String],
    /// The route strategy's title (or the unknown stored name).
    pub route_title: &'a str,
    /// "i/n" for a broadcast shard.
    pub sharding: Option<&'a str>,
    /// The job's block strategy as stored.
    pub block_strategy: Option<&'a str>,
    /// `executor_timeout` in seconds.
    pub timeout: i32,
    /// Retries left.
    pub fail_retry_count: i32,
    /// The router's report (FAILOVER/BUSYOVER probes) or its failure.
    pub route_msg: Option<&'a str>,
    /// The executor-call section (see [`run_result_msg`]), or a failure before the call.
    pub result_msg: Option<&'a str>,
}

impl TriggerReport<'_> {
    /// The HTML message.
    ///
    /// Written piece by piece into one buffer sized up front: every fire's log row gets one,
    /// and building it with `format!` and appends cost a dozen reallocations per fire.
    pub fn render(&self) -> String {
        let registry = if self.manual_registry {
            "Manual registration"
        } else {
            "Automatic registration"
        };
        let result = self.result_msg.unwrap_or_default();
        let addresses: usize = self.addresses.iter().map(|a| a.len() + 2).sum();
        let route = self.route_msg.map_or(0, str::len);
        let mut msg = String::with_capacity(
            400 + self.admin_address.len() + addresses + route + result.len(),
        );
        for piece in [
            "Trigger type：",
            self.trigger_type.title(),
            "<br>Admin address：",
            self.admin_address,
            "<br>Executor registration type：",
            registry,
            "<br>Executor address list：[",
        ] {
            msg.push_str(piece);
        }
        for (i, address) in self.addresses.iter().enumerate() {
            if i > 0 {
                msg.push_str(", ");
            }
            msg.push_str(address);
        }
        msg.push_str("]<br>Route strategy：");
        msg.push_str(self.route_title);
        if let Some(sharding) = self.sharding {
            msg.push('(');
            msg.push_str(sharding);
            msg.push(')');
        }
        msg.push_str("<br>Block strategy：");
        msg.push_str(block_title(self.block_strategy));
        // Writing to a String cannot fail.
        let _ = write!(
            msg,
            "<br>Timeout：{}<br>Fail retry count：{}<br><br><span style=\"color:#00c0ef;\" > \
             >>>>>>>>>>>{TRIGGER_RUN}<<<<<<<<<<< </span><br>",
            self.timeout, self.fail_retry_count
        );
        if let Some(route) = self.route_msg {
            msg.push_str(route);
            msg.push_str("<br><br>");
        }
        msg.push_str(result);
        msg
    }
}

/// The executor-call section: "Trigger：<br>address：…<br>code：…<br>msg：…" (`null` for a
/// missing message, as Java prints it).
pub fn run_result_msg<T>(address: &str, reply: &WireResponse<T>) -> String {
    format!(
        "{TRIGGER_RUN}：<br>address：{address}<br>code：{}<br>msg：{}",
        reply.code,
        reply.msg.as_deref().unwrap_or("null")
    )
}

/// XXL-JOB's English title of a block strategy; unknown names are shown as stored.
fn block_title(name: Option<&str>) -> &str {
    match name.and_then(BlockStrategy::parse) {
        Some(BlockStrategy::SerialExecution) => "Serial execution",
        Some(BlockStrategy::DiscardLater) => "Discard Later",
        Some(BlockStrategy::CoverEarly) => "Cover Early",
        None => name.unwrap_or("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broadcast_shard_report_names_everything_in_xxl_job_order() {
        let addresses = vec!["http://a:9999".to_string(), "http://b:9999".to_string()];
        let reply = WireResponse::<()>::success();
        let result = run_result_msg("http://b:9999", &reply);
        let msg = TriggerReport {
            trigger_type: TriggerType::Cron,
            admin_address: "10.0.0.1:8080",
            manual_registry: false,
            addresses: &addresses,
            route_title: "Sharding Broadcast",
            sharding: Some("1/2"),
            block_strategy: Some("SERIAL_EXECUTION"),
            timeout: 0,
            fail_retry_count: 2,
            route_msg: None,
            result_msg: Some(&result),
        }
        .render();
        assert_eq!(
            msg,
            "Trigger type：Cron trigger<br>Admin address：10.0.0.1:8080<br>Executor registration \
             type：Automatic registration<br>Executor address list：[http://a:9999, http://b:9999]\
             <br>Route strategy：Sharding Broadcast(1/2)<br>Block strategy：Serial execution\
             <br>Timeout：0<br>Fail retry count：2<br><br><span style=\"color:#00c0ef;\" > \
             >>>>>>>>>>>Trigger<<<<<<<<<<< </span><br>Trigger：<br>address：http://b:9999\
             <br>code：200<br>msg：null"
        );
    }

    #[test]
    fn a_route_failure_shows_the_router_message_before_the_result() {
        let msg = TriggerReport {
            trigger_type: TriggerType::Manual,
            admin_address: "admin",
            manual_registry: true,
            addresses: &[],
            route_title: "Failover",
            sharding: None,
            block_strategy: None,
            timeout: 5,
            fail_retry_count: 0,
            route_msg: Some("heartbeat：<br>address：x<br>code：500"),
            result_msg: None,
        }
        .render();
        assert!(msg.contains("Manual registration"), "{msg}");
        assert!(msg.contains("Block strategy：null"), "{msg}");
        assert!(
            msg.ends_with("</span><br>heartbeat：<br>address：x<br>code：500<br><br>"),
            "{msg}"
        );
    }
}
