//! CONSISTENT_HASH: XXL-JOB's MD5 ring, bit for bit.
//!
//! A mixed cluster (Java and Jobwheel admins on one database) must send a job to the same
//! executor whichever admin fires it, so the ring is XXL-JOB's exactly: 100 virtual nodes per
//! address keyed `SHARD-{address}-NODE-{i}`, the job keyed by its decimal id, the hash the
//! first four MD5 digest bytes read little-endian as an unsigned 32-bit number, and the job's
//! node the first at or after its hash, wrapping to the first. Checked against
//! `shared/testdata/consistent-hash-golden.tsv` (values from XXL-JOB itself).

use std::collections::BTreeMap;

use md5::{Digest, Md5};

/// Virtual nodes per address on the ring.
pub const VIRTUAL_NODES: usize = 100;

/// XXL-JOB's ring hash: MD5 of the UTF-8 bytes, digest bytes 0..3 little-endian.
pub fn hash(key: &str) -> u32 {
    let digest = Md5::digest(key.as_bytes());
    u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// The address the ring assigns to `job_id`, or `None` for an empty list.
///
/// The ring is rebuilt on every call, as in XXL-JOB: it depends only on the current list.
/// When two virtual nodes collide, the later address in the list wins.
pub fn pick(job_id: i32, addresses: &[String]) -> Option<&str> {
    let mut ring: BTreeMap<u32, &str> = BTreeMap::new();
    for address in addresses {
        for node in 0..VIRTUAL_NODES {
            ring.insert(hash(&format!("SHARD-{address}-NODE-{node}")), address);
        }
    }
    let job_hash = hash(&job_id.to_string());
    ring.range(job_hash..)
        .next()
        .or_else(|| ring.iter().next())
        .map(|(_, address)| *address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::route::test_support::addresses;

    #[test]
    fn hash_reads_the_first_four_digest_bytes_little_endian() {
        // MD5("") = d41d8cd98f00b204e9800998ecf8427e.
        assert_eq!(hash(""), 0xd98c_1dd4);
        // MD5("1") = c4ca4238a0b923820dcc509a6f75849b.
        assert_eq!(hash("1"), 0x3842_cac4);
    }

    #[test]
    fn empty_list_picks_nothing_and_one_address_always_wins() {
        assert_eq!(pick(1, &[]), None);
        let one = addresses(1);
        for job in [-5, 0, 1, 77, i32::MAX] {
            assert_eq!(pick(job, &one), Some(one[0].as_str()));
        }
    }

    #[test]
    fn a_job_stays_put_when_an_unrelated_address_leaves() {
        let list = addresses(5);
        let mut moved = 0;
        for job in 1..=200 {
            let before = pick(job, &list).unwrap().to_string();
            let without_last = &list[..4];
            let after = pick(job, without_last).unwrap();
            if before != list[4] {
                assert_eq!(before, after, "job {job} moved though its address stayed");
            } else {
                moved += 1;
            }
        }
        assert!(
            moved > 0 && moved < 100,
            "the fifth address owned {moved} of 200 jobs"
        );
    }
}
