//! Password hashes: argon2id for everything we write, and the two legacy formats an XXL-JOB
//! database carries, accepted once so its users can log in after a migration.
//!
//! XXL-JOB ≤ 3.1 stored `md5_hex(password)` (32 hex digits) and 3.2+ stores
//! `sha256_hex(password)` (64 hex digits), both unsalted. They are fast to brute-force, so a
//! successful login with one of them tells the caller to replace it with an argon2 hash
//! ([`Verdict::Rehash`]). Every comparison runs in constant time, so response timing does not
//! leak how much of a hash matched.
//!
//! [`hash`] and [`verify`] run the argon2 work on tokio's blocking pool, one hash at a time.
//! One argon2id hash with OWASP's parameters takes 19 MiB and tens of milliseconds of a
//! core: on an async worker it stalled every fire queued behind that worker (the admin runs
//! one worker per core), and run side by side, a burst of logins would take 19 MiB each.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use md5::Md5;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use crate::error::{Error, Result};

/// What checking a password against a stored hash found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The password is right and the hash is current.
    Valid,
    /// The password is right but the hash is a legacy one (or weaker argon2 parameters):
    /// store [`hash`] of the password in its place.
    Rehash,
    /// Wrong password, or a stored value in no format we know.
    Invalid,
}

impl Verdict {
    /// True for [`Verdict::Valid`] and [`Verdict::Rehash`].
    pub fn accepted(self) -> bool {
        self != Self::Invalid
    }
}

/// The argon2id hash of `password` in PHC string form (`$argon2id$v=19$…`), with a fresh
/// random salt. Parameters are the `argon2` crate's defaults (OWASP's recommendation).
pub async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    off_the_workers(move || hash_now(&password)).await?
}

/// Checks `password` against a stored hash of any format we accept.
pub async fn verify(password: &str, stored: &str) -> Result<Verdict> {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    off_the_workers(move || verify_now(&password, &stored)).await
}

/// Password work admitted one at a time (see the module's doc).
static PASSWORD_WORK: Semaphore = Semaphore::const_new(1);

/// Runs `work` on the blocking pool once [`PASSWORD_WORK`] admits it.
async fn off_the_workers<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let _turn = PASSWORD_WORK
        .acquire()
        .await
        .map_err(|e| Error::Internal(format!("password work: {e}")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("password work: {e}")))
}

fn hash_now(password: &str) -> Result<String> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| Error::Internal(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hash: {e}")))
}

fn verify_now(password: &str, stored: &str) -> Verdict {
    let stored = stored.trim();
    if stored.starts_with("$argon2") {
        return verify_argon2(password, stored);
    }
    let legacy = match stored.len() {
        32 if is_hex(stored) => hex(&Md5::digest(password.as_bytes())),
        64 if is_hex(stored) => hex(&Sha256::digest(password.as_bytes())),
        _ => return Verdict::Invalid,
    };
    let matches: bool = legacy
        .as_bytes()
        .ct_eq(stored.to_ascii_lowercase().as_bytes())
        .into();
    if matches {
        Verdict::Rehash
    } else {
        Verdict::Invalid
    }
}

/// Argon2 verification (constant time inside the crate); asks for a rehash when the stored
/// hash used other parameters than ours, so parameter upgrades roll out at login.
fn verify_argon2(password: &str, stored: &str) -> Verdict {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verdict::Invalid;
    };
    if Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verdict::Invalid;
    }
    let current = argon2::Params::default();
    let same_params = parsed.algorithm == argon2::Algorithm::Argon2id.ident()
        && argon2::Params::try_from(&parsed).is_ok_and(|p| {
            p.m_cost() == current.m_cost()
                && p.t_cost() == current.t_cost()
                && p.p_cost() == current.p_cost()
        });
    if same_params {
        Verdict::Valid
    } else {
        Verdict::Rehash
    }
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A random password for generated accounts: 20 characters from an alphabet without
/// look-alikes (no 0/O, 1/l/I), about 116 bits.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    use rand::Rng;
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2_round_trip_and_distinct_salts() {
        let a = hash_now("s3cret!").unwrap();
        let b = hash_now("s3cret!").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert_eq!(verify_now("s3cret!", &a), Verdict::Valid);
        assert_eq!(verify_now("s3cret?", &a), Verdict::Invalid);
    }

    #[test]
    fn xxl_job_seed_hashes_of_123456_are_accepted_once() {
        // The `admin` seed rows of XXL-JOB 2.x (MD5) and 3.2+ (SHA-256), PROTOCOL.md §7.
        let md5 = "e10adc3949ba59abbe56e057f20f883e";
        let sha256 = "8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92";
        assert_eq!(verify_now("123456", md5), Verdict::Rehash);
        assert_eq!(verify_now("123456", sha256), Verdict::Rehash);
        assert_eq!(verify_now("123456", &md5.to_uppercase()), Verdict::Rehash);
        assert_eq!(verify_now("1234567", md5), Verdict::Invalid);
        assert_eq!(verify_now("1234567", sha256), Verdict::Invalid);
    }

    #[test]
    fn unknown_formats_never_match() {
        for stored in ["", "123456", "zz", "$argon2id$garbage", &"g".repeat(32)] {
            assert_eq!(verify_now("123456", stored), Verdict::Invalid, "{stored:?}");
        }
    }

    #[test]
    fn weaker_argon2_parameters_ask_for_a_rehash() {
        let params = argon2::Params::new(8 * 1024, 1, 1, None).unwrap();
        let weak = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(b"pw", &SaltString::encode_b64(b"0123456789abcdef").unwrap())
            .unwrap()
            .to_string();
        assert_eq!(verify_now("pw", &weak), Verdict::Rehash);
    }

    #[tokio::test]
    async fn hashing_off_the_workers_round_trips() {
        let stored = hash("s3cret!").await.unwrap();
        assert_eq!(verify("s3cret!", &stored).await.unwrap(), Verdict::Valid);
        assert_eq!(verify("s3cret?", &stored).await.unwrap(), Verdict::Invalid);
    }

    /// On a single-threaded runtime, a hash run inline would finish before the loop below
    /// got its second turn; run on the blocking pool, the loop keeps ticking meanwhile.
    #[tokio::test(flavor = "current_thread")]
    async fn hashing_leaves_the_async_worker_free() {
        let hashing = tokio::spawn(hash("s3cret!"));
        let mut turns = 0;
        while !hashing.is_finished() {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            turns += 1;
        }
        assert!(hashing.await.unwrap().is_ok());
        assert!(turns > 1, "the worker had {turns} turn(s) during the hash");
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let (a, b) = (generate(), generate());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
    }
}
