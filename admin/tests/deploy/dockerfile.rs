//! A Dockerfile as stages of instructions, continuation lines joined and comments dropped.

/// One `FROM … [AS name]` stage.
#[derive(Debug)]
pub struct Stage {
    pub base: String,
    pub name: Option<String>,
    /// `(KEYWORD, rest of the line)`, keyword upper-cased.
    pub instructions: Vec<(String, String)>,
}

impl Stage {
    /// The arguments of every instruction `keyword` in this stage.
    pub fn all(&self, keyword: &str) -> Vec<&str> {
        self.instructions
            .iter()
            .filter(|(k, _)| k == keyword)
            .map(|(_, rest)| rest.as_str())
            .collect()
    }
}

/// Parses the file into its stages (instructions before the first `FROM`, i.e. global
/// `ARG`s, are dropped).
pub fn parse(text: &str) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    for line in logical_lines(text) {
        let (keyword, rest) = line.split_once(char::is_whitespace).unwrap_or((&line, ""));
        let keyword = keyword.to_ascii_uppercase();
        let rest = rest.trim().to_string();
        if keyword == "FROM" {
            let words: Vec<&str> = rest
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let name = match words.as_slice() {
                [_, as_, name] if as_.eq_ignore_ascii_case("as") => Some(name.to_string()),
                _ => None,
            };
            stages.push(Stage {
                base: words.first().map(|w| w.to_string()).unwrap_or_default(),
                name,
                instructions: Vec::new(),
            });
        } else if let Some(stage) = stages.last_mut() {
            stage.instructions.push((keyword, rest));
        }
    }
    stages
}

/// Lines with `\` continuations joined; comment and blank lines dropped (also inside a
/// continued instruction, as Docker does).
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for raw in text.lines() {
        let trimmed = raw.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.trim().is_empty() {
        lines.push(current);
    }
    lines
}
