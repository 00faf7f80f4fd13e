//! FAILOVER and BUSYOVER ask real executors, in the group's order, and report every answer
//! the way XXL-JOB's console shows it.

mod common {
    pub mod fake_executor;
}

use std::sync::Arc;
use std::time::Duration;

use common::fake_executor::{Behaviour, FakeExecutor, dead_address};
use jobwheel_admin::dispatch::{ExecutorClient, RouteOutcome, RouteStrategy, Routers};
use jobwheel_executor::protocol::messages;
use serde_json::Value;

struct Group {
    dead: String,
    busy: FakeExecutor,
    idle: FakeExecutor,
}

impl Group {
    async fn start() -> Self {
        Self {
            dead: dead_address(),
            busy: FakeExecutor::busy().await,
            idle: FakeExecutor::start(Behaviour::Legacy).await,
        }
    }

    fn addresses(&self) -> Vec<String> {
        vec![
            self.dead.clone(),
            self.busy.address.clone(),
            self.idle.address.clone(),
        ]
    }
}

fn client() -> ExecutorClient {
    ExecutorClient::new(Some("secret".into()), Duration::from_secs(2)).expect("client")
}

fn blocks(report: &str) -> Vec<&str> {
    report.split("<br><br>").collect()
}

#[tokio::test]
async fn failover_skips_the_dead_executor_and_takes_the_first_alive() {
    let group = Group::start().await;
    let client = client();
    let routers = Routers::new();

    let outcome = routers
        .route(
            RouteStrategy::Failover,
            42,
            &group.addresses(),
            &client.probe("demo-app", None),
        )
        .await;

    let RouteOutcome::Address { address, report } = outcome else {
        panic!("expected an address, got {outcome:?}");
    };
    assert_eq!(address, group.busy.address, "busy executors are alive");
    let report = report.expect("failover reports its beats");
    let blocks = blocks(&report);
    assert_eq!(blocks.len(), 2, "{report}");
    assert!(
        blocks[0].starts_with(&format!(
            "heartbeat：<br>address：{}<br>code：500<br>msg：",
            group.dead
        )),
        "{report}"
    );
    assert!(blocks[0].contains("could not connect"), "{report}");
    assert_eq!(
        blocks[1],
        format!(
            "heartbeat：<br>address：{}<br>code：200<br>msg：null",
            group.busy.address
        )
    );
    assert_eq!(
        group.idle.hits("/beat"),
        0,
        "the walk stops at the first success"
    );
    let beat = &group.busy.seen()[0];
    assert_eq!(beat.token.as_deref(), Some("secret"));
    assert_eq!(beat.app_name.as_deref(), Some("demo-app"));
}

#[tokio::test]
async fn busyover_skips_dead_and_busy_executors_and_takes_the_idle_one() {
    let group = Group::start().await;
    let client = client();
    let routers = Routers::new();

    let outcome = routers
        .route(
            RouteStrategy::Busyover,
            42,
            &group.addresses(),
            &client.probe("demo-app", Some("group-token")),
        )
        .await;

    let RouteOutcome::Address { address, report } = outcome else {
        panic!("expected an address, got {outcome:?}");
    };
    assert_eq!(address, group.idle.address);
    let report = report.expect("busyover reports its idle beats");
    let blocks = blocks(&report);
    assert_eq!(blocks.len(), 3, "{report}");
    assert!(
        blocks
            .iter()
            .all(|b| b.starts_with("idleBeat：<br>address："))
    );
    assert_eq!(
        blocks[1],
        format!(
            "idleBeat：<br>address：{}<br>code：500<br>msg：{}",
            group.busy.address,
            messages::JOB_BUSY
        )
    );
    let asked: Value = serde_json::from_str(&group.busy.seen()[0].body).unwrap();
    assert_eq!(asked["jobId"], 42);
    assert_eq!(
        group.idle.seen()[0].token.as_deref(),
        Some("group-token"),
        "the group's token wins over the default"
    );
}

#[tokio::test]
async fn when_every_executor_fails_the_report_is_the_failure() {
    let busy = FakeExecutor::busy().await;
    let dead = dead_address();
    let addresses = vec![dead.clone(), busy.address.clone()];
    let client = client();
    let routers = Routers::new();
    let probe = client.probe("demo-app", None);

    let outcome = routers
        .route(RouteStrategy::Busyover, 1, &addresses, &probe)
        .await;
    let RouteOutcome::Fail(report) = outcome else {
        panic!("expected a failure, got {outcome:?}");
    };
    assert_eq!(blocks(&report).len(), 2, "{report}");
    assert!(report.contains(&dead) && report.contains(&busy.address));

    let outcome = routers
        .route(
            RouteStrategy::Failover,
            1,
            std::slice::from_ref(&dead),
            &probe,
        )
        .await;
    assert!(
        matches!(&outcome, RouteOutcome::Fail(r) if r.starts_with("heartbeat：<br>address：")),
        "{outcome:?}"
    );

    let outcome = routers.route(RouteStrategy::Failover, 1, &[], &probe).await;
    assert!(matches!(outcome, RouteOutcome::Fail(_)), "{outcome:?}");
}

#[tokio::test]
async fn routing_runs_inside_spawned_tasks_sharing_one_router() {
    let group = Group::start().await;
    let routers = Arc::new(Routers::new());
    let client = client();
    let addresses = Arc::new(group.addresses());

    let tasks: Vec<_> = (0..4)
        .map(|job| {
            let (routers, client, addresses) = (routers.clone(), client.clone(), addresses.clone());
            tokio::spawn(async move {
                let probe = client.probe("demo-app", None);
                routers
                    .route(RouteStrategy::Busyover, job, &addresses, &probe)
                    .await
            })
        })
        .collect();

    for task in tasks {
        let outcome = task.await.expect("task");
        assert_eq!(outcome.address(), Some(group.idle.address.as_str()));
    }
}
