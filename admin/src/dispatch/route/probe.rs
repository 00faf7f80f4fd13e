//! FAILOVER and BUSYOVER: ask each executor in turn, take the first that says yes.
//!
//! The report of every probe becomes part of the trigger message the console shows, so it is
//! built exactly as XXL-JOB builds it: one block per address tried, blocks separated by
//! `<br><br>`, each `heartbeat：<br>address：…<br>code：…<br>msg：…` (full-width colons; a
//! missing msg prints as `null`, as Java's string concatenation does).

use async_trait::async_trait;
use jobwheel_executor::protocol::WireResponse;

use super::RouteOutcome;

/// The two questions the probing routers ask an executor.
///
/// [`crate::dispatch::ExecutorClient::probe`] answers them over HTTP; the routers only see
/// this trait so that they stay free of transport details.
#[async_trait]
pub trait ExecutorProbe: Send + Sync {
    /// `POST /beat`: is the executor alive?
    async fn beat(&self, address: &str) -> WireResponse<serde_json::Value>;
    /// `POST /idleBeat {jobId}`: is the executor free of this job (not running, nothing queued)?
    async fn idle_beat(&self, address: &str, job_id: i32) -> WireResponse<serde_json::Value>;
}

/// Which probe a walk uses, and the title of its report blocks.
#[derive(Debug, Clone, Copy)]
enum Probe {
    Beat,
    IdleBeat { job_id: i32 },
}

impl Probe {
    fn title(self) -> &'static str {
        match self {
            Self::Beat => "heartbeat",
            Self::IdleBeat { .. } => "idleBeat",
        }
    }

    async fn ask(
        self,
        probe: &dyn ExecutorProbe,
        address: &str,
    ) -> WireResponse<serde_json::Value> {
        match self {
            Self::Beat => probe.beat(address).await,
            Self::IdleBeat { job_id } => probe.idle_beat(address, job_id).await,
        }
    }
}

/// FAILOVER: the first address whose `/beat` answers 200.
pub async fn failover(addresses: &[String], probe: &dyn ExecutorProbe) -> RouteOutcome {
    walk(Probe::Beat, addresses, probe).await
}

/// BUSYOVER: the first address whose `/idleBeat` answers 200.
pub async fn busyover(
    job_id: i32,
    addresses: &[String],
    probe: &dyn ExecutorProbe,
) -> RouteOutcome {
    walk(Probe::IdleBeat { job_id }, addresses, probe).await
}

/// Probes the addresses in order, one at a time, stopping at the first success.
async fn walk(kind: Probe, addresses: &[String], probe: &dyn ExecutorProbe) -> RouteOutcome {
    let mut report = String::new();
    for address in addresses {
        let reply = kind.ask(probe, address).await;
        append_block(&mut report, kind.title(), address, &reply);
        if reply.is_success() {
            return RouteOutcome::Address {
                address: address.clone(),
                report: Some(report),
            };
        }
    }
    RouteOutcome::Fail(report)
}

fn append_block(
    report: &mut String,
    title: &str,
    address: &str,
    reply: &WireResponse<serde_json::Value>,
) {
    if !report.is_empty() {
        report.push_str("<br><br>");
    }
    let msg = reply.msg.as_deref().unwrap_or("null");
    report.push_str(&format!(
        "{title}：<br>address：{address}<br>code：{code}<br>msg：{msg}",
        code = reply.code
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_blocks_are_built_as_xxl_job_builds_them() {
        let mut report = String::new();
        append_block(
            &mut report,
            "heartbeat",
            "http://a/",
            &WireResponse::fail("down"),
        );
        append_block(
            &mut report,
            "heartbeat",
            "http://b/",
            &WireResponse::success(),
        );
        assert_eq!(
            report,
            "heartbeat：<br>address：http://a/<br>code：500<br>msg：down<br><br>\
             heartbeat：<br>address：http://b/<br>code：200<br>msg：null"
        );
    }
}
