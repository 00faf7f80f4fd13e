//! Settings given as environment variables, parsed by a program's real clap definition.
//!
//! Compose hands settings to our programs as `JOBWHEEL_*` variables. Setting process
//! variables in a test would race with other tests, so each variable is turned into the
//! flag that declares it (`env = "JOBWHEEL_…"`) and the program's own parser reads the
//! command line. A variable no flag declares is an error: that is how a renamed key shows.

use std::collections::BTreeMap;
use std::ffi::OsStr;

use clap::Parser;

/// What clap reads as `false` for a flag set from its environment variable.
const FALSEY: [&str; 6] = ["n", "no", "f", "false", "off", "0"];

/// Parses the `JOBWHEEL_*` entries of `env` with `P`'s definition; other variables
/// (`RUST_LOG`, `TZ`…) are ignored.
pub fn parse_env<P: Parser>(env: &BTreeMap<String, String>) -> Result<P, String> {
    let command = P::command();
    let name = command.get_name().to_string();
    let mut argv = vec![name.clone()];
    for (key, value) in env.iter().filter(|(k, _)| k.starts_with("JOBWHEEL_")) {
        let arg = command
            .get_arguments()
            .find(|a| a.get_env() == Some(OsStr::new(key)))
            .ok_or_else(|| format!("`{key}` is not a setting of {name}"))?;
        let long = arg
            .get_long()
            .ok_or_else(|| format!("`{key}` has no long flag in {name}"))?;
        if arg.get_action().takes_values() {
            argv.push(format!("--{long}={value}"));
        } else if !FALSEY.contains(&value.to_ascii_lowercase().as_str()) {
            argv.push(format!("--{long}"));
        }
    }
    P::try_parse_from(&argv).map_err(|e| format!("{name} rejects {argv:?}: {e}"))
}

/// Every environment variable `P` reads, for error messages.
pub fn env_names<P: Parser>() -> Vec<String> {
    P::command()
        .get_arguments()
        .filter_map(|a| a.get_env())
        .map(|e| e.to_string_lossy().into_owned())
        .collect()
}
