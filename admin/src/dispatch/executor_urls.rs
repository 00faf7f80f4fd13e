//! Parsed URIs of executor endpoints, kept between calls.
//!
//! Why: an executor's address changes rarely, but every call needs it as a parsed [`Uri`];
//! parsing `address + path` once and cloning the result (a reference count) spares a
//! format and a parse per fire (BENCHMARKS.md "What was changed" 11).

use std::sync::{Mutex, PoisonError};

use foldhash::HashMap;
use http::Uri;

/// Most addresses kept. Executors that restart on new ports leave stale entries behind;
/// past this bound the cache starts over rather than grow without end.
const MAX_ADDRESSES: usize = 4096;

/// `address → path → parsed URI`, shared by the clones of one client.
#[derive(Debug, Default)]
pub struct ExecutorUrls {
    parsed: Mutex<HashMap<String, HashMap<&'static str, Uri>>>,
}

impl ExecutorUrls {
    /// The URI of `path` on the executor at `base` (an address without trailing slash),
    /// parsed once; when it is no `http://` URI, what is wrong with it, in words.
    pub fn get(&self, base: &str, path: &'static str) -> Result<Uri, String> {
        let mut parsed = self.parsed.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(url) = parsed.get(base).and_then(|paths| paths.get(path)) {
            return Ok(url.clone());
        }
        let text = format!("{base}{path}");
        let url: Uri = text
            .parse()
            .map_err(|e| format!("{text} is not a URL ({e})"))?;
        if url.scheme_str() != Some("http") {
            return Err(format!("{text} is not an http:// URL"));
        }
        if parsed.len() >= MAX_ADDRESSES && !parsed.contains_key(base) {
            parsed.clear();
        }
        parsed
            .entry(base.to_string())
            .or_default()
            .insert(path, url.clone());
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_and_path_parses_to_its_own_url() {
        let urls = ExecutorUrls::default();
        let run = urls.get("http://127.0.0.1:9999", "/run").unwrap();
        let beat = urls.get("http://127.0.0.1:9999", "/beat").unwrap();
        let other = urls.get("http://127.0.0.2:9999/ctx", "/run").unwrap();
        assert_eq!(run.to_string(), "http://127.0.0.1:9999/run");
        assert_eq!(beat.to_string(), "http://127.0.0.1:9999/beat");
        assert_eq!(other.to_string(), "http://127.0.0.2:9999/ctx/run");
        assert_eq!(urls.get("http://127.0.0.1:9999", "/run").unwrap(), run);
    }

    #[test]
    fn an_address_that_does_not_parse_is_described_not_kept() {
        let urls = ExecutorUrls::default();
        let wrong = urls.get("not an address", "/run").unwrap_err();
        assert!(
            wrong.starts_with("not an address/run is not a URL"),
            "{wrong}"
        );
        let wrong = urls.get("https://127.0.0.1:9999", "/run").unwrap_err();
        assert_eq!(wrong, "https://127.0.0.1:9999/run is not an http:// URL");
        assert!(urls.parsed.lock().unwrap().is_empty());
    }

    #[test]
    fn the_cache_starts_over_past_its_bound() {
        let urls = ExecutorUrls::default();
        for port in 0..MAX_ADDRESSES + 1 {
            urls.get(&format!("http://127.0.0.1:{}", 1000 + port), "/run")
                .unwrap();
        }
        assert_eq!(urls.parsed.lock().unwrap().len(), 1);
    }
}
