//! Login rate limiting: after [`MAX_FAILURES`] wrong passwords for one username from one
//! address within [`WINDOW`], further attempts are refused until the oldest failure ages
//! out, so guessing a password online costs hours, not seconds.
//!
//! Keyed by username *and* address, so an attacker cannot lock a real user out from
//! elsewhere. State is in memory, per admin: a cluster of N admins allows N times the
//! attempts, which still bounds guessing and needs no database writes per failure.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per username and address within [`WINDOW`].
pub const MAX_FAILURES: usize = 5;
/// The sliding window failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(5 * 60);
/// Above this many tracked keys, stale ones are swept on the next failure, bounding memory.
const SWEEP_ABOVE: usize = 10_000;

/// Counts recent login failures.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<(String, IpAddr), VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// An empty limiter.
    pub fn new() -> Self {
        Self::default()
    }

    /// `Err(wait)` when `username` from `ip` must wait before trying again.
    pub fn check(&self, username: &str, ip: IpAddr) -> Result<(), Duration> {
        self.check_at(username, ip, Instant::now())
    }

    /// Records a wrong password.
    pub fn failed(&self, username: &str, ip: IpAddr) {
        self.failed_at(username, ip, Instant::now());
    }

    /// Forgets the failures of a successful login.
    pub fn succeeded(&self, username: &str, ip: IpAddr) {
        self.with_map(|map| map.remove(&key(username, ip)));
    }

    fn check_at(&self, username: &str, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        self.with_map(|map| {
            let Some(times) = map.get_mut(&key(username, ip)) else {
                return Ok(());
            };
            prune(times, now);
            match times.front() {
                Some(oldest) if times.len() >= MAX_FAILURES => {
                    Err(WINDOW.saturating_sub(now.duration_since(*oldest)))
                }
                _ => Ok(()),
            }
        })
    }

    fn failed_at(&self, username: &str, ip: IpAddr, now: Instant) {
        self.with_map(|map| {
            if map.len() > SWEEP_ABOVE {
                map.retain(|_, times| {
                    prune(times, now);
                    !times.is_empty()
                });
            }
            let times = map.entry(key(username, ip)).or_default();
            prune(times, now);
            times.push_back(now);
        });
    }

    fn with_map<T>(
        &self,
        f: impl FnOnce(&mut HashMap<(String, IpAddr), VecDeque<Instant>>) -> T,
    ) -> T {
        // A panic while holding the lock cannot leave the map inconsistent; keep using it.
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut map)
    }
}

/// Usernames are compared case-insensitively, as MySQL's default collation does.
fn key(username: &str, ip: IpAddr) -> (String, IpAddr) {
    (username.trim().to_lowercase(), ip)
}

fn prune(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= WINDOW)
    {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));

    #[test]
    fn the_sixth_try_within_five_minutes_waits_for_the_oldest_failure_to_age_out() {
        let limiter = LoginLimiter::new();
        let t0 = Instant::now();
        for i in 0..MAX_FAILURES {
            assert!(limiter.check_at("admin", IP, t0).is_ok(), "try {i}");
            limiter.failed_at("admin", IP, t0 + Duration::from_secs(i as u64));
        }
        let now = t0 + Duration::from_secs(60);
        assert_eq!(
            limiter.check_at("Admin", IP, now),
            Err(WINDOW - Duration::from_secs(60))
        );
        // Other addresses and other users are not affected.
        assert!(limiter.check_at("admin", OTHER, now).is_ok());
        assert!(limiter.check_at("alice", IP, now).is_ok());
        // Once the first failure is older than the window, one more try is allowed.
        assert!(limiter.check_at("admin", IP, t0 + WINDOW).is_ok());
    }

    #[test]
    fn success_clears_the_count() {
        let limiter = LoginLimiter::new();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES {
            limiter.failed_at("admin", IP, t0);
        }
        assert!(limiter.check_at("admin", IP, t0).is_err());
        limiter.succeeded("admin", IP);
        assert!(limiter.check_at("admin", IP, t0).is_ok());
    }
}
