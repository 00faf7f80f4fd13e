//! The completer: results of runs from many callback requests, written together.
//!
//! Why: an executor posts its results as they finish, so under load with many executors each
//! callback request carries only a few, and each was its own transaction (four round trips
//! and a commit): with 16 executors at 2,000 fires/s that doubled the admin's CPU per fire
//! (BENCHMARKS.md). Callback handlers hand their batch here and wait for the answer; one task
//! writes every batch that gathered since its last pass through [`complete_runs`], so the
//! database sees one transaction per pass however many executors report.
//!
//! A handler still answers only once its results are stored (an error makes the executor
//! resend the batch), so nothing is acknowledged before it is durable.

use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use super::lifecycle::{Completion, RunResult, complete_runs};
use crate::app::AppState;
use crate::dispatch::stage::Stage;
use crate::error::{Error, Result};

/// Most callback requests written in one pass.
const MAX_REQUESTS: usize = 256;

/// The completer of one admin, started at its first use (it needs a running runtime).
#[derive(Clone, Default)]
pub struct Completer {
    stage: Arc<OnceLock<Stage<Request>>>,
}

/// One callback request's results, waiting for their pass.
struct Request {
    state: AppState,
    results: Vec<RunResult>,
    group: Option<i32>,
    reply: oneshot::Sender<Result<Vec<Completion>>>,
}

impl Completer {
    /// Records `results` (see [`complete_runs`]) in the next pass, together with whatever
    /// other requests are waiting, and answers one [`Completion`] per result.
    pub async fn complete(
        &self,
        state: &AppState,
        results: Vec<RunResult>,
        group: Option<i32>,
    ) -> Result<Vec<Completion>> {
        let (reply, answer) = oneshot::channel();
        let request = Request {
            state: state.clone(),
            results,
            group,
            reply,
        };
        let stage = self
            .stage
            .get_or_init(|| Stage::spawn("completer", write_passes));
        if let Err(request) = stage.send(request) {
            return complete_runs(state, &request.results, request.group).await;
        }
        answer
            .await
            .map_err(|_| Error::Internal("the completer stopped before answering".into()))?
    }
}

/// The completer task: takes every waiting request, writes them, repeats.
async fn write_passes(mut receiver: mpsc::UnboundedReceiver<Request>) {
    let mut waiting: Vec<Request> = Vec::new();
    while receiver.recv_many(&mut waiting, MAX_REQUESTS).await > 0 {
        // Write behind the fires still being sent (see `dispatch::in_flight`), and take
        // the requests that arrived meanwhile into the same pass.
        if let Some(in_flight) = waiting.first().map(|r| r.state.in_flight.clone()) {
            in_flight
                .gather_behind(&mut receiver, &mut waiting, MAX_REQUESTS)
                .await;
        }
        let mut pass = std::mem::take(&mut waiting);
        // One write per scope: a group token may only finish its own group's runs.
        while let Some(group) = pass.first().map(|r| r.group) {
            let (same, rest): (Vec<Request>, Vec<Request>) =
                pass.into_iter().partition(|r| r.group == group);
            pass = rest;
            write(same, group).await;
        }
    }
}

/// Writes the results of `requests` in one [`complete_runs`] and answers each its share.
async fn write(requests: Vec<Request>, group: Option<i32>) {
    let Some(state) = requests.first().map(|r| r.state.clone()) else {
        return;
    };
    let results: Vec<RunResult> = requests
        .iter()
        .flat_map(|r| r.results.iter().cloned())
        .collect();
    match complete_runs(&state, &results, group).await {
        Ok(completions) => {
            let mut completions = completions.into_iter();
            for request in requests {
                let share = completions.by_ref().take(request.results.len()).collect();
                let _ = request.reply.send(Ok(share));
            }
        }
        Err(e) => {
            let message = e.to_string();
            for request in requests {
                let _ = request.reply.send(Err(Error::Internal(message.clone())));
            }
        }
    }
}
