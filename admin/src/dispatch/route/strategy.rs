//! The names of the routing strategies, as stored in `xxl_job_info.executor_route_strategy`.

/// How a trigger picks one address of its executor group (shared/PROTOCOL.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteStrategy {
    /// The first address.
    First,
    /// The last address.
    Last,
    /// Round-robin per job, starting at a random offset.
    Round,
    /// A uniformly random address.
    Random,
    /// XXL-JOB's MD5 ring: a job sticks to one address while the group is stable.
    ConsistentHash,
    /// The address this job has used least often.
    LeastFrequentlyUsed,
    /// The address this job has not used for the longest time.
    LeastRecentlyUsed,
    /// The first address that answers `/beat`.
    Failover,
    /// The first address that answers `/idleBeat` (not busy with this job).
    Busyover,
    /// Every address, one shard each; fanned out by the trigger, not routed.
    ShardingBroadcast,
}

impl RouteStrategy {
    /// Every strategy, in XXL-JOB's order (the console lists them so).
    pub const ALL: [RouteStrategy; 10] = [
        Self::First,
        Self::Last,
        Self::Round,
        Self::Random,
        Self::ConsistentHash,
        Self::LeastFrequentlyUsed,
        Self::LeastRecentlyUsed,
        Self::Failover,
        Self::Busyover,
        Self::ShardingBroadcast,
    ];

    /// The wire / column name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::First => "FIRST",
            Self::Last => "LAST",
            Self::Round => "ROUND",
            Self::Random => "RANDOM",
            Self::ConsistentHash => "CONSISTENT_HASH",
            Self::LeastFrequentlyUsed => "LEAST_FREQUENTLY_USED",
            Self::LeastRecentlyUsed => "LEAST_RECENTLY_USED",
            Self::Failover => "FAILOVER",
            Self::Busyover => "BUSYOVER",
            Self::ShardingBroadcast => "SHARDING_BROADCAST",
        }
    }

    /// Parses a wire name exactly (case-sensitive, as XXL-JOB's `match`).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The English title XXL-JOB's console shows.
    pub fn title(self) -> &'static str {
        match self {
            Self::First => "First",
            Self::Last => "Last",
            Self::Round => "Round",
            Self::Random => "Random",
            Self::ConsistentHash => "Consistent Hash",
            Self::LeastFrequentlyUsed => "Least Frequently Used",
            Self::LeastRecentlyUsed => "Least Recently Used",
            Self::Failover => "Failover",
            Self::Busyover => "Busyover",
            Self::ShardingBroadcast => "Sharding Broadcast",
        }
    }
}

impl std::fmt::Display for RouteStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips_and_unknown_names_are_rejected() {
        for strategy in RouteStrategy::ALL {
            assert_eq!(RouteStrategy::parse(strategy.as_str()), Some(strategy));
            assert!(!strategy.title().is_empty());
        }
        assert_eq!(
            RouteStrategy::parse("CONSISTENT_HASH"),
            Some(RouteStrategy::ConsistentHash)
        );
        assert_eq!(RouteStrategy::ConsistentHash.title(), "Consistent Hash");
        assert_eq!(RouteStrategy::parse("first"), None);
        assert_eq!(RouteStrategy::parse(""), None);
    }
}
