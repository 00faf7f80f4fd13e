//! Store conformance for what happens after a fire: failed-log claims, lost-result
//! candidates, the daily report, batched log deletes and GLUE versions, on SQLite and
//! (when configured) MariaDB.

mod common;

use common::{each_store, job, naive, new_log};
use jobwheel_admin::store::{LogReport, LogScope, Store, TriggerRecord, alarm_status};

/// A log of `job_id` triggered at `time`, with the given trigger and handle codes.
async fn log_with(store: &dyn Store, job_id: i32, time: &str, trigger: i32, handle: i32) -> i64 {
    let mut log = new_log(job_id, 0);
    log.trigger_time = naive(time);
    let id = store.insert_log(&log).await.unwrap();
    let record = TriggerRecord {
        trigger_code: trigger,
        trigger_msg: "triggered".into(),
        executor_address: Some("http://127.0.0.1:9999/".into()),
        ..TriggerRecord::default()
    };
    store.record_trigger(id, &record).await.unwrap();
    if handle != 0 {
        assert!(
            store
                .complete_log(id, handle, "done", naive(time))
                .await
                .unwrap()
        );
    }
    id
}

#[tokio::test]
async fn failed_logs_are_claimed_once_and_finished_with_a_message() {
    for (name, store) in each_store().await {
        let t = "2024-05-01 10:00:00";
        let ok = log_with(&*store, 1, t, 200, 200).await;
        let running = log_with(&*store, 1, t, 200, 0).await;
        let trigger_failed = log_with(&*store, 1, t, 500, 0).await;
        let handle_failed = log_with(&*store, 1, t, 200, 500).await;
        let timed_out = log_with(&*store, 1, t, 200, 502).await;

        let failed: Vec<i64> = store
            .failed_unalarmed_logs(100)
            .await
            .unwrap()
            .iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(
            failed,
            [trigger_failed, handle_failed, timed_out],
            "{name}: neither {ok} nor {running}"
        );
        assert_eq!(store.failed_unalarmed_logs(1).await.unwrap().len(), 1);

        let claim =
            |id| store.set_alarm_status(id, alarm_status::DEFAULT, alarm_status::LOCKED, None);
        assert!(claim(trigger_failed).await.unwrap(), "{name}");
        assert!(!claim(trigger_failed).await.unwrap(), "{name}: twice");
        assert!(
            store
                .set_alarm_status(
                    trigger_failed,
                    alarm_status::LOCKED,
                    alarm_status::FAILED,
                    Some("smtp: refused")
                )
                .await
                .unwrap()
        );
        let log = store.get_log(trigger_failed).await.unwrap().unwrap();
        assert_eq!(log.alarm_status, alarm_status::FAILED, "{name}");
        assert_eq!(log.alarm_msg.as_deref(), Some("smtp: refused"), "{name}");
        let left: Vec<i64> = store
            .failed_unalarmed_logs(100)
            .await
            .unwrap()
            .iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(left, [handle_failed, timed_out], "{name}");

        store
            .set_trigger_msg(handle_failed, "triggered<br>retry")
            .await
            .unwrap();
        store
            .set_handle_msg(handle_failed, &"x".repeat(20_000))
            .await
            .unwrap();
        let log = store.get_log(handle_failed).await.unwrap().unwrap();
        assert_eq!(log.trigger_msg.as_deref(), Some("triggered<br>retry"));
        assert_eq!(log.handle_msg.map(|m| m.len()), Some(15_000), "{name}");
        assert!(store.set_trigger_msg(999_999, "x").await.is_err());
    }
}

#[tokio::test]
async fn running_logs_are_listed_by_age_and_paged_by_id() {
    for (name, store) in each_store().await {
        let old_a = log_with(&*store, 1, "2024-05-01 09:00:00", 200, 0).await;
        let _done = log_with(&*store, 1, "2024-05-01 09:00:00", 200, 200).await;
        let _pending = log_with(&*store, 1, "2024-05-01 09:00:00", 0, 0).await;
        let old_b = log_with(&*store, 1, "2024-05-01 09:50:00", 200, 0).await;
        let _young = log_with(&*store, 1, "2024-05-01 09:55:00", 200, 0).await;
        let before = naive("2024-05-01 09:50:00");
        let ids = |logs: Vec<jobwheel_admin::store::JobLog>| -> Vec<i64> {
            logs.iter().map(|l| l.id).collect()
        };
        let all = store.running_logs_before(before, 0, 10).await.unwrap();
        assert_eq!(ids(all), [old_a, old_b], "{name}");
        let first = store.running_logs_before(before, 0, 1).await.unwrap();
        assert_eq!(ids(first), [old_a]);
        let next = store.running_logs_before(before, old_a, 1).await.unwrap();
        assert_eq!(ids(next), [old_b], "{name}");
    }
}

#[tokio::test]
async fn report_days_are_counted_and_saved_once_per_day() {
    for (name, store) in each_store().await {
        for (time, trigger, handle) in [
            ("2024-05-01 00:00:00", 200, 200),
            ("2024-05-01 12:00:00", 200, 0),
            ("2024-05-01 23:59:59", 500, 0),
            ("2024-05-01 18:00:00", 200, 502),
            ("2024-05-02 00:00:00", 200, 200),
        ] {
            log_with(&*store, 1, time, trigger, handle).await;
        }
        let counts = store
            .count_logs(naive("2024-05-01 00:00:00"), naive("2024-05-01 23:59:59"))
            .await
            .unwrap();
        assert_eq!(
            (
                counts.total,
                counts.running,
                counts.success,
                counts.failed()
            ),
            (4, 1, 1, 2),
            "{name}"
        );

        let mut day = LogReport {
            trigger_day: naive("2024-05-01 00:00:00"),
            running_count: 1,
            suc_count: 1,
            fail_count: 2,
            update_time: Some(naive("2024-05-01 23:00:00")),
        };
        store.save_report(&day).await.unwrap();
        day.running_count = 0;
        day.suc_count = 2;
        store.save_report(&day).await.unwrap();
        let next = LogReport {
            trigger_day: naive("2024-05-02 00:00:00"),
            ..day.clone()
        };
        store.save_report(&next).await.unwrap();
        let reports = store
            .list_reports(naive("2024-04-30 00:00:00"), naive("2024-05-02 00:00:00"))
            .await
            .unwrap();
        assert_eq!(reports, [day.clone(), next], "{name}");
        let one = store
            .list_reports(naive("2024-05-01 00:00:00"), naive("2024-05-01 00:00:00"))
            .await
            .unwrap();
        assert_eq!(one, [day], "{name}");
    }
}

#[tokio::test]
async fn logs_are_deleted_in_batches_by_scope() {
    for (name, store) in each_store().await {
        let mut ids = Vec::new();
        for (job_id, time) in [
            (1, "2024-01-01 00:00:00"),
            (2, "2024-01-01 00:00:00"),
            (1, "2024-02-01 00:00:00"),
            (1, "2024-03-01 00:00:00"),
            (1, "2024-04-01 00:00:00"),
        ] {
            ids.push(log_with(&*store, job_id, time, 200, 200).await);
        }
        let old_of_job_1 = LogScope {
            job_id: Some(1),
            before: Some(naive("2024-02-01 00:00:00")),
            ..LogScope::default()
        };
        assert_eq!(
            store.log_ids_in_scope(&old_of_job_1, 10).await.unwrap(),
            [ids[0], ids[2]],
            "{name}"
        );
        assert_eq!(
            store.log_ids_in_scope(&old_of_job_1, 1).await.unwrap(),
            [ids[0]]
        );
        // Keep the newest 2 of job 1: delete below the 2nd newest.
        let second = store.nth_newest_log_id(None, Some(1), 2).await.unwrap();
        assert_eq!(second, Some(ids[3]), "{name}");
        assert_eq!(
            store.nth_newest_log_id(Some(1), Some(2), 2).await.unwrap(),
            None
        );
        let keep_two = LogScope {
            job_id: Some(1),
            below_id: second,
            ..LogScope::default()
        };
        let doomed = store.log_ids_in_scope(&keep_two, 100).await.unwrap();
        assert_eq!(doomed, [ids[0], ids[2]], "{name}");
        assert_eq!(store.delete_logs(&doomed).await.unwrap(), 2);
        assert_eq!(store.delete_logs(&[]).await.unwrap(), 0);
        let left = store
            .log_ids_in_scope(&LogScope::default(), 100)
            .await
            .unwrap();
        assert_eq!(left, [ids[1], ids[3], ids[4]], "{name}");
    }
}

#[tokio::test]
async fn glue_saves_keep_the_newest_versions_and_the_webhook_round_trips() {
    for (name, store) in each_store().await {
        let mut shell = job(1, "shell job", 0);
        shell.glue_type = "GLUE_SHELL".into();
        shell.alarm_webhook = Some("http://127.0.0.1:1/hook".into());
        let id = store.insert_job(&shell).await.unwrap();
        assert_eq!(
            store.get_job(id).await.unwrap().unwrap().alarm_webhook,
            shell.alarm_webhook,
            "{name}"
        );
        for v in 1..=5 {
            let now = naive(&format!("2024-05-01 10:00:0{v}"));
            let source = format!("echo v{v}");
            assert!(
                store
                    .save_glue(id, Some(&source), &format!("version {v}"), now, 3)
                    .await
                    .unwrap()
            );
        }
        let job = store.get_job(id).await.unwrap().unwrap();
        assert_eq!(job.glue_source.as_deref(), Some("echo v5"), "{name}");
        assert_eq!(job.glue_remark.as_deref(), Some("version 5"));
        assert_eq!(job.glue_updatetime, Some(naive("2024-05-01 10:00:05")));
        let versions = store.glue_versions(id).await.unwrap();
        let remarks: Vec<&str> = versions.iter().map(|v| v.glue_remark.as_str()).collect();
        assert_eq!(remarks, ["version 5", "version 4", "version 3"], "{name}");
        assert_eq!(versions[0].glue_type.as_deref(), Some("GLUE_SHELL"));
        let oldest = store.get_glue_version(versions[2].id).await.unwrap();
        assert_eq!(oldest.as_ref(), Some(&versions[2]));
        assert!(
            !store
                .save_glue(id + 100, None, "nope", naive("2024-05-01 10:00:00"), 3)
                .await
                .unwrap()
        );
    }
}
