//! The harmless sample handlers: what a job looks like when it succeeds, shards, fails or
//! takes long enough to be killed.

use std::time::Duration;

use anyhow::anyhow;
use jobwheel_executor::{JobContext, job_log};

use super::Outcome;

/// `demoJobHandler`: logs five beats a second apart, and succeeds.
pub async fn demo(ctx: JobContext) -> Outcome {
    job_log!(ctx, "XXL-JOB, Hello World. param: {:?}", ctx.param());
    for beat in 0..5 {
        job_log!(ctx, "beat at: {beat}");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    tracing::info!("demoJobHandler finished"); // also in the run log, via JobLogLayer
    Ok("demo done".to_string())
}

/// `shardingJobHandler`: shows the shard this executor got in a broadcast job.
pub async fn sharding(ctx: JobContext) -> Outcome {
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

/// `failingJobHandler`: always fails, to see failures, retries and alarms.
pub async fn failing(ctx: JobContext) -> Outcome {
    job_log!(ctx, "about to fail");
    Err(anyhow!("failingJobHandler always fails (param: {:?})", ctx.param()).into())
}

/// `slowJobHandler`: sleeps `param` seconds (default 300), logging each one: something to
/// kill or time out.
pub async fn slow(ctx: JobContext) -> Outcome {
    let seconds: u64 = ctx.param().trim().parse().unwrap_or(300);
    for second in 1..=seconds {
        tokio::time::sleep(Duration::from_secs(1)).await;
        job_log!(ctx, "still working: {second}/{seconds} s");
    }
    Ok(format!("slept {seconds} s"))
}
