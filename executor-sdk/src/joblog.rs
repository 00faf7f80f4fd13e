//! Run logs: one file per run, read back by line range for the admin's rolling log viewer.
//!
//! The layout is XXL-JOB's (PROTOCOL.md §5.6) so that operators find files where they expect
//! them: `<log_path>/<yyyy-MM-dd>/<logId>.log`, the date being the trigger time in the
//! executor's local time zone. The admin asks for lines with `/log` and polls until it decides
//! the run has ended; this module answers those reads exactly as XXL-JOB 3.x does (§1.4).

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Local, NaiveDate, TimeZone};
use tokio_util::sync::CancellationToken;

use crate::protocol::{LogResult, messages};

/// The directory holding every run log, and the rules to find one.
#[derive(Debug, Clone)]
pub struct JobLogStore {
    root: PathBuf,
}

impl JobLogStore {
    /// A store rooted at `root` (created lazily, on the first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the log of run `log_id`, triggered at `log_date_time` (epoch ms), lives.
    pub fn path_of(&self, log_date_time: i64, log_id: i64) -> PathBuf {
        self.root
            .join(day_dir_name(log_date_time))
            .join(format!("{log_id}.log"))
    }

    /// Opens (creating it and its day directory) the log of a run for appending.
    pub fn open(&self, log_date_time: i64, log_id: i64) -> RunLog {
        RunLog::open(self.path_of(log_date_time, log_id))
    }

    /// Reads lines `from_line_num..` of a run's log, as `/log` answers.
    ///
    /// Lines are 1-based; every line from `from_line_num` on is returned (XXL-JOB has no page
    /// limit either), each followed by `\n`. `toLineNum` is the last line returned, or 0 when
    /// nothing is new, so the viewer sees `from > to`. `isEnd` is only set when the file does
    /// not exist: the admin decides when a log has ended.
    pub fn read(&self, log_date_time: i64, log_id: i64, from_line_num: i32) -> LogResult {
        let path = self.path_of(log_date_time, log_id);
        let Ok(file) = File::open(&path) else {
            return LogResult {
                from_line_num,
                to_line_num: 0,
                log_content: Some(messages::LOG_FILE_MISSING.to_string()),
                is_end: true,
            };
        };
        let mut content = String::new();
        let mut to_line_num = 0;
        // Lines are split on b'\n' and decoded lossily, so a script's stray non-UTF-8 byte
        // cannot make a whole log unreadable.
        for (index, line) in BufReader::new(file).split(b'\n').enumerate() {
            let Ok(line) = line else { break };
            let number = i32::try_from(index + 1).unwrap_or(i32::MAX);
            if number >= from_line_num {
                let text = String::from_utf8_lossy(&line);
                content.push_str(text.strip_suffix('\r').unwrap_or(&text));
                content.push('\n');
                to_line_num = number;
            }
        }
        LogResult {
            from_line_num,
            to_line_num,
            log_content: Some(content),
            is_end: false,
        }
    }

    /// Deletes day directories older than `retention_days` before `today`; returns how many.
    ///
    /// A directory is removed when `today 00:00 > its date + retention_days` (XXL-JOB 3.x's
    /// rule). Only directories whose name parses as `yyyy-MM-dd` are touched, so the
    /// `gluesource` and callback directories, or anything else an operator keeps there, survive.
    pub fn remove_older_than(&self, today: NaiveDate, retention_days: u32) -> usize {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(date) = name
                .to_str()
                .and_then(|n| NaiveDate::parse_from_str(n, "%Y-%m-%d").ok())
            else {
                continue;
            };
            let expired = date
                .checked_add_days(chrono::Days::new(u64::from(retention_days)))
                .is_some_and(|limit| today > limit);
            if expired && entry.path().is_dir() {
                match std::fs::remove_dir_all(entry.path()) {
                    Ok(()) => removed += 1,
                    Err(e) => {
                        tracing::warn!(dir = %entry.path().display(), "cannot delete old run logs: {e}")
                    }
                }
            }
        }
        removed
    }
}

/// The `yyyy-MM-dd` directory of a trigger time, in the executor's local zone.
fn day_dir_name(log_date_time: i64) -> String {
    let at: DateTime<Local> = Local
        .timestamp_millis_opt(log_date_time)
        .earliest()
        .unwrap_or_else(|| DateTime::<Local>::from(DateTime::UNIX_EPOCH));
    at.format("%Y-%m-%d").to_string()
}

/// An open run log: cheap to clone, appends whole lines.
///
/// Writes are synchronous: a log line is small and the file is local, and a synchronous write
/// keeps `ctx.log(..)` usable from anywhere, including `Drop` impls and `tracing` layers.
/// A log that cannot be opened or written degrades to a warning: losing a log line must never
/// fail the job it describes.
#[derive(Debug, Clone)]
pub struct RunLog {
    path: Arc<PathBuf>,
    file: Arc<Mutex<Option<File>>>,
}

impl RunLog {
    fn open(path: PathBuf) -> Self {
        let file = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| OpenOptions::new().create(true).append(true).open(&path));
        let file = match file {
            Ok(file) => Some(file),
            Err(e) => {
                tracing::warn!(path = %path.display(), "cannot open run log: {e}");
                None
            }
        };
        Self {
            path: Arc::new(path),
            file: Arc::new(Mutex::new(file)),
        }
    }

    /// The file this log writes to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `text` as it is (a script's raw output, already line-terminated).
    pub fn append_raw(&self, text: &[u8]) {
        let mut guard = match self.file.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(file) = guard.as_mut()
            && let Err(e) = file.write_all(text)
        {
            tracing::warn!(path = %self.path.display(), "cannot write run log: {e}");
        }
    }

    /// Appends one line: `yyyy-MM-dd HH:mm:ss [source] message`.
    pub fn line(&self, source: &str, message: impl std::fmt::Display) {
        let now = Local::now().format("%Y-%m-%d %H:%M:%S");
        self.append_raw(format!("{now} [{source}] {message}\n").as_bytes());
    }
}

/// Deletes run logs past the retention, at start and then every `interval` (a day by default).
pub struct LogCleaner {
    /// The logs to prune.
    pub store: JobLogStore,
    /// Days kept; below 3 the cleaner does nothing, as in XXL-JOB.
    pub retention_days: u32,
    /// Time between passes.
    pub interval: Duration,
}

impl LogCleaner {
    /// Runs until `shutdown` is cancelled.
    pub async fn run(self, shutdown: CancellationToken) {
        if self.retention_days < 3 {
            tracing::info!(
                "run log retention {} days (< 3): old logs are kept",
                self.retention_days
            );
            return;
        }
        let mut ticker = tokio::time::interval(self.interval);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = ticker.tick() => {}
            }
            let store = self.store.clone();
            let days = self.retention_days;
            let today = Local::now().date_naive();
            let removed = tokio::task::spawn_blocking(move || store.remove_older_than(today, days))
                .await
                .unwrap_or(0);
            if removed > 0 {
                tracing::info!(
                    removed,
                    "deleted run log directories older than {days} days"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pages_like_xxl_job() {
        let dir = tempfile::tempdir().unwrap();
        let store = JobLogStore::new(dir.path());
        let log = store.open(0, 7);
        log.append_raw(b"one\ntwo\r\nthree\n");

        let all = store.read(0, 7, 1);
        assert_eq!(all.log_content.as_deref(), Some("one\ntwo\nthree\n"));
        assert_eq!(
            (all.from_line_num, all.to_line_num, all.is_end),
            (1, 3, false)
        );

        let tail = store.read(0, 7, 3);
        assert_eq!(tail.log_content.as_deref(), Some("three\n"));
        assert_eq!(tail.to_line_num, 3);

        let nothing_new = store.read(0, 7, 4);
        assert_eq!(nothing_new.log_content.as_deref(), Some(""));
        assert_eq!(nothing_new.to_line_num, 0);
        assert!(!nothing_new.is_end);
    }

    #[test]
    fn missing_file_ends_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let res = JobLogStore::new(dir.path()).read(0, 99, 1);
        assert_eq!(res.log_content.as_deref(), Some(messages::LOG_FILE_MISSING));
        assert!(res.is_end);
        assert_eq!(res.to_line_num, 0);
    }

    #[test]
    fn retention_removes_only_old_day_directories() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "2024-01-01",
            "2024-01-28",
            "2024-01-29",
            "gluesource",
            "2024-13-01",
        ] {
            std::fs::create_dir_all(dir.path().join(name)).unwrap();
        }
        let today = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
        let removed = JobLogStore::new(dir.path()).remove_older_than(today, 3);
        // 01-01 + 3 days < 01-31: gone. 01-28 + 3 days = 01-31, not before today: kept.
        assert_eq!(removed, 1);
        let left: std::collections::BTreeSet<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(left.contains("gluesource") && left.contains("2024-13-01"));
        assert!(!left.contains("2024-01-01"));
        assert!(left.contains("2024-01-28") && left.contains("2024-01-29"));
    }
}
