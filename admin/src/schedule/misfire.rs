//! Misfire strategies, and the pure decision a scan takes for one job.
//!
//! The scan loop holds the cluster-wide DB lock while it calls [`plan_job`] for each job it
//! read, so the decision is a pure function: no clock, no I/O, exhaustively tested here, and
//! the loop only persists its result (the fires as durable intents, then `last`/`next`).

use chrono_tz::Tz;

use super::kind::Schedule;

/// How late (ms) a fire may be taken before it counts as misfired. XXL-JOB's `PRE_READ_MS`:
/// a scan runs at least every 5 s while jobs are due, so an occurrence more than 5 s in the
/// past was missed (admin down, lock held elsewhere, overload), not merely taken a bit late.
pub const MISFIRE_THRESHOLD_MS: i64 = 5_000;

/// Most fires one job may take in one scan. A scan window is seconds wide, so this only bites
/// for pathological windows (e.g. a 1 s FIX_RATE job and a huge window); the rest is left
/// due and taken by the next scan, nothing is lost.
pub const MAX_FIRES_PER_SCAN: usize = 1_000;

/// What to do with a fire that was missed by more than [`MISFIRE_THRESHOLD_MS`]
/// (`xxl_job_info.misfire_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MisfireStrategy {
    /// Skip the missed fire(s); continue with the next occurrence after now. XXL-JOB's default.
    #[default]
    DoNothing,
    /// Fire once now (trigger type MISFIRE), however many occurrences were missed.
    FireOnceNow,
}

impl MisfireStrategy {
    /// Parses a wire name (`DO_NOTHING`, `FIRE_ONCE_NOW`); `None` for anything else, so user
    /// input can be rejected.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            "DO_NOTHING" => Some(Self::DoNothing),
            "FIRE_ONCE_NOW" => Some(Self::FireOnceNow),
            _ => None,
        }
    }

    /// Reads the stored column: unknown or blank means `DO_NOTHING`, as XXL-JOB's
    /// `MisfireStrategyEnum.match(name, DO_NOTHING)` does, so an odd row never stops a scan.
    pub fn from_db(name: &str) -> Self {
        Self::parse(name).unwrap_or_default()
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DoNothing => "DO_NOTHING",
            Self::FireOnceNow => "FIRE_ONCE_NOW",
        }
    }
}

/// Why a fire happens; becomes the trigger type of its log row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FireKind {
    /// A scheduled occurrence (trigger type `CRON`, also for FIX_RATE jobs, as in XXL-JOB).
    Scheduled,
    /// The one fire of FIRE_ONCE_NOW for missed occurrences (trigger type `MISFIRE`).
    Misfire,
}

impl FireKind {
    /// XXL-JOB's `TriggerTypeEnum` name.
    pub fn trigger_type(self) -> &'static str {
        match self {
            Self::Scheduled => "CRON",
            Self::Misfire => "MISFIRE",
        }
    }
}

/// What one scan does with one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPlan {
    /// Fires to record and schedule, in time order: (fire at, epoch ms; kind).
    pub fires: Vec<(i64, FireKind)>,
    /// The new `trigger_last_time`.
    pub last: i64,
    /// The new `trigger_next_time`.
    pub next: i64,
    /// The schedule has no further occurrence: stop the job (`trigger_status = 0`), as
    /// XXL-JOB does; `last` and `next` are then 0.
    pub stop: bool,
}

/// Decides one job's fires for a scan at `now` that takes every occurrence up to
/// `window_end` (all times epoch ms).
///
/// 1. **Misfire.** If the stored next occurrence is more than [`MISFIRE_THRESHOLD_MS`]
///    overdue (`now > next + 5000`), it was missed: `DO_NOTHING` records no fire,
///    `FIRE_ONCE_NOW` records one fire at `now` (kind [`FireKind::Misfire`]) however many
///    occurrences were missed — a burst of catch-up runs is what nobody wants after an
///    outage — unless the orphan sweeper already compensated this miss (it then set
///    `trigger_last_time` to at least `trigger_next_time` + 5 s). The schedule then resumes from `now`
///    (never replaying the past).
/// 2. **Due and upcoming.** Every occurrence `t <= window_end`, from the (possibly resumed)
///    next one, becomes a fire of kind [`FireKind::Scheduled`] at `t` — *all* of them, not at
///    most two per scan as in XXL-JOB: our fires are durable and ms-precise, so a 1-second
///    job keeps pace even when scans are slower than once a second. An occurrence up to 5 s
///    in the past is still taken (fired at once), as in XXL-JOB. After a misfire this also
///    takes the occurrences that fall inside the window, so a late scan does not leave them
///    to misfire again. At most [`MAX_FIRES_PER_SCAN`] fires are taken; the remainder stays
///    due for the next scan.
/// 3. **Bookkeeping.** `last` is the last fire taken (unchanged if none), `next` the first
///    occurrence not taken. When the schedule has no further occurrence, `stop` is set and
///    `last`/`next` are 0 (XXL-JOB's auto-stop), after the fires already taken.
pub fn plan_job(
    schedule: &Schedule,
    misfire: MisfireStrategy,
    tz: Tz,
    trigger_last_time: i64,
    trigger_next_time: i64,
    now: i64,
    window_end: i64,
) -> JobPlan {
    let mut fires = Vec::new();
    let mut last = trigger_last_time;
    let mut next = Some(trigger_next_time);

    if now > trigger_next_time.saturating_add(MISFIRE_THRESHOLD_MS) {
        // A last fire recorded after `next` was already missed is the compensation the
        // orphan sweeper fired for this miss (`Store::note_compensation`): one compensation
        // per miss, not one per finder. Normally `last < next`.
        let compensated =
            trigger_last_time >= trigger_next_time.saturating_add(MISFIRE_THRESHOLD_MS);
        if misfire == MisfireStrategy::FireOnceNow && !compensated {
            fires.push((now, FireKind::Misfire));
            last = now;
        }
        next = schedule.next_after(now, tz);
    }

    while let Some(t) = next {
        if t > window_end || fires.len() >= MAX_FIRES_PER_SCAN {
            break;
        }
        fires.push((t, FireKind::Scheduled));
        last = t;
        next = schedule.next_after(t, tz);
    }

    match next {
        Some(next) => JobPlan {
            fires,
            last,
            next,
            stop: false,
        },
        None => JobPlan {
            fires,
            last: 0,
            next: 0,
            stop: true,
        },
    }
}
