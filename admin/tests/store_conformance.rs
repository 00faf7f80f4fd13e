//! The store's contract, checked against every database it supports: each test runs on
//! SQLite and, when `JOBWHEEL_TEST_MYSQL_URL` is set, on a fresh MariaDB database.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::{each_store, group_fields, job, naive, new_log};
use jobwheel_admin::Error;
use jobwheel_admin::store::{
    AddressType, FireState, GroupFilter, JobDispatch, JobFilter, JobInfo, JobSchedule, LogFilter,
    LogStatus, NewLog, Page, ScanPlan, ScheduleUpdate, Store, TriggerRecord,
};
use jobwheel_executor::protocol::{ProtocolGeneration, RegistryParam};

fn heartbeat(app: &str, address: &str) -> RegistryParam {
    RegistryParam {
        registry_group: "EXECUTOR".into(),
        registry_key: app.into(),
        registry_value: address.into(),
    }
}

/// A plan that fires every due job once at its next time and moves it an hour on.
fn fire_all(jobs: Vec<JobSchedule>) -> ScanPlan {
    let mut plan = ScanPlan::default();
    for j in jobs {
        plan.updates.push(ScheduleUpdate {
            job_id: j.id,
            last: j.trigger_next_time,
            next: j.trigger_next_time + 3_600_000,
            status: None,
        });
        plan.fires.push(NewLog {
            job_group: j.job_group,
            job_id: j.id,
            trigger_time: naive("2024-01-02 03:04:05"),
            fire_at: j.trigger_next_time,
            fire_state: FireState::Pending,
            trigger_type: "CRON".into(),
            ..NewLog::default()
        });
    }
    plan
}

/// `count` enabled jobs due one millisecond apart from 1,000 on.
async fn insert_staggered_jobs(store: &dyn Store, count: usize) {
    for i in 0..count {
        store
            .insert_job(&job(1, &format!("j{i}"), 1_000 + i as i64))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_fresh_database_is_migrated_ready_and_unseeded() {
    for (db, s) in each_store().await {
        s.ping().await.unwrap_or_else(|e| panic!("{db}: {e}"));
        assert!(
            s.all_groups().await.unwrap().is_empty(),
            "{db}: no seed groups"
        );
        let (jobs, total) = s
            .list_jobs(&JobFilter::default(), Page::default())
            .await
            .unwrap();
        assert!(jobs.is_empty() && total == 0, "{db}: no seed jobs");
    }
}

#[tokio::test]
async fn groups_are_created_read_updated_and_deleted() {
    for (db, s) in each_store().await {
        let now = naive("2024-05-06 07:08:09");
        let id = s.insert_group(&group_fields("app-b"), now).await.unwrap();
        let mut fields = group_fields("app-a");
        fields.address_type = AddressType::Manual;
        fields.address_list = Some("http://a:9999/,http://b:9999/".into());
        fields.access_token = Some("secret".into());
        fields.protocol = Some(ProtocolGeneration::V3_5);
        let id_a = s.insert_group(&fields, now).await.unwrap();

        let a = s.get_group(id_a).await.unwrap().expect("group a");
        assert_eq!(a.app_name, "app-a", "{db}");
        assert_eq!(a.title, "app-a title", "{db}");
        assert_eq!(a.address_type, AddressType::Manual, "{db}");
        assert_eq!(a.addresses(), ["http://a:9999/", "http://b:9999/"], "{db}");
        assert_eq!(a.access_token.as_deref(), Some("secret"), "{db}");
        assert_eq!(a.protocol, Some(ProtocolGeneration::V3_5), "{db}");
        assert_eq!(a.update_time, Some(now), "{db}");
        assert_eq!(
            s.get_group_by_app_name("app-b")
                .await
                .unwrap()
                .map(|g| g.id),
            Some(id),
            "{db}"
        );
        assert!(
            s.get_group_by_app_name("nope").await.unwrap().is_none(),
            "{db}"
        );

        let dup = s.insert_group(&group_fields("app-a"), now).await;
        assert!(matches!(dup, Err(Error::Conflict(_))), "{db}: {dup:?}");
        let all: Vec<String> = s
            .all_groups()
            .await
            .unwrap()
            .into_iter()
            .map(|g| g.app_name)
            .collect();
        assert_eq!(all, ["app-a", "app-b"], "{db}: ordered by app name");

        let (page, total) = s
            .list_groups(
                &GroupFilter::default(),
                Page {
                    offset: 1,
                    limit: 1,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (page.len(), total, page[0].app_name.as_str()),
            (1, 2, "app-b"),
            "{db}"
        );
        let filter = GroupFilter {
            app_name: Some("-a".into()),
            ..GroupFilter::default()
        };
        let (found, total) = s.list_groups(&filter, Page::default()).await.unwrap();
        assert_eq!((found.len(), total), (1, 1), "{db}");

        let later = naive("2024-05-06 08:00:00");
        let mut renamed = group_fields("app-c");
        renamed.protocol = Some(ProtocolGeneration::Legacy);
        assert!(s.update_group(id, &renamed, later).await.unwrap(), "{db}");
        let c = s.get_group(id).await.unwrap().unwrap();
        assert_eq!(
            (c.app_name.as_str(), c.protocol),
            ("app-c", Some(ProtocolGeneration::Legacy)),
            "{db}"
        );
        let clash = s.update_group(id, &group_fields("app-a"), later).await;
        assert!(matches!(clash, Err(Error::Conflict(_))), "{db}: {clash:?}");
        assert!(
            !s.update_group(9999, &renamed, later).await.unwrap(),
            "{db}"
        );

        s.set_group_addresses(id, Some("http://x:1/"), later)
            .await
            .unwrap();
        assert_eq!(
            s.get_group(id)
                .await
                .unwrap()
                .unwrap()
                .address_list
                .as_deref(),
            Some("http://x:1/"),
            "{db}"
        );
        s.set_group_addresses(id, None, later).await.unwrap();
        assert_eq!(
            s.get_group(id).await.unwrap().unwrap().address_list,
            None,
            "{db}"
        );

        s.insert_job(&job(id, "in c", 0)).await.unwrap();
        assert_eq!(s.count_jobs_in_group(id).await.unwrap(), 1, "{db}");
        assert_eq!(s.count_jobs_in_group(id_a).await.unwrap(), 0, "{db}");

        // Deleting a group takes its executors' heartbeats with it.
        s.registry_save(&heartbeat("app-a", "http://a:9999/"), now)
            .await
            .unwrap();
        s.registry_save(&heartbeat("app-c", "http://c:9999/"), now)
            .await
            .unwrap();
        assert!(s.delete_group(id_a).await.unwrap(), "{db}");
        assert!(!s.delete_group(id_a).await.unwrap(), "{db}: already gone");
        let alive: Vec<String> = s
            .registry_alive(naive("2000-01-01 00:00:00"))
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.registry_key)
            .collect();
        assert_eq!(alive, ["app-c"], "{db}");
    }
}

#[tokio::test]
async fn like_filters_treat_wildcards_and_quotes_as_text() {
    for (db, s) in each_store().await {
        let now = naive("2024-01-01 00:00:00");
        for app in ["a%b", "a_b", "axb", "o'neil", "a!b"] {
            s.insert_group(&group_fields(app), now).await.unwrap();
            s.insert_job(&job(1, &format!("job {app}"), 0))
                .await
                .unwrap();
        }
        for (needle, expected) in [
            ("%", vec!["a%b"]),
            ("_", vec!["a_b"]),
            ("'", vec!["o'neil"]),
            ("!", vec!["a!b"]),
            ("a", vec!["a!b", "a%b", "a_b", "axb"]),
        ] {
            let filter = GroupFilter {
                app_name: Some(needle.into()),
                ..GroupFilter::default()
            };
            let (groups, total) = s.list_groups(&filter, Page::default()).await.unwrap();
            // Sorted here: the two databases collate `_` and letters differently.
            let mut names: Vec<&str> = groups.iter().map(|g| g.app_name.as_str()).collect();
            names.sort_unstable();
            assert_eq!(names, expected, "{db}: app_name contains {needle:?}");
            assert_eq!(total as usize, expected.len(), "{db}");

            let filter = JobFilter {
                job_desc: Some(needle.into()),
                ..JobFilter::default()
            };
            let (_, total) = s.list_jobs(&filter, Page::default()).await.unwrap();
            assert_eq!(
                total as usize,
                expected.len(),
                "{db}: job_desc contains {needle:?}"
            );
        }
    }
}

#[tokio::test]
async fn heartbeats_upsert_expire_and_unregister() {
    for (db, s) in each_store().await {
        let beat = heartbeat("app", "http://10.0.0.5:9999/");
        s.registry_save(&beat, naive("2024-01-01 00:00:00"))
            .await
            .unwrap();
        s.registry_save(&beat, naive("2024-01-01 00:00:30"))
            .await
            .unwrap();
        s.registry_save(
            &heartbeat("app", "http://10.0.0.6:9999/"),
            naive("2024-01-01 00:00:00"),
        )
        .await
        .unwrap();
        let rows = s
            .registry_alive(naive("2023-12-31 23:59:00"))
            .await
            .unwrap();
        assert_eq!(rows.len(), 2, "{db}: one row per executor, not per beat");
        assert_eq!(
            rows[0].update_time,
            Some(naive("2024-01-01 00:00:30")),
            "{db}: refreshed"
        );
        assert_eq!(rows[0].registry_group, "EXECUTOR", "{db}");

        let alive = s
            .registry_alive(naive("2024-01-01 00:00:10"))
            .await
            .unwrap();
        assert_eq!(alive.len(), 1, "{db}: only the fresh beat is alive");
        let dead = s
            .registry_delete_dead(naive("2024-01-01 00:00:10"))
            .await
            .unwrap();
        assert_eq!(dead, 1, "{db}");
        s.registry_remove(&beat).await.unwrap();
        assert!(
            s.registry_alive(naive("2000-01-01 00:00:00"))
                .await
                .unwrap()
                .is_empty(),
            "{db}"
        );
    }
}

#[tokio::test]
async fn jobs_round_trip_every_column() {
    for (db, s) in each_store().await {
        let mut j = job(3, "nightly report", 1_700_000_000_123);
        j.alarm_email = Some("ops@example.com".into());
        j.executor_param = Some("p=1".into());
        j.executor_timeout = 30;
        j.executor_fail_retry_count = 2;
        j.glue_source = Some("echo hi".into());
        j.glue_remark = Some("v1".into());
        j.child_jobid = Some("7,8".into());
        j.trigger_last_time = 1_699_999_999_000;
        j.time_zone = Some("Asia/Shanghai".into());
        let id = s.insert_job(&j).await.unwrap();
        j.id = id;
        assert_eq!(s.get_job(id).await.unwrap().as_ref(), Some(&j), "{db}");

        j.job_desc = "renamed".into();
        j.time_zone = None;
        j.trigger_status = 0;
        j.update_time = Some(naive("2025-02-03 04:05:06"));
        assert!(s.update_job(&j).await.unwrap(), "{db}");
        assert_eq!(s.get_job(id).await.unwrap().as_ref(), Some(&j), "{db}");
        let missing = JobInfo {
            id: 9999,
            ..j.clone()
        };
        assert!(!s.update_job(&missing).await.unwrap(), "{db}");

        // A guarded edit loses against a scan that moved the job since it was read.
        let seen = s.get_job(id).await.unwrap().unwrap();
        let mut edit = seen.clone();
        edit.job_desc = "edited".into();
        assert!(s.set_job_schedule(id, 1, 10, 20).await.unwrap(), "{db}");
        assert!(
            !s.update_job_guarded(&edit, seen.trigger_status, seen.trigger_next_time)
                .await
                .unwrap(),
            "{db}: the scan moved it"
        );
        assert_eq!(
            s.get_job(id).await.unwrap().unwrap().trigger_next_time,
            20,
            "{db}"
        );
        let seen = s.get_job(id).await.unwrap().unwrap();
        let edit = JobInfo {
            job_desc: "edited".into(),
            ..seen.clone()
        };
        assert!(
            s.update_job_guarded(&edit, seen.trigger_status, seen.trigger_next_time)
                .await
                .unwrap(),
            "{db}: unchanged since read"
        );
        assert_eq!(s.get_job(id).await.unwrap().as_ref(), Some(&edit), "{db}");
        s.update_job(&j).await.unwrap();

        assert!(s.set_job_schedule(id, 1, 5, 6).await.unwrap(), "{db}");
        let got = s.get_job(id).await.unwrap().unwrap();
        assert_eq!(
            (
                got.trigger_status,
                got.trigger_last_time,
                got.trigger_next_time
            ),
            (1, 5, 6),
            "{db}"
        );
        assert!(!s.set_job_schedule(9999, 1, 5, 6).await.unwrap(), "{db}");
    }
}

#[tokio::test]
async fn job_lists_filter_and_page_newest_first() {
    for (db, s) in each_store().await {
        let mut ids = Vec::new();
        for (group, desc, handler, author, status) in [
            (1, "alpha", "h1", "ann", 1),
            (1, "beta", "h2", "bob", 0),
            (2, "gamma", "h1", "ann", 1),
        ] {
            let mut j = job(group, desc, 0);
            j.executor_handler = Some(handler.into());
            j.author = Some(author.into());
            j.trigger_status = status;
            ids.push(s.insert_job(&j).await.unwrap());
        }
        let list = |f: JobFilter| {
            let s = s.store.clone();
            async move {
                let (jobs, total) = s.list_jobs(&f, Page::default()).await.unwrap();
                (jobs.into_iter().map(|j| j.id).collect::<Vec<_>>(), total)
            }
        };
        assert_eq!(
            list(JobFilter::default()).await,
            (vec![ids[2], ids[1], ids[0]], 3),
            "{db}"
        );
        assert_eq!(
            list(JobFilter {
                job_group: Some(1),
                ..Default::default()
            })
            .await,
            (vec![ids[1], ids[0]], 2),
            "{db}"
        );
        assert_eq!(
            list(JobFilter {
                trigger_status: Some(0),
                ..Default::default()
            })
            .await,
            (vec![ids[1]], 1),
            "{db}"
        );
        assert_eq!(
            list(JobFilter {
                executor_handler: Some("h1".into()),
                ..Default::default()
            })
            .await,
            (vec![ids[2], ids[0]], 2),
            "{db}"
        );
        assert_eq!(
            list(JobFilter {
                author: Some("bo".into()),
                ..Default::default()
            })
            .await,
            (vec![ids[1]], 1),
            "{db}"
        );
        let (page, total) = s
            .list_jobs(
                &JobFilter::default(),
                Page {
                    offset: 2,
                    limit: 5,
                },
            )
            .await
            .unwrap();
        assert_eq!((page.len(), total), (1, 3), "{db}");
    }
}

#[tokio::test]
async fn deleting_a_job_deletes_its_logs() {
    for (db, s) in each_store().await {
        let keep = s.insert_job(&job(1, "keep", 0)).await.unwrap();
        let gone = s.insert_job(&job(1, "gone", 0)).await.unwrap();
        let kept_log = s.insert_log(&new_log(keep, 1)).await.unwrap();
        let gone_log = s.insert_log(&new_log(gone, 1)).await.unwrap();
        assert!(s.delete_job(gone).await.unwrap(), "{db}");
        assert!(!s.delete_job(gone).await.unwrap(), "{db}");
        assert!(s.get_job(gone).await.unwrap().is_none(), "{db}");
        assert!(s.get_log(gone_log).await.unwrap().is_none(), "{db}");
        assert!(s.get_log(kept_log).await.unwrap().is_some(), "{db}");
    }
}

#[tokio::test]
async fn a_scan_plans_due_jobs_and_records_their_fires() {
    for (db, s) in each_store().await {
        let due = s.insert_job(&job(1, "due", 1_000)).await.unwrap();
        let later = s.insert_job(&job(1, "later", 9_000)).await.unwrap();
        let mut stopped = job(1, "stopped", 1_000);
        stopped.trigger_status = 0;
        let stopped = s.insert_job(&stopped).await.unwrap();
        let also_due = s.insert_job(&job(1, "also due", 2_000)).await.unwrap();

        let mut seen = Vec::new();
        let fires = s
            .schedule_scan(5_000, 100, &mut |jobs: Vec<JobSchedule>| {
                seen = jobs.iter().map(|j| j.id).collect();
                let mut plan = fire_all(jobs);
                // A plan must not revive a job stopped meanwhile: the guard holds.
                plan.updates.push(ScheduleUpdate {
                    job_id: stopped,
                    last: 1,
                    next: 2,
                    status: None,
                });
                // A job without a next fire is stopped.
                plan.updates.retain(|u| u.job_id != also_due);
                plan.updates.push(ScheduleUpdate {
                    job_id: also_due,
                    last: 2_000,
                    next: 0,
                    status: Some(0),
                });
                plan
            })
            .await
            .unwrap();
        assert_eq!(
            seen,
            [due, also_due],
            "{db}: enabled, due, most urgent first"
        );
        assert_eq!(fires.len(), 2, "{db}");
        assert_eq!((fires[0].job_id, fires[0].fire_at), (due, 1_000), "{db}");
        assert_eq!(
            (fires[1].job_id, fires[1].fire_at),
            (also_due, 2_000),
            "{db}"
        );

        let j = s.get_job(due).await.unwrap().unwrap();
        assert_eq!(
            (j.trigger_last_time, j.trigger_next_time, j.trigger_status),
            (1_000, 3_601_000, 1),
            "{db}"
        );
        let j = s.get_job(also_due).await.unwrap().unwrap();
        assert_eq!((j.trigger_status, j.trigger_next_time), (0, 0), "{db}");
        let j = s.get_job(stopped).await.unwrap().unwrap();
        assert_eq!(
            (j.trigger_status, j.trigger_last_time, j.trigger_next_time),
            (0, 0, 1_000),
            "{db}: untouched"
        );
        assert_eq!(
            s.get_job(later).await.unwrap().unwrap().trigger_next_time,
            9_000,
            "{db}"
        );

        let log = s.get_log(fires[0].log_id).await.unwrap().expect("fire log");
        assert_eq!(log.fire_state, FireState::Pending, "{db}");
        assert_eq!(
            (log.job_id, log.fire_at, log.trigger_type.as_deref()),
            (due, Some(1_000), Some("CRON")),
            "{db}"
        );
        assert_eq!((log.trigger_code, log.handle_code), (0, 0), "{db}");

        // The limit caps the jobs read; nothing due means no fires.
        let fires = s.schedule_scan(5_000, 100, &mut fire_all).await.unwrap();
        assert!(fires.is_empty(), "{db}: nothing left due");
        let mut count = 0;
        s.schedule_scan(10_000, 1, &mut |jobs: Vec<JobSchedule>| {
            count = jobs.len();
            ScanPlan::default()
        })
        .await
        .unwrap();
        assert_eq!(count, 1, "{db}: limit");
    }
}

#[tokio::test]
async fn a_scan_over_its_limit_reads_the_most_urgent_jobs_first() {
    for (db, s) in each_store().await {
        // More jobs due than one scan reads: the low id already planned ahead must not
        // shadow the higher id that is due first (else it starves scan after scan).
        let planned_ahead = s.insert_job(&job(1, "planned ahead", 4_000)).await.unwrap();
        let overdue = s.insert_job(&job(1, "overdue", 1_000)).await.unwrap();
        let mut seen = Vec::new();
        s.schedule_scan(5_000, 1, &mut |jobs: Vec<JobSchedule>| {
            seen = jobs.iter().map(|j| j.id).collect();
            ScanPlan::default()
        })
        .await
        .unwrap();
        assert_eq!(seen, [overdue], "{db}: not {planned_ahead}");
    }
}

#[tokio::test]
async fn a_scan_of_many_jobs_batches_its_writes() {
    for (db, s) in each_store().await {
        let jobs = 1_200;
        insert_staggered_jobs(s.store.as_ref(), jobs).await;
        let fires = s.schedule_scan(10_000, 5_000, &mut fire_all).await.unwrap();
        assert_eq!(fires.len(), jobs, "{db}");
        let ids: HashSet<i64> = fires.iter().map(|f| f.log_id).collect();
        assert_eq!(ids.len(), jobs, "{db}: distinct log ids");
        for fire in fires.iter().step_by(97) {
            let log = s.get_log(fire.log_id).await.unwrap().unwrap();
            assert_eq!(
                (log.job_id, log.fire_at),
                (fire.job_id, Some(fire.fire_at)),
                "{db}"
            );
        }
        let (_, still_due) = s
            .list_jobs(
                &JobFilter::default(),
                Page {
                    offset: 0,
                    limit: 1,
                },
            )
            .await
            .unwrap();
        assert_eq!(still_due, jobs as i64, "{db}");
        assert!(
            s.schedule_scan(10_000, 5_000, &mut fire_all)
                .await
                .unwrap()
                .is_empty(),
            "{db}: all advanced"
        );
    }
}

/// A scan's fires keep their own log ids while other writers (manual triggers, retries,
/// another admin's sweeper) insert log rows at the same moment: every fire the scan returns
/// names the row holding that job's fire, across several insert statements.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_scan_numbers_its_fires_right_while_others_insert_logs() {
    for (db, s) in each_store().await {
        let jobs = 1_200;
        insert_staggered_jobs(s.store.as_ref(), jobs).await;
        let stop = tokio_util::sync::CancellationToken::new();
        let writer = {
            let store = s.store.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut written = 0;
                while !stop.is_cancelled() {
                    store.insert_log(&new_log(999_999, 7)).await.unwrap();
                    written += 1;
                }
                written
            })
        };
        let mut fires = Vec::new();
        while fires.len() < jobs {
            fires.extend(s.schedule_scan(10_000, 300, &mut fire_all).await.unwrap());
        }
        stop.cancel();
        let written = writer.await.unwrap();
        assert!(written > 0, "{db}: the other writer wrote meanwhile");
        let ids: HashSet<i64> = fires.iter().map(|f| f.log_id).collect();
        assert_eq!(ids.len(), jobs, "{db}: distinct log ids");
        for fire in &fires {
            let log = s.get_log(fire.log_id).await.unwrap().unwrap();
            assert_eq!(
                (log.job_id, log.fire_at),
                (fire.job_id, Some(fire.fire_at)),
                "{db}: log {}",
                fire.log_id
            );
        }
        if db == "mysql" {
            // On a server that numbers a multi-row insert's rows consecutively, the scan
            // counts its ids instead of reading its rows back (which tags them with a token).
            use sqlx::Row;
            let mut raw = raw_mysql(&s.url).await;
            let row = sqlx::query(
                "SELECT CAST(@@innodb_autoinc_lock_mode AS SIGNED), \
                 (SELECT COUNT(*) FROM xxl_job_log WHERE jobwheel_batch IS NOT NULL)",
            )
            .fetch_one(&mut raw)
            .await
            .unwrap();
            let (mode, tagged): (i64, i64) = (row.get(0), row.get(1));
            let expected = if mode <= 1 { 0 } else { jobs as i64 };
            assert_eq!(tagged, expected, "{db}: autoinc lock mode {mode}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_scans_never_plan_a_job_twice() {
    for (db, s) in each_store().await {
        for i in 0..200 {
            s.insert_job(&job(1, &format!("j{i}"), 1_000))
                .await
                .unwrap();
        }
        let scans = (0..4).map(|_| {
            let store: Arc<dyn Store> = s.store.clone();
            tokio::spawn(async move {
                let mut fired = Vec::new();
                for _ in 0..5 {
                    let fires = store.schedule_scan(5_000, 60, &mut fire_all).await.unwrap();
                    fired.extend(fires.into_iter().map(|f| f.job_id));
                }
                fired
            })
        });
        let mut all = Vec::new();
        for scan in futures::future::join_all(scans).await {
            all.extend(scan.unwrap());
        }
        let distinct: HashSet<i32> = all.iter().copied().collect();
        assert_eq!(all.len(), 200, "{db}: every job fired once across 4 admins");
        assert_eq!(distinct.len(), 200, "{db}: no job planned twice");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_one_claimer_wins_a_fire() {
    for (db, s) in each_store().await {
        let mut pending = new_log(1, 1_000);
        pending.fire_state = FireState::Pending;
        let log_id = s.insert_log(&pending).await.unwrap();
        let claims = (0..20).map(|_| {
            let store = s.store.clone();
            tokio::spawn(async move { store.claim_fire(log_id).await.unwrap() })
        });
        let wins = futures::future::join_all(claims)
            .await
            .into_iter()
            .filter(|won| *won.as_ref().unwrap())
            .count();
        assert_eq!(wins, 1, "{db}");
        assert_eq!(
            s.get_log(log_id).await.unwrap().unwrap().fire_state,
            FireState::Claimed,
            "{db}"
        );
        let done = s.insert_log(&new_log(1, 1_000)).await.unwrap();
        assert!(
            !s.claim_fire(done).await.unwrap(),
            "{db}: a done fire cannot be claimed"
        );
        assert!(
            !s.claim_fire(424_242).await.unwrap(),
            "{db}: nor a missing one"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admins_claiming_overlapping_batches_win_each_fire_exactly_once() {
    for (db, s) in each_store().await {
        let mut ids = Vec::new();
        for i in 0..60 {
            let mut pending = new_log(1, 1_000 + i);
            pending.fire_state = FireState::Pending;
            ids.push(s.insert_log(&pending).await.unwrap());
        }
        // Four admins each claim a different, overlapping window of the same fires.
        let claims = (0..4).map(|admin| {
            let store = s.store.clone();
            let window: Vec<i64> = ids[admin * 10..admin * 10 + 30].to_vec();
            tokio::spawn(async move { store.claim_fires(&window).await.unwrap() })
        });
        let mut won = Vec::new();
        for claim in futures::future::join_all(claims).await {
            won.extend(claim.unwrap());
        }
        let distinct: HashSet<i64> = won.iter().copied().collect();
        assert_eq!(won.len(), distinct.len(), "{db}: a fire won twice");
        assert_eq!(
            distinct,
            ids[..60].iter().copied().collect::<HashSet<_>>(),
            "{db}: every fire in some window is won by someone"
        );
        assert!(
            s.claim_fires(&ids).await.unwrap().is_empty(),
            "{db}: claimed fires cannot be claimed again"
        );
        assert!(s.claim_fires(&[]).await.unwrap().is_empty(), "{db}");
    }
}

#[tokio::test]
async fn a_batch_of_trigger_outcomes_is_written_in_one_call() {
    for (db, s) in each_store().await {
        let mut records = Vec::new();
        for i in 0..3 {
            let mut log = new_log(7, 1_000);
            log.fire_state = FireState::Claimed;
            let id = s.insert_log(&log).await.unwrap();
            records.push((
                id,
                TriggerRecord {
                    trigger_code: if i == 1 { 500 } else { 200 },
                    trigger_msg: format!("msg {i} 'quoted' <b>"),
                    executor_address: (i != 1).then(|| format!("http://e{i}:9999/")),
                    executor_handler: Some("demo".into()),
                    executor_param: None,
                    executor_sharding_param: (i == 2).then(|| "2/3".into()),
                    executor_fail_retry_count: i,
                },
            ));
        }
        records.push((424_242, TriggerRecord::default()));
        assert_eq!(
            s.record_triggers(&records).await.unwrap(),
            3,
            "{db}: the missing row is skipped"
        );
        for (id, record) in &records[..3] {
            let got = s.get_log(*id).await.unwrap().unwrap();
            assert_eq!(got.fire_state, FireState::Done, "{db}");
            assert_eq!(
                (
                    got.trigger_code,
                    got.trigger_msg.as_deref(),
                    got.executor_address.as_deref(),
                    got.executor_sharding_param.as_deref(),
                    got.executor_fail_retry_count,
                ),
                (
                    record.trigger_code,
                    Some(record.trigger_msg.as_str()),
                    record.executor_address.as_deref(),
                    record.executor_sharding_param.as_deref(),
                    record.executor_fail_retry_count,
                ),
                "{db}: row {id}"
            );
        }
    }
}

#[tokio::test]
async fn a_batch_of_results_writes_only_runs_without_one() {
    for (db, s) in each_store().await {
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(s.insert_log(&new_log(7, 1_000)).await.unwrap());
        }
        let at = naive("2024-01-02 03:05:00");
        assert!(s.complete_log(ids[0], 500, "first", at).await.unwrap());
        let mut asked = Vec::new();
        let wanted = [ids[0], ids[1], ids[2], 424_242];
        let completed = s
            .complete_logs(&wanted, at, &mut |log| {
                asked.push(log.id);
                (log.id != ids[2]).then(|| (200, format!("done {}", log.id)))
            })
            .await
            .unwrap();
        asked.sort_unstable();
        assert_eq!(asked, [ids[1], ids[2]], "{db}: only runs without a result");
        assert_eq!(completed.written, [ids[1]], "{db}");
        let mut found: Vec<i64> = completed.found.iter().map(|l| l.id).collect();
        found.sort_unstable();
        assert_eq!(found, ids, "{db}: the missing id is not found");
        let got = |id| {
            let s = s.store.clone();
            async move { s.get_log(id).await.unwrap().unwrap() }
        };
        assert_eq!(
            (got(ids[0]).await.handle_code, got(ids[0]).await.handle_msg),
            (500, Some("first".into())),
            "{db}: first result wins"
        );
        let written = got(ids[1]).await;
        assert_eq!(
            (written.handle_code, written.handle_msg, written.handle_time),
            (200, Some(format!("done {}", ids[1])), Some(at)),
            "{db}"
        );
        assert_eq!(got(ids[2]).await.handle_code, 0, "{db}: declined");
    }
}

#[tokio::test]
async fn jobs_and_groups_are_read_by_id_lists() {
    for (db, s) in each_store().await {
        let g1 = s
            .insert_group(&group_fields("app-a"), naive("2024-01-01 00:00:00"))
            .await
            .unwrap();
        let g2 = s
            .insert_group(&group_fields("app-b"), naive("2024-01-01 00:00:00"))
            .await
            .unwrap();
        let j1 = s
            .insert_job(&JobInfo {
                executor_param: Some("p=1".into()),
                executor_timeout: 7,
                glue_type: "GLUE_SHELL".into(),
                glue_source: Some("echo one".into()),
                ..job(g1, "one", 1_000)
            })
            .await
            .unwrap();
        let j2 = s.insert_job(&job(g2, "two", 1_000)).await.unwrap();
        let mut jobs = s.jobs_to_dispatch(&[j2, j1, 999_999]).await.unwrap();
        jobs.sort_by_key(|j| j.id);
        let whole = [
            s.get_job(j1).await.unwrap().unwrap(),
            s.get_job(j2).await.unwrap().unwrap(),
        ];
        // What the trigger sends is what the job holds, column for column.
        let expected: Vec<JobDispatch> = whole
            .into_iter()
            .map(|job| JobDispatch {
                id: job.id,
                job_group: job.job_group,
                executor_route_strategy: job.executor_route_strategy,
                executor_handler: job.executor_handler,
                executor_param: job.executor_param,
                executor_block_strategy: job.executor_block_strategy,
                executor_timeout: job.executor_timeout,
                glue_type: job.glue_type,
                glue_source: job.glue_source,
                glue_updatetime: job.glue_updatetime,
            })
            .collect();
        assert_eq!(jobs, expected, "{db}");
        assert_eq!((jobs[0].job_group, jobs[1].job_group), (g1, g2), "{db}");
        assert_eq!(jobs[0].executor_param.as_deref(), Some("p=1"), "{db}");
        assert_eq!(jobs[0].glue_source.as_deref(), Some("echo one"), "{db}");
        assert_eq!(jobs[0].executor_timeout, 7, "{db}");
        let mut groups: Vec<String> = s
            .get_groups(&[g1, g2, 999])
            .await
            .unwrap()
            .into_iter()
            .map(|g| g.app_name)
            .collect();
        groups.sort();
        assert_eq!(groups, ["app-a", "app-b"], "{db}");
        assert!(s.jobs_to_dispatch(&[]).await.unwrap().is_empty(), "{db}");
    }
}

#[tokio::test]
async fn child_lists_are_read_only_for_jobs_that_have_children() {
    for (db, s) in each_store().await {
        let g = s
            .insert_group(&group_fields("app-c"), naive("2024-01-01 00:00:00"))
            .await
            .unwrap();
        let mut parent = job(g, "parent", 1_000);
        parent.child_jobid = Some("7,8".into());
        let parent = s.insert_job(&parent).await.unwrap();
        let mut blank = job(g, "blank", 1_000);
        blank.child_jobid = Some(String::new());
        let blank = s.insert_job(&blank).await.unwrap();
        let mut none = job(g, "none", 1_000);
        none.child_jobid = None;
        let none = s.insert_job(&none).await.unwrap();
        let lists = s
            .child_job_lists(&[none, blank, parent, 999_999])
            .await
            .unwrap();
        assert_eq!(lists, [(parent, "7,8".to_string())], "{db}");
        assert!(s.child_job_lists(&[]).await.unwrap().is_empty(), "{db}");
    }
}

#[tokio::test]
async fn a_fire_claimed_too_late_goes_back_to_pending_once() {
    for (db, s) in each_store().await {
        let mut pending = new_log(1, 1_000);
        pending.fire_state = FireState::Pending;
        let log_id = s.insert_log(&pending).await.unwrap();
        assert!(
            !s.release_fire(log_id).await.unwrap(),
            "{db}: only a claimed fire is released"
        );
        assert!(s.claim_fire(log_id).await.unwrap(), "{db}");
        assert!(s.release_fire(log_id).await.unwrap(), "{db}");
        assert!(!s.release_fire(log_id).await.unwrap(), "{db}: once");
        let log = s.get_log(log_id).await.unwrap().unwrap();
        assert_eq!(log.fire_state, FireState::Pending, "{db}");
        assert_eq!(
            s.orphan_fires(5_000, 10).await.unwrap()[0].id,
            log_id,
            "{db}: the orphan sweeper sees it again"
        );
    }
}

#[tokio::test]
async fn a_miss_is_compensated_only_while_the_schedule_has_not_moved_past_it() {
    for (db, s) in each_store().await {
        let mut planned = job(1, "planned", 10_000);
        planned.trigger_last_time = 9_000;
        let id = s.insert_job(&planned).await.unwrap();
        assert!(
            s.note_compensation(id, 9_000, 20_000).await.unwrap(),
            "{db}: the first finder compensates"
        );
        assert_eq!(
            s.get_job(id).await.unwrap().unwrap().trigger_last_time,
            20_000
        );
        assert!(
            !s.note_compensation(id, 9_000, 21_000).await.unwrap(),
            "{db}: the second does not"
        );
        assert_eq!(
            s.get_job(id).await.unwrap().unwrap().trigger_last_time,
            20_000
        );
    }
}

/// The orphan sweeper notes a compensation (a conditional update of the job) while a scan of
/// another admin may be planning the same overdue job. The scan must either see the note or
/// make it fail; if it planned from a stale read and overwrote the note, the miss would be
/// compensated twice (seen in CI on MariaDB, whose plain reads in a transaction are
/// snapshots).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_compensation_noted_while_a_scan_plans_the_job_is_never_doubled() {
    for (db, s) in each_store().await {
        let mut missed = job(1, "missed", 10_000);
        missed.trigger_last_time = 9_000;
        let id = s.insert_job(&missed).await.unwrap();
        let store = s.store.clone();
        let mut sweeper = None;
        let mut scan_compensates = false;
        let mut plan = |jobs: Vec<JobSchedule>| {
            let job = &jobs[0];
            // Compensated already when the last fire is past the miss (as `plan_job` reads it).
            scan_compensates = job.trigger_last_time < job.trigger_next_time + 5_000;
            let store = store.clone();
            sweeper = Some(tokio::spawn(async move {
                store.note_compensation(id, 10_000, 20_000).await
            }));
            // The sweeper's update lands now unless the scan holds the job.
            std::thread::sleep(std::time::Duration::from_millis(500));
            let mut plan = ScanPlan::default();
            plan.updates.push(ScheduleUpdate {
                job_id: job.id,
                last: if scan_compensates {
                    25_000
                } else {
                    job.trigger_last_time
                },
                next: 40_000,
                status: None,
            });
            plan
        };
        s.schedule_scan(30_000, 10, &mut plan).await.unwrap();
        let noted = sweeper.unwrap().await.unwrap().unwrap();
        assert!(
            noted != scan_compensates,
            "{db}: one compensation per miss (sweeper {noted}, scan {scan_compensates})"
        );
    }
}

/// A job deleted while a scan plans its fires: both finish (neither is picked as a
/// deadlock victim) and nothing of the job is left, its new fires included.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_deleted_while_a_scan_plans_it_goes_with_its_fires() {
    for (db, s) in each_store().await {
        let id = s.insert_job(&job(1, "deleted", 1_000)).await.unwrap();
        let old_log = s.insert_log(&new_log(id, 500)).await.unwrap();
        let store = s.store.clone();
        let mut deletion = None;
        let mut plan = |jobs: Vec<JobSchedule>| {
            let store = store.clone();
            deletion = Some(tokio::spawn(async move { store.delete_job(id).await }));
            // The delete runs now, as far as the scan's locks let it.
            std::thread::sleep(std::time::Duration::from_millis(500));
            fire_all(jobs)
        };
        let scanned = s.schedule_scan(5_000, 10, &mut plan).await;
        let deleted = deletion.unwrap().await.unwrap();
        let fires = scanned.expect("the scan is no deadlock victim");
        assert_eq!(fires.len(), 1, "{db}");
        assert!(deleted.unwrap(), "{db}: the delete");
        assert!(s.get_job(id).await.unwrap().is_none(), "{db}");
        for log in [old_log, fires[0].log_id] {
            assert!(
                s.get_log(log).await.unwrap().is_none(),
                "{db}: log {log} left"
            );
        }
    }
}

#[tokio::test]
async fn orphan_fires_are_the_overdue_pending_ones() {
    for (db, s) in each_store().await {
        let mut ids = Vec::new();
        for (fire_at, state) in [
            (3_000, FireState::Pending),
            (1_000, FireState::Pending),
            (2_000, FireState::Claimed),
            (2_500, FireState::Done),
            (9_000, FireState::Pending),
        ] {
            let mut log = new_log(1, fire_at);
            log.fire_state = state;
            ids.push(s.insert_log(&log).await.unwrap());
        }
        let orphans: Vec<i64> = s
            .orphan_fires(5_000, 10)
            .await
            .unwrap()
            .iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(
            orphans,
            [ids[1], ids[0]],
            "{db}: pending, overdue, oldest first"
        );
        assert_eq!(
            s.orphan_fires(5_000, 1).await.unwrap().len(),
            1,
            "{db}: limit"
        );
    }
}

#[tokio::test]
async fn trigger_outcomes_and_first_results_are_recorded() {
    for (db, s) in each_store().await {
        let mut log = new_log(7, 1_000);
        log.fire_state = FireState::Claimed;
        log.executor_fail_retry_count = 3;
        log.executor_param = Some("retry param".into());
        log.executor_sharding_param = Some("1/2".into());
        let id = s.insert_log(&log).await.unwrap();
        let got = s.get_log(id).await.unwrap().unwrap();
        assert_eq!(
            (
                got.executor_fail_retry_count,
                got.executor_param.as_deref(),
                got.executor_sharding_param.as_deref()
            ),
            (3, Some("retry param"), Some("1/2")),
            "{db}"
        );
        assert_eq!(got.trigger_time, Some(naive("2024-01-02 03:04:05")), "{db}");

        let record = TriggerRecord {
            trigger_code: 200,
            trigger_msg: "<br>ok".into(),
            executor_address: Some("http://e:9999/".into()),
            executor_handler: Some("demo".into()),
            executor_param: Some("p".into()),
            executor_sharding_param: None,
            executor_fail_retry_count: 2,
        };
        s.record_trigger(id, &record).await.unwrap();
        let got = s.get_log(id).await.unwrap().unwrap();
        assert_eq!(got.fire_state, FireState::Done, "{db}");
        assert_eq!(
            (
                got.trigger_code,
                got.trigger_msg.as_deref(),
                got.executor_address.as_deref()
            ),
            (200, Some("<br>ok"), Some("http://e:9999/")),
            "{db}"
        );
        assert_eq!(got.executor_fail_retry_count, 2, "{db}");
        let missing = s.record_trigger(424_242, &record).await;
        assert!(
            matches!(missing, Err(Error::NotFound(_))),
            "{db}: {missing:?}"
        );

        let long = "é".repeat(20_000);
        let at = naive("2024-01-02 03:05:00");
        assert!(s.complete_log(id, 200, &long, at).await.unwrap(), "{db}");
        assert!(
            !s.complete_log(id, 500, "late", at).await.unwrap(),
            "{db}: first result wins"
        );
        let got = s.get_log(id).await.unwrap().unwrap();
        assert_eq!((got.handle_code, got.handle_time), (200, Some(at)), "{db}");
        assert_eq!(
            got.handle_msg.unwrap().chars().count(),
            15_000,
            "{db}: truncated"
        );
    }
}

#[tokio::test]
async fn log_lists_filter_by_status_job_and_time() {
    for (db, s) in each_store().await {
        // (job, trigger_code, handle_code, trigger_time)
        let rows = [
            (1, 200, 200, "2024-01-01 10:00:00"), // success
            (1, 500, 0, "2024-01-01 11:00:00"),   // trigger failed
            (2, 200, 0, "2024-01-01 12:00:00"),   // running
            (2, 200, 502, "2024-01-02 10:00:00"), // timed out
            (2, 0, 0, "2024-01-02 11:00:00"),     // just fired
        ];
        let mut ids = Vec::new();
        for (job_id, trigger_code, handle_code, time) in rows {
            let mut log = new_log(job_id, 0);
            log.job_group = job_id;
            log.trigger_time = naive(time);
            let id = s.insert_log(&log).await.unwrap();
            if trigger_code != 0 {
                let record = TriggerRecord {
                    trigger_code,
                    ..TriggerRecord::default()
                };
                s.record_trigger(id, &record).await.unwrap();
            }
            if handle_code != 0 {
                s.complete_log(id, handle_code, "", naive(time))
                    .await
                    .unwrap();
            }
            ids.push(id);
        }
        let list = |f: LogFilter| {
            let s = s.store.clone();
            async move {
                let (logs, total) = s.list_logs(&f, Page::default()).await.unwrap();
                assert_eq!(logs.len() as i64, total);
                logs.into_iter().map(|l| l.id).collect::<Vec<_>>()
            }
        };
        let status = |st| LogFilter {
            status: Some(st),
            ..LogFilter::default()
        };
        assert_eq!(
            list(LogFilter::default()).await,
            ids.iter().rev().copied().collect::<Vec<_>>(),
            "{db}: newest first"
        );
        assert_eq!(list(status(LogStatus::Success)).await, [ids[0]], "{db}");
        assert_eq!(
            list(status(LogStatus::Failure)).await,
            [ids[3], ids[1]],
            "{db}"
        );
        assert_eq!(list(status(LogStatus::Running)).await, [ids[2]], "{db}");
        assert_eq!(
            list(LogFilter {
                job_id: Some(1),
                ..LogFilter::default()
            })
            .await,
            [ids[1], ids[0]],
            "{db}"
        );
        assert_eq!(
            list(LogFilter {
                job_group: Some(2),
                ..LogFilter::default()
            })
            .await,
            [ids[4], ids[3], ids[2]],
            "{db}"
        );
        let day1 = LogFilter {
            from: Some(naive("2024-01-01 10:30:00")),
            to: Some(naive("2024-01-01 23:59:59")),
            ..LogFilter::default()
        };
        assert_eq!(list(day1).await, [ids[2], ids[1]], "{db}");
        let (page, total) = s
            .list_logs(
                &LogFilter::default(),
                Page {
                    offset: 1,
                    limit: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (page.iter().map(|l| l.id).collect::<Vec<_>>(), total),
            (vec![ids[3], ids[2]], 5),
            "{db}"
        );
    }
}

#[tokio::test]
async fn a_second_admin_on_the_same_sqlite_file_is_refused() {
    let first = common::sqlite_store().await;
    let second = jobwheel_admin::store::connect(&first.url, 2).await;
    let error = second
        .err()
        .expect("a second admin must be refused")
        .to_string();
    assert!(
        error.contains("already used by another Jobwheel admin"),
        "{error}"
    );
    assert!(
        error.contains("MySQL"),
        "the error says what to do instead: {error}"
    );
    // Once the first admin is gone, the file opens again, already migrated.
    let url = first.url.clone();
    let (store, home) = first.into_parts();
    drop(store);
    let again = jobwheel_admin::store::connect(&url, 2)
        .await
        .expect("reopen");
    again.ping().await.unwrap();
    drop(home);
}

// ---- MySQL/MariaDB only -----------------------------------------------------------------

/// A raw connection to a test database (to play XXL-JOB's part).
async fn raw_mysql(url: &str) -> sqlx::MySqlConnection {
    use sqlx::Connection;
    sqlx::MySqlConnection::connect(url).await.expect("connect")
}

#[tokio::test]
async fn a_database_created_by_xxl_job_2_4_is_adopted_unchanged() {
    use sqlx::Executor;
    let Some(db) = common::MysqlDatabase::create().await else {
        eprintln!("skipped: {} is not set", common::MYSQL_URL_VAR);
        return;
    };
    let mut xxl = raw_mysql(&db.url).await;
    let script = include_str!("fixtures/xxl_job_2_4.sql");
    xxl.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(script)))
        .await
        .expect("XXL-JOB 2.4's script runs");

    let store = jobwheel_admin::store::connect(&db.url, 3)
        .await
        .expect("adopt");
    store.ping().await.unwrap();
    let group = store.get_group(1).await.unwrap().expect("seed group");
    assert_eq!(
        (group.app_name.as_str(), group.title.as_str()),
        ("xxl-job-executor-sample", "示例执行器")
    );
    assert_eq!(
        (group.address_type, group.protocol),
        (AddressType::Auto, None)
    );
    let job = store.get_job(1).await.unwrap().expect("seed job");
    assert_eq!(job.job_desc, "测试任务1");
    assert_eq!(
        (job.schedule_type.as_str(), job.schedule_conf.as_deref()),
        ("CRON", Some("0 0 0 * * ? *"))
    );
    assert_eq!(
        (job.executor_handler.as_deref(), job.time_zone),
        (Some("demoJobHandler"), None)
    );

    // XXL-JOB's own columns are untouched (no widening, no new unique keys).
    let (title_len,): (i64,) = sqlx::query_as(
        "SELECT CAST(CHARACTER_MAXIMUM_LENGTH AS SIGNED) FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'xxl_job_group' AND COLUMN_NAME = 'title'",
    )
    .fetch_one(&mut xxl)
    .await
    .unwrap();
    assert_eq!(title_len, 12);
    // …and a title that does not fit is the client's mistake, named, not a server error.
    let mut long = group_fields("long-title-app");
    long.title = "a title of twenty-four".into();
    match store
        .insert_group(&long, naive("2024-01-01 00:00:00"))
        .await
    {
        Err(Error::Validation { field, .. }) => assert_eq!(field, "title"),
        other => panic!("expected a validation error on title, got {other:?}"),
    }

    // 2.4's registry key is not unique: the heartbeat upsert still keeps one row.
    let beat = heartbeat("xxl-job-executor-sample", "http://10.0.0.5:9999/");
    store
        .registry_save(&beat, naive("2024-01-01 00:00:00"))
        .await
        .unwrap();
    store
        .registry_save(&beat, naive("2024-01-01 00:00:30"))
        .await
        .unwrap();
    let rows = store
        .registry_alive(naive("2023-01-01 00:00:00"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].update_time, Some(naive("2024-01-01 00:00:30")));

    // A Java admin's insert (no jobwheel_* columns) still works and reads as a done fire.
    xxl.execute(
        "INSERT INTO xxl_job_log (job_group, job_id, trigger_time, trigger_code, handle_code) \
         VALUES (1, 1, '2024-01-01 00:00:00', 200, 0)",
    )
    .await
    .expect("XXL-JOB's log insert");
    let (log_id,): (i64,) = sqlx::query_as("SELECT MAX(id) FROM xxl_job_log")
        .fetch_one(&mut xxl)
        .await
        .unwrap();
    let log = store.get_log(log_id).await.unwrap().unwrap();
    assert_eq!(
        (log.fire_state, log.fire_at, log.trigger_code),
        (FireState::Done, None, 200)
    );

    // The seed job scans under the existing lock row once started.
    assert!(store.set_job_schedule(1, 1, 0, 1_000).await.unwrap());
    let fires = store.schedule_scan(5_000, 10, &mut fire_all).await.unwrap();
    assert_eq!(fires.len(), 1);
    let (locks,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM xxl_job_lock")
        .fetch_one(&mut xxl)
        .await
        .unwrap();
    assert_eq!(locks, 1, "the existing schedule_lock row is reused");

    // Starting again is a no-op.
    drop(store);
    let again = jobwheel_admin::store::connect(&db.url, 3)
        .await
        .expect("restart");
    again.ping().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admins_starting_together_on_an_empty_database_do_not_break_each_other() {
    let Some(db) = common::MysqlDatabase::create().await else {
        eprintln!("skipped: {} is not set", common::MYSQL_URL_VAR);
        return;
    };
    let starts = (0..4).map(|_| {
        let url = db.url.clone();
        tokio::spawn(async move { jobwheel_admin::store::connect(&url, 2).await })
    });
    for start in futures::future::join_all(starts).await {
        let store = start.unwrap().expect("every admin starts");
        store.ping().await.unwrap();
    }
    let mut conn = raw_mysql(&db.url).await;
    let (steps,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobwheel_schema_version")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/mysql"))
        .unwrap()
        .count() as i64;
    assert_eq!(steps, files, "each migration recorded once");
    let (locks,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM xxl_job_lock WHERE lock_name = 'schedule_lock'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(locks, 1);
}

#[tokio::test]
async fn stuck_claims_are_closed_as_failed() {
    for (db, s) in each_store().await {
        let mut ids = Vec::new();
        for (fire_at, state) in [
            (1_000, FireState::Claimed),
            (9_000, FireState::Claimed),
            (1_000, FireState::Pending),
            (1_000, FireState::Done),
        ] {
            let mut log = new_log(1, fire_at);
            log.fire_state = state;
            ids.push(s.insert_log(&log).await.unwrap());
        }
        assert_eq!(s.fail_stuck_claims(5_000, "lost").await.unwrap(), 1, "{db}");
        let stuck = s.get_log(ids[0]).await.unwrap().unwrap();
        assert_eq!(
            (
                stuck.trigger_code,
                stuck.trigger_msg.as_deref(),
                stuck.fire_state
            ),
            (500, Some("lost"), FireState::Done),
            "{db}"
        );
        for &id in &ids[1..] {
            let log = s.get_log(id).await.unwrap().unwrap();
            assert_eq!(log.trigger_code, 0, "{db}: only old claims are closed");
        }
        assert_eq!(
            s.fail_stuck_claims(5_000, "lost").await.unwrap(),
            0,
            "{db}: once"
        );
    }
}
