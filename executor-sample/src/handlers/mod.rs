//! The sample handlers, named as XXL-JOB's sample executor names them.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context as _, bail};
use jobwheel_executor::{ExecutorBuilder, JobContext, job_log};
use serde::Deserialize;

/// Adds every sample handler; `commandJobHandler` only when `enable_command`.
pub fn register(builder: ExecutorBuilder, enable_command: bool) -> ExecutorBuilder {
    let builder = builder
        .handler("demoJobHandler", demo)
        .handler("shardingJobHandler", sharding)
        .handler("httpJobHandler", http)
        .handler("failingJobHandler", failing)
        .handler("slowJobHandler", slow);
    if enable_command {
        builder.handler("commandJobHandler", command)
    } else {
        builder
    }
}

/// Logs a few beats, a second apart, and succeeds.
async fn demo(ctx: JobContext) -> anyhow::Result<String> {
    job_log!(ctx, "XXL-JOB, Hello World. param: {:?}", ctx.param());
    for beat in 0..5 {
        job_log!(ctx, "beat at: {beat}");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    tracing::info!("demoJobHandler finished"); // also in the run log, via JobLogLayer
    Ok("demo done".to_string())
}

/// Shows the shard this executor got in a broadcast job.
async fn sharding(ctx: JobContext) -> anyhow::Result<String> {
    let (index, total) = (ctx.shard_index(), ctx.shard_total());
    job_log!(ctx, "sharding parameters: index = {index}, total = {total}");
    for item in 0..total {
        if item == index {
            job_log!(ctx, "shard {item}: mine, processing");
        } else {
            job_log!(ctx, "shard {item}: skipped");
        }
    }
    Ok(format!("shard {index}/{total}"))
}

/// Always fails, to see failures, retries and alarms.
async fn failing(ctx: JobContext) -> anyhow::Result<String> {
    job_log!(ctx, "about to fail");
    bail!("failingJobHandler always fails (param: {:?})", ctx.param())
}

/// Sleeps `param` seconds (default 300), logging each one: something to kill or time out.
async fn slow(ctx: JobContext) -> anyhow::Result<String> {
    let seconds: u64 = ctx.param().trim().parse().unwrap_or(300);
    for second in 1..=seconds {
        tokio::time::sleep(Duration::from_secs(1)).await;
        job_log!(ctx, "still working: {second}/{seconds} s");
    }
    Ok(format!("slept {seconds} s"))
}

/// Runs the param as a command line (split on whitespace, no shell), output into the run
/// log; a kill or timeout kills its whole process group.
async fn command(ctx: JobContext) -> anyhow::Result<String> {
    let mut words = ctx.param().split_whitespace();
    let program = words.next().context("the param must be a command line")?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(words);
    let status = ctx
        .run_command(cmd)
        .await
        .with_context(|| format!("cannot run `{program}`"))?;
    if !status.success() {
        bail!(
            "command exit value({}) is failed",
            status.code().unwrap_or(-1)
        );
    }
    Ok(String::new())
}

/// The param of `httpJobHandler`: JSON as XXL-JOB 3.x takes it, or 2.x's `key: value` lines.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct HttpParam {
    url: String,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    data: Option<String>,
    /// Seconds.
    #[serde(default)]
    timeout: Option<u64>,
}

impl HttpParam {
    fn parse(param: &str) -> anyhow::Result<Self> {
        let param = param.trim();
        let parsed = if param.starts_with('{') {
            serde_json::from_str(param).context("the param is not valid httpJobHandler JSON")?
        } else {
            let mut p = HttpParam::default();
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
        };
        if !(parsed.url.starts_with("http://") || parsed.url.starts_with("https://")) {
            bail!(
                "url must start with http:// or https://, got {:?}",
                parsed.url
            );
        }
        Ok(parsed)
    }
}

/// Calls a URL and logs the answer; a status other than 2xx fails the run.
async fn http(ctx: JobContext) -> anyhow::Result<String> {
    let param = HttpParam::parse(ctx.param())?;
    let method = param
        .method
        .as_deref()
        .unwrap_or("GET")
        .to_ascii_uppercase();
    let method = reqwest::Method::from_bytes(method.as_bytes()).context("bad HTTP method")?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(param.timeout.unwrap_or(10)))
        .build()?;
    let mut request = client.request(method.clone(), &param.url);
    for (name, value) in &param.headers {
        request = request.header(name, value);
    }
    if let Some(data) = param.data {
        let content_type = param.content_type.as_deref().unwrap_or("application/json");
        request = request.header("Content-Type", content_type).body(data);
    }
    job_log!(ctx, "{method} {}", param.url);
    let response = request.send().await?;
    let status = response.status();
    let body = response.text().await?;
    job_log!(ctx, "status {status}, body: {body}");
    if !status.is_success() {
        bail!("HTTP {status}");
    }
    Ok(format!("HTTP {status}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_param_reads_json_and_legacy_lines() {
        let json = HttpParam::parse(r#"{"url":"http://127.0.0.1/x","method":"POST","data":"{}"}"#)
            .unwrap();
        let lines = HttpParam::parse("url: http://127.0.0.1/x\nmethod: POST\ndata: {}").unwrap();
        assert_eq!(json, lines);
        assert!(HttpParam::parse("url: ftp://x").is_err());
        assert!(HttpParam::parse("").is_err());
    }
}
