//! CPU time and memory of a process, read from `/proc/<pid>/stat` and `/proc/<pid>/status`
//! (Linux only, which is where the figures are taken).

use anyhow::{Context, Result, bail};

/// A process's CPU time (user + system) and resident memory at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// User + system CPU time since the process started, seconds.
    pub cpu_seconds: f64,
    /// Resident set size, MiB.
    pub rss_mib: f64,
    /// Peak resident set size (`VmHWM`), MiB.
    pub peak_rss_mib: f64,
}

/// Samples process `pid`.
pub fn sample(pid: u32) -> Result<Sample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("process {pid} is gone"))?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    Ok(Sample {
        cpu_seconds: cpu_seconds(&stat)?,
        rss_mib: status_kib(&status, "VmRSS:")? / 1024.0,
        peak_rss_mib: status_kib(&status, "VmHWM:")? / 1024.0,
    })
}

/// Resets process `pid`'s peak resident set size (`VmHWM`) to its current one, so the peak
/// read later is the peak of what happened since (Linux ≥ 4.0, `clear_refs` value 5), and
/// says what that later peak covers: the window, or the process's lifetime where the reset
/// was refused.
///
/// Measuring the peak *under load* needs it: an admin's lifetime peak is its start-up,
/// where the first user's argon2 hash alone takes 19 MiB (BENCHMARKS.md, "How each
/// figure is taken").
pub fn open_peak_window(pid: u32) -> String {
    match std::fs::write(format!("/proc/{pid}/clear_refs"), "5") {
        Ok(()) => "VmHWM over the window".into(),
        Err(e) => format!("lifetime VmHWM (resetting it was refused: {e})"),
    }
}

/// CPU seconds of this process so far (user + system), from `getrusage`.
pub fn self_cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF and a valid pointer.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// utime + stime (fields 14 and 15) of a `/proc/<pid>/stat` line, in seconds. The command
/// name (field 2) may hold spaces, so fields are counted after its closing parenthesis.
fn cpu_seconds(stat: &str) -> Result<f64> {
    let after = stat
        .rfind(')')
        .map(|i| &stat[i + 1..])
        .context("malformed /proc stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the name, field 3 (state) is index 0, so utime (14) is index 11, stime index 12.
    if fields.len() < 13 {
        bail!("short /proc stat line");
    }
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    Ok(ticks / clock_ticks())
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 { hz as f64 } else { 100.0 }
}

fn status_kib(status: &str, key: &str) -> Result<f64> {
    let line = status
        .lines()
        .find(|l| l.starts_with(key))
        .with_context(|| format!("no {key} in /proc status"))?;
    let kib = line[key.len()..]
        .split_whitespace()
        .next()
        .context("empty status line")?;
    Ok(kib.parse()?)
}

/// The pid of the MariaDB server listening on this machine, to read its CPU time.
pub fn mariadb_pid() -> Option<u32> {
    let entries = std::fs::read_dir("/proc").ok()?;
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if matches!(comm.trim(), "mariadbd" | "mysqld") {
            return Some(pid);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_read_after_a_command_name_with_spaces() {
        let stat = "42 (my prog) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 1 0";
        let seconds = cpu_seconds(stat).unwrap();
        assert!((seconds - 300.0 / clock_ticks()).abs() < 1e-9);
    }

    #[test]
    fn this_process_can_be_sampled() {
        let s = sample(std::process::id()).unwrap();
        assert!(s.rss_mib > 0.0 && s.peak_rss_mib >= s.rss_mib);
    }

    #[test]
    fn a_reset_peak_forgets_memory_given_back_before_it() {
        let pid = std::process::id();
        let touched = vec![1u8; 96 << 20];
        assert_eq!(
            touched
                .iter()
                .step_by(4096)
                .map(|b| *b as usize)
                .sum::<usize>(),
            24576
        );
        drop(touched); // a block this large is unmapped when freed
        let before = sample(pid).unwrap();
        assert!(before.peak_rss_mib - before.rss_mib > 64.0, "{before:?}");
        assert_eq!(open_peak_window(pid), "VmHWM over the window");
        let after = sample(pid).unwrap();
        assert!(after.peak_rss_mib - after.rss_mib < 32.0, "{after:?}");
    }
}
