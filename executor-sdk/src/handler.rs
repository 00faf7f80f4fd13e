//! Job handlers: what an app registers by name and the admin triggers.
//!
//! Two ways to write one, both async and both cancellable (a kill, a timeout or COVER_EARLY
//! drops the handler's future at its next `.await`):
//! * a closure `|ctx: JobContext| async move { … Ok::<_, E>(msg) }` registered with
//!   [`ExecutorBuilder::handler`](crate::ExecutorBuilder::handler);
//! * a type implementing [`JobHandler`], registered with
//!   [`ExecutorBuilder::job_handler`](crate::ExecutorBuilder::job_handler), for handlers that
//!   carry state (a pool, a client).
//!
//! A handler returns `Ok(message)` for success (handle code 200) or `Err(e)` for failure
//! (handle code 500, `e.to_string()` as the message). A panic is caught and reported as 500.

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::context::JobContext;

/// A named job, implemented as a type. For one-off handlers a closure is shorter.
///
/// ```
/// use jobwheel_executor::{JobContext, JobHandler};
///
/// struct Greeter { greeting: String }
///
/// impl JobHandler for Greeter {
///     type Error = std::io::Error;
///
///     async fn execute(&self, ctx: JobContext) -> Result<String, Self::Error> {
///         ctx.log(format!("{} {}", self.greeting, ctx.param()));
///         Ok("greeted".to_string())
///     }
/// }
/// ```
pub trait JobHandler: Send + Sync + 'static {
    /// The failure type; its `Display` text becomes the run's handle message.
    type Error: Display + Send + 'static;

    /// Runs the job once. The returned string is the handle message of a successful run.
    fn execute(&self, ctx: JobContext) -> impl Future<Output = Result<String, Self::Error>> + Send;
}

/// The runner's view of any handler: type-erased, so handlers of different types share a map.
pub(crate) trait ErasedHandler: Send + Sync + 'static {
    fn call(&self, ctx: JobContext) -> BoxFuture<'static, Result<String, String>>;
}

pub(crate) type BoxedHandler = Arc<dyn ErasedHandler>;

/// Adapts a [`JobHandler`] by sharing it: each run's future owns a clone of the `Arc`, so the
/// future is `'static` and can be cancelled independently of the handler.
struct Shared<H>(Arc<H>);

impl<H: JobHandler> ErasedHandler for Shared<H> {
    fn call(&self, ctx: JobContext) -> BoxFuture<'static, Result<String, String>> {
        let handler = Arc::clone(&self.0);
        Box::pin(async move { handler.execute(ctx).await.map_err(|e| e.to_string()) })
    }
}

/// Adapts an async closure.
struct FnHandler<F>(F);

impl<F, Fut, E> ErasedHandler for FnHandler<F>
where
    F: Fn(JobContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, E>> + Send + 'static,
    E: Display + Send + 'static,
{
    fn call(&self, ctx: JobContext) -> BoxFuture<'static, Result<String, String>> {
        let run = (self.0)(ctx);
        Box::pin(async move { run.await.map_err(|e| e.to_string()) })
    }
}

pub(crate) fn from_trait<H: JobHandler>(handler: H) -> BoxedHandler {
    Arc::new(Shared(Arc::new(handler)))
}

pub(crate) fn from_fn<F, Fut, E>(f: F) -> BoxedHandler
where
    F: Fn(JobContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, E>> + Send + 'static,
    E: Display + Send + 'static,
{
    Arc::new(FnHandler(f))
}
