//! ROUND: round-robin per job, from a random start.

use rand::Rng;

/// Above this the counter starts over, as XXL-JOB does (keeps an `int` far from overflow).
pub const COUNTER_LIMIT: u32 = 1_000_000;

/// One job's round-robin counter.
///
/// The counter is per job, not per address: when addresses vanish or appear the next pick is
/// simply `counter % size` of the new list, so nothing needs dropping.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RoundCounter {
    count: Option<u32>,
}

impl RoundCounter {
    /// Advances the counter and picks `list[counter % size]`.
    ///
    /// The first use (and the first use after the limit) starts at `random(0..100)` rather
    /// than 0, so that many jobs created together do not all hit the first executor first.
    pub fn pick<'a>(&mut self, addresses: &'a [String], rng: &mut impl Rng) -> Option<&'a str> {
        if addresses.is_empty() {
            return None;
        }
        let count = match self.count {
            Some(count) if count <= COUNTER_LIMIT => count + 1,
            _ => rng.random_range(0..100),
        };
        self.count = Some(count);
        addresses
            .get(count as usize % addresses.len())
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::route::test_support::addresses;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn empty_list_picks_nothing_and_keeps_the_counter() {
        let mut counter = RoundCounter::default();
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(counter.pick(&[], &mut rng), None);
        assert_eq!(counter, RoundCounter::default());
    }

    #[test]
    fn starts_below_100_then_wraps_round_the_list() {
        let list = addresses(3);
        let mut rng = StdRng::seed_from_u64(7);
        let mut counter = RoundCounter::default();
        let first = counter.pick(&list, &mut rng).unwrap();
        let start = counter.count.unwrap();
        assert!(start < 100);
        assert_eq!(first, list[start as usize % 3]);
        let picks: Vec<&str> = (0..6)
            .map(|_| counter.pick(&list, &mut rng).unwrap())
            .collect();
        for (i, picked) in picks.iter().enumerate() {
            assert_eq!(*picked, list[(start as usize + 1 + i) % 3]);
        }
        assert_eq!(picks[0..3], picks[3..6], "a full cycle repeats");
    }

    #[test]
    fn one_address_is_always_picked() {
        let list = addresses(1);
        let mut rng = StdRng::seed_from_u64(3);
        let mut counter = RoundCounter::default();
        for _ in 0..5 {
            assert_eq!(counter.pick(&list, &mut rng), Some(list[0].as_str()));
        }
    }

    #[test]
    fn a_shrinking_list_still_picks_from_the_current_list() {
        let mut rng = StdRng::seed_from_u64(5);
        let mut counter = RoundCounter::default();
        let big = addresses(5);
        for _ in 0..4 {
            counter.pick(&big, &mut rng);
        }
        let small = addresses(2);
        let picks: Vec<&str> = (0..4)
            .map(|_| counter.pick(&small, &mut rng).unwrap())
            .collect();
        assert!(picks.iter().all(|p| small.iter().any(|a| a == p)));
        assert_ne!(picks[0], picks[1], "still alternates");
    }

    #[test]
    fn counter_starts_over_past_one_million() {
        let list = addresses(2);
        let mut rng = StdRng::seed_from_u64(9);
        let mut counter = RoundCounter {
            count: Some(COUNTER_LIMIT),
        };
        counter.pick(&list, &mut rng);
        assert_eq!(
            counter.count,
            Some(COUNTER_LIMIT + 1),
            "the limit itself still counts"
        );
        counter.pick(&list, &mut rng);
        assert!(
            counter.count.unwrap() < 100,
            "restarted: {:?}",
            counter.count
        );
    }
}
