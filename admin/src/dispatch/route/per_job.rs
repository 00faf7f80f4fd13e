//! Per-job router state that XXL-JOB forgets once a day.

use std::time::{Duration, Instant};

use foldhash::HashMap;

/// How long router state lives before it is cleared wholesale (XXL-JOB: 86,400,000 ms).
pub const STATE_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A map from job id to its router state, cleared every [`STATE_LIFETIME`].
///
/// XXL-JOB clears ROUND, LFU and LRU state on the first call after its expiry time (which
/// starts at 0, so the first call of all starts a fresh day). Clearing bounds the memory of
/// deleted jobs and lets counters start over; we keep that behaviour so that a Java admin and
/// a Jobwheel admin spread load alike.
#[derive(Debug, Default)]
pub struct PerJob<S> {
    states: HashMap<i32, S>,
    valid_until: Option<Instant>,
}

impl<S: Default> PerJob<S> {
    /// The state of `job_id` at `now`, created empty if missing or if the day has expired.
    pub fn state(&mut self, job_id: i32, now: Instant) -> &mut S {
        if self.valid_until.is_none_or(|until| now > until) {
            self.states.clear();
            self.valid_until = Some(now + STATE_LIFETIME);
        }
        self.states.entry(job_id).or_default()
    }

    /// How many jobs have state (for tests and metrics).
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// True when no job has state.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_survives_within_a_day_and_is_cleared_after_it() {
        let start = Instant::now();
        let mut map: PerJob<u32> = PerJob::default();
        *map.state(1, start) = 7;
        *map.state(2, start) = 8;
        assert_eq!(*map.state(1, start + Duration::from_secs(3600)), 7);
        assert_eq!(map.len(), 2);
        let next_day = start + STATE_LIFETIME + Duration::from_millis(1);
        assert_eq!(*map.state(1, next_day), 0);
        assert_eq!(map.len(), 1, "job 2 was forgotten with the day");
        // The new day starts at the clearing call.
        assert_eq!(*map.state(1, next_day + Duration::from_secs(3600)), 0);
    }
}
