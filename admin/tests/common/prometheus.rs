//! Reads the Prometheus text format the admin serves on `/metrics`, so tests can ask for a
//! series by name and labels.
#![allow(dead_code)]

use std::collections::BTreeMap;

/// One sample line: `name{label="value",…} 1.5`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Series name (histograms: with `_bucket`, `_sum` or `_count`).
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Value.
    pub value: f64,
}

/// A scrape, parsed.
#[derive(Debug, Clone, Default)]
pub struct Scrape {
    /// Every sample, in order.
    pub samples: Vec<Sample>,
}

impl Scrape {
    /// Parses the text format; panics (a test failure) on a line that is not a sample,
    /// a comment or blank.
    pub fn parse(text: &str) -> Self {
        let samples = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|line| parse_line(line).unwrap_or_else(|| panic!("not a sample: {line:?}")))
            .collect();
        Self { samples }
    }

    /// The sum of the samples of `name` that carry every label of `labels` (other labels may
    /// differ); `None` when there is none.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let matching: Vec<f64> = self
            .samples
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .collect();
        (!matching.is_empty()).then(|| matching.iter().sum())
    }

    /// Like [`value`](Self::value), but 0 when the series is absent.
    pub fn or_zero(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels).unwrap_or(0.0)
    }

    /// The mean of a histogram (`_sum / _count`) over the matching samples.
    pub fn mean(&self, histogram: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let count = self.value(&format!("{histogram}_count"), labels)?;
        let sum = self.value(&format!("{histogram}_sum"), labels)?;
        (count > 0.0).then(|| sum / count)
    }
}

fn parse_line(line: &str) -> Option<Sample> {
    let (series, value) = line.trim().rsplit_once(' ')?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    let (name, labels) = match series.split_once('{') {
        None => (series.to_string(), BTreeMap::new()),
        Some((name, rest)) => (name.to_string(), parse_labels(rest.strip_suffix('}')?)?),
    };
    Some(Sample {
        name,
        labels,
        value,
    })
}

/// `a="1",b="x"` (values here never contain quotes or commas).
fn parse_labels(text: &str) -> Option<BTreeMap<String, String>> {
    text.split(',')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((key.to_string(), value.trim_matches('"').to_string()))
        })
        .collect()
}
