//! A real Jobwheel executor (the SDK) on 127.0.0.1:0, reporting results to a test admin,
//! with handlers that succeed, fail or hang.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use jobwheel_executor::Executor;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running SDK executor; stops (gracefully) when dropped.
pub struct SdkExecutor {
    /// Its registered address, `http://127.0.0.1:<port>/`.
    pub address: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<jobwheel_executor::Result<()>>,
}

impl SdkExecutor {
    /// Starts `app_name` reporting to `admin_base`, with handlers `ok` (returns its param),
    /// `fail` (an error) and `hang` (never returns).
    pub async fn start(admin_base: &str, app_name: &str, dir: &Path) -> Self {
        let bound = Executor::builder()
            .admin_address(admin_base)
            .app_name(app_name)
            .bind_ip([127, 0, 0, 1].into())
            .port(0)
            .log_path(dir.join("logs"))
            .callback_dir(dir.join("callbacks"))
            .heartbeat_interval(Duration::from_millis(200))
            .callback_retry_interval(Duration::from_millis(100))
            .shutdown_grace(Duration::from_millis(200))
            .handler("ok", |ctx| async move {
                ctx.log(format!("ok got {}", ctx.param()));
                Ok::<_, String>(format!("ok:{}", ctx.param()))
            })
            .handler("fail", |ctx| async move {
                ctx.log("failing on purpose");
                Err::<String, _>("it failed on purpose")
            })
            .handler("hang", |ctx| async move {
                ctx.log("line 1 of a long run");
                ctx.log("line 2 of a long run");
                std::future::pending::<()>().await;
                Ok::<_, String>(String::new())
            })
            .build()
            .expect("executor config")
            .bind()
            .await
            .expect("bind executor");
        let address = bound.address().to_string();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(bound.run(async move {
            let _ = stopped.await;
        }));
        Self {
            address,
            stop: Some(stop),
            task,
        }
    }
}

impl Drop for SdkExecutor {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
