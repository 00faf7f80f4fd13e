//! FIRST, LAST and RANDOM: stateless picks by position.
//!
//! `addresses` is never empty here: the router answers an empty group before it gets here.

use rand::Rng;

/// `list[0]`.
pub fn first(addresses: &[String]) -> Option<&str> {
    addresses.first().map(String::as_str)
}

/// `list[size-1]`.
pub fn last(addresses: &[String]) -> Option<&str> {
    addresses.last().map(String::as_str)
}

/// `list[random(size)]`, uniformly.
pub fn random<'a>(addresses: &'a [String], rng: &mut impl Rng) -> Option<&'a str> {
    if addresses.is_empty() {
        return None;
    }
    let index = rng.random_range(0..addresses.len());
    addresses.get(index).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::route::test_support::addresses;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn empty_lists_pick_nothing() {
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(first(&[]), None);
        assert_eq!(last(&[]), None);
        assert_eq!(random(&[], &mut rng), None);
    }

    #[test]
    fn first_and_last_pick_by_position() {
        let list = addresses(3);
        assert_eq!(first(&list), Some(list[0].as_str()));
        assert_eq!(last(&list), Some(list[2].as_str()));
        let one = addresses(1);
        assert_eq!(first(&one), last(&one));
    }

    #[test]
    fn random_spreads_evenly() {
        let list = addresses(4);
        let mut rng = StdRng::seed_from_u64(42);
        let mut counts = [0usize; 4];
        for _ in 0..40_000 {
            let picked = random(&list, &mut rng).unwrap();
            let index = list.iter().position(|a| a == picked).unwrap();
            counts[index] += 1;
        }
        for count in counts {
            // Expected 10,000 each; ±5% is more than 10 standard deviations (σ ≈ 87).
            assert!((9_500..=10_500).contains(&count), "{counts:?}");
        }
    }
}
