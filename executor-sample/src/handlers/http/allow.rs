//! Which URLs `httpJobHandler` may call.
//!
//! Without a limit, the handler lets anyone who can create a job make requests from inside
//! the executor's network: to cloud metadata endpoints, to admin ports bound to loopback, to
//! internal services (server-side request forgery). So the list starts empty and **denies
//! every URL** until the operator names the prefixes jobs may call; `*` opts out explicitly.
//! Loopback-only was rejected as a default: sidecars and local admin ports are exactly what
//! an SSRF goes after.
//!
//! Prefixes are compared as parsed URLs, not as strings: XXL-JOB's `startsWith` check lets
//! `http://api.example.com.evil.net/` and `http://api.example.com@evil.net/` through a
//! `http://api.example.com` entry; here the scheme, host and port must be equal and the path
//! must continue the prefix at a `/` boundary (after `..` segments are resolved).

use std::fmt;
use std::str::FromStr;

use reqwest::Url;

/// The URL prefixes `httpJobHandler` may call. Parses from a comma-separated list, as
/// `--http-allow` / `JOBWHEEL_HTTP_ALLOW` give it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// `*`: any http or https URL.
    Any,
    /// A base URL: same scheme, host and port, and a path under the prefix's.
    Prefix(Url),
}

impl AllowList {
    /// True when no URL is allowed (the default).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `url` may be called (redirect targets are checked too).
    pub fn permits(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https")
            && self.entries.iter().any(|entry| match entry {
                Entry::Any => true,
                Entry::Prefix(prefix) => under(prefix, url),
            })
    }
}

/// `url` is `prefix` or below it.
fn under(prefix: &Url, url: &Url) -> bool {
    let base = prefix.path();
    let path = url.path();
    let path_ok = base.ends_with('/') && path.starts_with(base)
        || path == base
        || path
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with('/'));
    prefix.scheme() == url.scheme()
        && prefix.host() == url.host()
        && prefix.port_or_known_default() == url.port_or_known_default()
        && path_ok
}

impl FromStr for AllowList {
    type Err = String;

    /// `*`, or comma-separated http(s) base URLs (blank entries are ignored, so an empty
    /// variable means "nothing allowed").
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        let entries = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(parse_entry)
            .collect::<Result<_, _>>()?;
        Ok(Self { entries })
    }
}

fn parse_entry(text: &str) -> Result<Entry, String> {
    if text == "*" {
        return Ok(Entry::Any);
    }
    let url = Url::parse(text).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "{text:?} must be an http:// or https:// URL with a host"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(format!(
            "{text:?}: an allowed prefix has only scheme, host, port and path"
        ));
    }
    Ok(Entry::Prefix(url))
}

impl fmt::Display for AllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entries.is_empty() {
            return f.write_str("nothing");
        }
        for (i, entry) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match entry {
                Entry::Any => f.write_str("*")?,
                Entry::Prefix(url) => f.write_str(url.as_str())?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permits(list: &str, url: &str) -> bool {
        list.parse::<AllowList>()
            .unwrap()
            .permits(&Url::parse(url).unwrap())
    }

    #[test]
    fn nothing_is_allowed_by_default() {
        assert!(AllowList::default().is_empty());
        assert!(!permits("", "http://127.0.0.1/"));
        assert!(!permits(" , ", "http://example.com/"));
    }

    #[test]
    fn star_allows_any_web_url_only() {
        assert!(permits("*", "http://10.0.0.1:8080/x"));
        assert!(permits("*", "https://example.com/"));
        assert!(!permits("*", "file:///etc/passwd"));
    }

    #[test]
    fn a_prefix_is_matched_as_a_url_not_as_a_string() {
        let list = "http://api.example.com";
        assert!(permits(list, "http://api.example.com/"));
        assert!(permits(list, "http://API.example.com:80/v1/jobs?x=1"));
        assert!(!permits(list, "http://api.example.com.evil.net/"));
        assert!(!permits(list, "http://api.example.com@evil.net/"));
        assert!(!permits(list, "http://api.example.com:8080/"));
        assert!(!permits(list, "https://api.example.com/"));
    }

    #[test]
    fn a_path_prefix_ends_at_a_segment() {
        let list = "http://h/api, http://h/open/";
        assert!(permits(list, "http://h/api"));
        assert!(permits(list, "http://h/api/jobs"));
        assert!(!permits(list, "http://h/apiary"));
        assert!(!permits(list, "http://h/api/../admin"));
        assert!(!permits(list, "http://h/api/%2e%2e/admin"));
        assert!(permits(list, "http://h/open/x"));
        assert!(!permits(list, "http://h/open"));
    }

    #[test]
    fn bad_entries_are_refused_at_start() {
        for bad in ["example.com", "ftp://h/", "http://h/?q=1", "http://u@h/"] {
            assert!(bad.parse::<AllowList>().is_err(), "{bad}");
        }
        let list: AllowList = "http://a/x , *".parse().unwrap();
        assert_eq!(list.to_string(), "http://a/x, *");
    }
}
