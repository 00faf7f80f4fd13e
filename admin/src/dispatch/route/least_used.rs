//! LEAST_FREQUENTLY_USED and LEAST_RECENTLY_USED: per-job usage bookkeeping.
//!
//! Both keep one entry per address of the job's group, add addresses that appear, and drop
//! addresses that vanish before picking, so a departed executor is never chosen and a
//! returning one starts afresh.

use std::collections::{HashMap, HashSet};

use rand::Rng;

/// Above this a use count starts over, as in XXL-JOB.
pub const COUNT_LIMIT: u32 = 1_000_000;

/// One job's use counts per address (LFU).
#[derive(Debug, Default, Clone)]
pub struct UseCounts {
    counts: HashMap<String, u32>,
}

impl UseCounts {
    /// Picks the address with the fewest uses and counts this use.
    ///
    /// A new address (or one past [`COUNT_LIMIT`]) starts at `random(size)`, as in XXL-JOB, so
    /// a freshly joined executor is not flooded until it catches up. Ties go to the earlier
    /// address in the list (XXL-JOB's tie order is its HashMap's, which is arbitrary).
    pub fn pick<'a>(&mut self, addresses: &'a [String], rng: &mut impl Rng) -> Option<&'a str> {
        for address in addresses {
            let fresh = self
                .counts
                .get(address)
                .is_none_or(|count| *count > COUNT_LIMIT);
            if fresh {
                let start = rng.random_range(0..addresses.len() as u32);
                self.counts.insert(address.clone(), start);
            }
        }
        let current: HashSet<&str> = addresses.iter().map(String::as_str).collect();
        self.counts
            .retain(|address, _| current.contains(address.as_str()));

        let chosen = addresses
            .iter()
            .min_by_key(|address| self.counts.get(*address).copied().unwrap_or(0))?;
        if let Some(count) = self.counts.get_mut(chosen) {
            *count += 1;
        }
        Some(chosen)
    }
}

/// One job's addresses from least to most recently used (LRU).
#[derive(Debug, Default, Clone)]
pub struct UseOrder {
    /// Eldest first; XXL-JOB's access-ordered LinkedHashMap.
    order: Vec<String>,
}

impl UseOrder {
    /// Picks the least recently used address and makes it the most recent.
    ///
    /// New addresses join at the recent end in list order, so an executor that joins waits
    /// behind the ones that have been waiting already.
    pub fn pick<'a>(&mut self, addresses: &'a [String]) -> Option<&'a str> {
        let current: HashSet<&str> = addresses.iter().map(String::as_str).collect();
        self.order
            .retain(|address| current.contains(address.as_str()));
        let mut known: HashSet<String> = self.order.iter().cloned().collect();
        for address in addresses {
            if known.insert(address.clone()) {
                self.order.push(address.clone());
            }
        }
        if self.order.is_empty() {
            return None;
        }
        let eldest = self.order.remove(0);
        let chosen = addresses.iter().find(|a| **a == eldest)?;
        self.order.push(eldest);
        Some(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::route::test_support::{addresses, tally};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn empty_lists_pick_nothing() {
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(UseCounts::default().pick(&[], &mut rng), None);
        assert_eq!(UseOrder::default().pick(&[]), None);
    }

    #[test]
    fn one_address_is_always_picked() {
        let one = addresses(1);
        let mut rng = StdRng::seed_from_u64(1);
        let (mut lfu, mut lru) = (UseCounts::default(), UseOrder::default());
        for _ in 0..3 {
            assert_eq!(lfu.pick(&one, &mut rng), Some(one[0].as_str()));
            assert_eq!(lru.pick(&one), Some(one[0].as_str()));
        }
    }

    #[test]
    fn lru_cycles_through_the_list_in_order() {
        let list = addresses(3);
        let mut lru = UseOrder::default();
        let picks: Vec<&str> = (0..7).map(|_| lru.pick(&list).unwrap()).collect();
        let expected: Vec<&str> = (0..7).map(|i| list[i % 3].as_str()).collect();
        assert_eq!(picks, expected);
    }

    #[test]
    fn lru_is_exactly_fair_over_many_calls() {
        let list = addresses(7);
        let mut lru = UseOrder::default();
        let counts = tally(&list, (0..7_000).map(|_| lru.pick(&list).unwrap()));
        assert!(counts.iter().all(|c| *c == 1_000), "{counts:?}");
    }

    #[test]
    fn lfu_is_fair_over_many_calls() {
        let list = addresses(5);
        let mut rng = StdRng::seed_from_u64(11);
        let mut lfu = UseCounts::default();
        let counts = tally(
            &list,
            (0..10_000).map(|_| lfu.pick(&list, &mut rng).unwrap()),
        );
        // Random start counts are below 5, so no address can lag by more than that.
        let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        assert!(max - min <= 5, "{counts:?}");
    }

    #[test]
    fn lfu_favours_the_least_used_and_drops_vanished_addresses() {
        let list = addresses(3);
        let mut rng = StdRng::seed_from_u64(2);
        let mut lfu = UseCounts::default();
        for _ in 0..30 {
            lfu.pick(&list, &mut rng);
        }
        let smaller = list[1..].to_vec();
        lfu.pick(&smaller, &mut rng);
        assert!(
            !lfu.counts.contains_key(&list[0]),
            "vanished address dropped"
        );
        assert_eq!(lfu.counts.len(), 2);
        // A returning address starts at random(size) < 3, far below the others (~10).
        assert_eq!(lfu.pick(&list, &mut rng), Some(list[0].as_str()));
    }

    #[test]
    fn lfu_counts_past_one_million_start_over() {
        let list = addresses(2);
        let mut rng = StdRng::seed_from_u64(4);
        let mut lfu = UseCounts::default();
        lfu.counts.insert(list[0].clone(), COUNT_LIMIT + 1);
        lfu.counts.insert(list[1].clone(), 500);
        assert_eq!(lfu.pick(&list, &mut rng), Some(list[0].as_str()));
        assert!(
            lfu.counts[&list[0]] <= 2,
            "restarted at random(2) then used once"
        );
    }

    #[test]
    fn lru_drops_vanished_addresses_and_queues_new_ones_last() {
        let list = addresses(3);
        let mut lru = UseOrder::default();
        assert_eq!(lru.pick(&list), Some(list[0].as_str()));
        // list[1] leaves and list[3] joins: order is now [2, 0, 3].
        let changed = vec![list[0].clone(), list[2].clone(), addresses(4)[3].clone()];
        assert_eq!(lru.pick(&changed), Some(list[2].as_str()));
        assert_eq!(lru.pick(&changed), Some(list[0].as_str()));
        assert_eq!(lru.pick(&changed), Some(changed[2].as_str()));
        assert!(!lru.order.contains(&list[1]));
    }
}
