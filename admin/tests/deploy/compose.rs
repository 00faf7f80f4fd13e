//! `docker-compose.yml` as Compose reads it: YAML merge keys (`<<: *anchor`) applied,
//! `${VAR:-default}` interpolated, and the short and long forms of each field accepted.
//!
//! Interpolation takes the defaults and ignores the caller's environment, so the test sees
//! what `docker compose up` does on a machine with no `.env` file. A `${VAR}` without a
//! default is refused: the file must work as it is.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_yaml_ng::Value;

/// The file, reduced to the fields the checks read.
#[derive(Debug, Deserialize)]
pub struct Compose {
    pub services: BTreeMap<String, Service>,
    #[serde(default)]
    pub volumes: BTreeMap<String, Option<Value>>,
}

/// One service.
#[derive(Debug, Deserialize)]
pub struct Service {
    pub image: Option<String>,
    pub build: Option<Build>,
    #[serde(default)]
    pub command: Option<StringOrList>,
    #[serde(default)]
    pub environment: Environment,
    #[serde(default)]
    pub depends_on: DependsOn,
    pub healthcheck: Option<Healthcheck>,
    #[serde(default)]
    pub ports: Vec<Port>,
    #[serde(default)]
    pub volumes: Vec<String>,
}

/// `build: .` or `build: {context, dockerfile, target}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Build {
    Context(String),
    Full {
        context: String,
        dockerfile: Option<String>,
        target: Option<String>,
    },
}

impl Build {
    pub fn context(&self) -> &str {
        match self {
            Build::Context(c) | Build::Full { context: c, .. } => c,
        }
    }
    pub fn dockerfile(&self) -> &str {
        match self {
            Build::Full {
                dockerfile: Some(d),
                ..
            } => d,
            _ => "Dockerfile",
        }
    }
    pub fn target(&self) -> Option<&str> {
        match self {
            Build::Full { target, .. } => target.as_deref(),
            Build::Context(_) => None,
        }
    }
}

/// A string, or a list of strings (`command`, `healthcheck.test`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum StringOrList {
    One(String),
    Many(Vec<String>),
}

impl StringOrList {
    pub fn joined(&self) -> String {
        match self {
            StringOrList::One(s) => s.clone(),
            StringOrList::Many(v) => v.join(" "),
        }
    }
}

/// `environment:` as a map (values may be numbers or booleans) or as `KEY=VALUE` lines.
#[derive(Debug, Default, Deserialize)]
#[serde(from = "EnvironmentForm")]
pub struct Environment(pub BTreeMap<String, String>);

#[derive(Deserialize)]
#[serde(untagged)]
enum EnvironmentForm {
    Map(BTreeMap<String, Option<Value>>),
    List(Vec<String>),
}

impl From<EnvironmentForm> for Environment {
    fn from(form: EnvironmentForm) -> Self {
        let map = match form {
            EnvironmentForm::Map(map) => map
                .into_iter()
                .map(|(k, v)| (k, v.map(|v| scalar(&v)).unwrap_or_default()))
                .collect(),
            EnvironmentForm::List(lines) => lines
                .into_iter()
                .map(|line| match line.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (line, String::new()),
                })
                .collect(),
        };
        Environment(map)
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => panic!("environment value {other:?} is not a scalar"),
    }
}

/// `depends_on:` as a list (condition `service_started`) or a map with conditions.
#[derive(Debug, Default, Deserialize)]
#[serde(from = "DependsOnForm")]
pub struct DependsOn(pub BTreeMap<String, String>);

#[derive(Deserialize)]
#[serde(untagged)]
enum DependsOnForm {
    List(Vec<String>),
    Map(BTreeMap<String, Dependency>),
}

#[derive(Deserialize)]
struct Dependency {
    condition: Option<String>,
}

impl From<DependsOnForm> for DependsOn {
    fn from(form: DependsOnForm) -> Self {
        const STARTED: &str = "service_started";
        DependsOn(match form {
            DependsOnForm::List(names) => names.into_iter().map(|n| (n, STARTED.into())).collect(),
            DependsOnForm::Map(map) => map
                .into_iter()
                .map(|(n, d)| (n, d.condition.unwrap_or_else(|| STARTED.into())))
                .collect(),
        })
    }
}

/// `healthcheck:`; `disable: true` counts as none.
#[derive(Debug, Deserialize)]
pub struct Healthcheck {
    pub test: Option<StringOrList>,
    #[serde(default)]
    pub disable: bool,
}

impl Healthcheck {
    /// The command as one string, without the `CMD`/`CMD-SHELL` marker.
    pub fn command(&self) -> Option<String> {
        if self.disable {
            return None;
        }
        match self.test.as_ref()? {
            StringOrList::One(s) => Some(s.clone()),
            StringOrList::Many(v) => match v.first().map(String::as_str) {
                Some("CMD") | Some("CMD-SHELL") => Some(v[1..].join(" ")),
                _ => None, // ["NONE"] disables it
            },
        }
    }
}

/// A published port, short (`"[ip:]published:target"`) or long form.
#[derive(Debug, Deserialize)]
#[serde(from = "PortForm")]
pub struct Port {
    pub published: Option<String>,
    pub target: u16,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PortForm {
    Number(u16),
    Short(String),
    Long {
        target: u16,
        published: Option<Value>,
    },
}

impl From<PortForm> for Port {
    fn from(form: PortForm) -> Self {
        match form {
            PortForm::Number(target) => Port {
                published: None,
                target,
            },
            PortForm::Short(s) => {
                let s = s.split('/').next().unwrap_or_default(); // "80/tcp"
                let parts: Vec<&str> = s.rsplitn(3, ':').collect();
                Port {
                    target: parts[0].parse().unwrap_or_else(|_| panic!("port {s:?}")),
                    published: parts.get(1).map(|p| p.to_string()),
                }
            }
            PortForm::Long { target, published } => Port {
                published: published.map(|p| scalar(&p)),
                target,
            },
        }
    }
}

/// Reads and resolves a compose file's text.
pub fn parse(text: &str) -> Result<Compose, String> {
    let mut value: Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    value.apply_merge().map_err(|e| e.to_string())?;
    interpolate_all(&mut value)?;
    serde_yaml_ng::from_value(value).map_err(|e| e.to_string())
}

/// Interpolates every string value (Compose leaves keys alone).
fn interpolate_all(value: &mut Value) -> Result<(), String> {
    match value {
        Value::String(s) => *s = interpolate(s)?,
        Value::Sequence(items) => items.iter_mut().try_for_each(interpolate_all)?,
        Value::Mapping(map) => map.values_mut().try_for_each(interpolate_all)?,
        Value::Tagged(tagged) => interpolate_all(&mut tagged.value)?,
        _ => {}
    }
    Ok(())
}

/// `$$` → `$`; `${NAME:-default}` and `${NAME-default}` → `default`.
pub fn interpolate(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
        } else if let Some(after) = rest.strip_prefix('{') {
            let end = after
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in {text:?}"))?;
            let expr = &after[..end];
            let default = expr
                .split_once(":-")
                .or_else(|| expr.split_once('-'))
                .map(|(_, d)| d)
                .ok_or_else(|| {
                    format!(
                        "`${{{expr}}}` in {text:?} has no default; the file must run without .env"
                    )
                })?;
            out.push_str(default);
            rest = &after[end + 1..];
        } else {
            return Err(format!(
                "bare `$` in {text:?}: write `$$` or `${{NAME:-default}}`"
            ));
        }
    }
    out.push_str(rest);
    Ok(out)
}
