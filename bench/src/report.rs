//! The table a run prints: one row per figure, with its target and whether it is met, as
//! Markdown so a run's output can be pasted into BENCHMARKS.md as it is.

use std::fmt::Write as _;

/// A target a figure is held to.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// No target: the figure is context (a ceiling, a peer's figure).
    None,
    /// The figure must be at least this.
    AtLeast(f64),
    /// The figure must be at most this.
    AtMost(f64),
}

/// One measured figure.
#[derive(Debug, Clone)]
pub struct Row {
    /// Scenario name.
    pub scenario: String,
    /// What was measured, e.g. "fires/s, 4 executors".
    pub figure: String,
    /// Store or subject (MariaDB, SQLite, jobwheel, pyxxl…).
    pub subject: String,
    /// The value, `None` when it could not be measured (see `note`).
    pub value: Option<f64>,
    /// Unit of `value`.
    pub unit: &'static str,
    /// Target, if any.
    pub target: Target,
    /// Why a value is missing, or context (ratio to a ceiling…).
    pub note: String,
}

impl Row {
    fn verdict(&self) -> &'static str {
        match (self.value, self.target) {
            (_, Target::None) => "",
            (None, _) => "n/a",
            (Some(v), Target::AtLeast(t)) if v >= t => "met",
            (Some(v), Target::AtMost(t)) if v <= t => "met",
            _ => "MISSED",
        }
    }
}

/// Collects rows and prints them.
#[derive(Debug, Default)]
pub struct Report {
    rows: Vec<Row>,
}

impl Report {
    /// Adds a measured figure and echoes it at once (a long run shows progress).
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        scenario: &str,
        subject: &str,
        figure: &str,
        value: f64,
        unit: &'static str,
        target: Target,
        note: impl Into<String>,
    ) {
        self.push(Row {
            scenario: scenario.into(),
            figure: figure.into(),
            subject: subject.into(),
            value: Some(value),
            unit,
            target,
            note: note.into(),
        });
    }

    /// Records that a figure could not be measured, and why.
    pub fn missing(&mut self, scenario: &str, subject: &str, figure: &str, why: impl Into<String>) {
        self.push(Row {
            scenario: scenario.into(),
            figure: figure.into(),
            subject: subject.into(),
            value: None,
            unit: "",
            target: Target::None,
            note: why.into(),
        });
    }

    fn push(&mut self, row: Row) {
        eprintln!("  {}", line(&row));
        self.rows.push(row);
    }

    /// The value of an earlier figure (ratios to the ceilings).
    pub fn value(&self, scenario: &str, subject: &str, figure: &str) -> Option<f64> {
        self.rows
            .iter()
            .rev()
            .find(|r| r.scenario == scenario && r.subject == subject && r.figure == figure)
            .and_then(|r| r.value)
    }

    /// The whole table, as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| scenario | subject | figure | value | target | verdict | note |\n|---|---|---|---:|---|---|---|\n",
        );
        for row in &self.rows {
            let _ = writeln!(out, "{}", line(row));
        }
        out
    }
}

fn line(row: &Row) -> String {
    let value = match row.value {
        Some(v) => format!("{} {}", number(v), row.unit),
        None => "—".to_string(),
    };
    let target = match row.target {
        Target::None => String::new(),
        Target::AtLeast(t) => format!("≥ {} {}", number(t), row.unit),
        Target::AtMost(t) => format!("≤ {} {}", number(t), row.unit),
    };
    format!(
        "| {} | {} | {} | {} | {} | {} | {} |",
        row.scenario,
        row.subject,
        row.figure,
        value.trim_end(),
        target.trim_end(),
        row.verdict(),
        row.note
    )
}

/// Three significant figures at most, without a useless fraction.
pub fn number(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// The `p`-th percentile (0–100) of sorted `values`, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_the_target() {
        let mut report = Report::default();
        report.add("s", "x", "a", 5.0, "ms", Target::AtMost(10.0), "");
        report.add("s", "x", "b", 50.0, "ms", Target::AtMost(10.0), "");
        report.add("s", "x", "c", 50.0, "/s", Target::AtLeast(10.0), "");
        let table = report.markdown();
        assert!(table.contains("| s | x | a | 5 ms | ≤ 10 ms | met |"));
        assert!(table.contains("| s | x | b | 50 ms | ≤ 10 ms | MISSED |"));
        assert!(table.contains("| s | x | c | 50 /s | ≥ 10 /s | met |"));
        assert_eq!(report.value("s", "x", "c"), Some(50.0));
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&v, 100.0), 100.0);
    }
}
