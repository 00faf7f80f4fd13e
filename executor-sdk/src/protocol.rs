//! The XXL-JOB wire protocol, all three generations (2.2 … 3.5), as Rust types.
//!
//! This module is THE definition of what travels between an admin and an executor. The
//! Jobwheel admin, this SDK and the tests all use it, so a field name can only be wrong in one
//! place. Names, paths, header names and codes are the protocol's, byte for byte
//! (shared/PROTOCOL.md §0, §1, §2).
//!
//! Three generations differ in a few places, and these types absorb the differences:
//! * the payload of a reply is `content` (G1, ≤ 3.2) or `data` (G2/G3): [`WireResponse`] writes
//!   both and reads either;
//! * `/log` and callbacks spell the trigger time `logDateTim` (G1/G2) or `logDateTime` (G3):
//!   [`LogRequest`] and [`CallbackItem`] read either and can write both;
//! * the callback body is a bare array (G1/G2) or `{"callbackList": [...]}` (G3):
//!   [`CallbackBody`] reads both and writes the one asked for;
//! * 2.2 executors report `executeResult: {code, msg}` instead of `handleCode`/`handleMsg`.
//!
//! Java peers parse with Gson, which is lenient: unknown fields are ignored, missing ones
//! default to 0/null, and numbers may arrive as strings. The request types here mirror that
//! leniency (see [`lenient`]) so that any peer that works with XXL-JOB works with us.

use serde::{Deserialize, Serialize};

/// Header carrying the access token, sent by every generation.
pub const ACCESS_TOKEN_HEADER: &str = "XXL-JOB-ACCESS-TOKEN";
/// Header carrying the executor's app name; mandatory in G3 (3.5), absent before.
pub const APPNAME_HEADER: &str = "XXL-JOB-APPNAME";

/// Code for success in every envelope and result.
pub const CODE_SUCCESS: i32 = 200;
/// Code for failure in every envelope and result.
pub const CODE_FAIL: i32 = 500;
/// Handle code of a run that exceeded its `executorTimeout`.
pub const CODE_TIMEOUT: i32 = 502;
/// Handle code of a run that has not reported yet.
pub const CODE_RUNNING: i32 = 0;

/// Registry group of executors; the only one XXL-JOB uses.
pub const REGISTRY_GROUP_EXECUTOR: &str = "EXECUTOR";

/// Executor paths (relative to the executor's base address).
pub mod executor_paths {
    /// Liveness probe used by the FAILOVER router.
    pub const BEAT: &str = "/beat";
    /// "Are you idle for this job?" probe used by the BUSYOVER router.
    pub const IDLE_BEAT: &str = "/idleBeat";
    /// Trigger a run, G1/G2 (≤ 3.4).
    pub const RUN: &str = "/run";
    /// Trigger a run, G3 (3.5).
    pub const TRIGGER: &str = "/trigger";
    /// Kill a job's running and queued runs.
    pub const KILL: &str = "/kill";
    /// Read a run's log by line range.
    pub const LOG: &str = "/log";
}

/// Admin paths for executors, relative to the admin base URL (which may carry a context path).
pub mod admin_paths {
    /// Heartbeat / registration.
    pub const REGISTRY: &str = "api/registry";
    /// Deregistration on shutdown.
    pub const REGISTRY_REMOVE: &str = "api/registryRemove";
    /// Run results.
    pub const CALLBACK: &str = "api/callback";
}

/// Texts the protocol fixes; peers match some of them (e.g. auto-detection of `/trigger`).
pub mod messages {
    /// G1/G2 reply to a wrong token.
    pub const ACCESS_TOKEN_WRONG: &str = "The access token is wrong.";
    /// G3 reply when a header is missing.
    pub const TOKEN_OR_APPNAME_EMPTY: &str = "invalid request, accessToken or appname is empty.";
    /// G3 reply when a header does not match.
    pub const TOKEN_OR_APPNAME_INVALID: &str = "invalid request, accessToken or appname invalid.";
    /// Reply to a non-POST request.
    pub const METHOD_NOT_SUPPORTED: &str = "invalid request, HttpMethod not support.";
    /// Reply to an admin API call with no body (G2/G3).
    pub const BODY_EMPTY: &str = "invalid request, requestBody empty.";
    /// Reply to a registry call with a blank field.
    pub const ILLEGAL_ARGUMENT: &str = "Illegal Argument.";
    /// Executor reply when the job is busy (BUSYOVER).
    pub const JOB_BUSY: &str = "job thread is running or has trigger queue.";
    /// Executor reply to `/kill` when nothing runs.
    pub const ALREADY_KILLED: &str = "job thread already killed.";
    /// Block strategy DISCARD_LATER rejected a trigger. The colon is full-width (U+FF1A).
    pub const DISCARD_LATER: &str = "block strategy effect：Discard Later";
    /// Reason given to a run replaced by COVER_EARLY.
    pub const COVER_EARLY: &str = "block strategy effect：Cover Early";
    /// Reason given to a run stopped by `/kill`.
    pub const KILL_REASON: &str = "scheduling center kill job.";
    /// Suffix appended to the reason of a running run that was stopped.
    pub const KILLED_RUNNING_SUFFIX: &str = " [job running, killed]";
    /// Suffix appended to the reason of a queued run that was dropped.
    pub const KILLED_QUEUED_SUFFIX: &str = " [job not executed, in the job queue, killed.]";
    /// Handle message of a run that exceeded its timeout.
    pub const TIMEOUT: &str = "job execute timeout ";
    /// `/log` reply when the file does not exist.
    pub const LOG_FILE_MISSING: &str = "readLog fail, logFile not exists";

    /// Unknown URI, as the executor and the admin dispatcher word it.
    pub fn uri_not_found(uri: &str) -> String {
        format!("invalid request, uri-mapping({uri}) not found.")
    }

    /// Unknown BEAN handler.
    pub fn handler_not_found(name: &str) -> String {
        format!("job handler [{name}] not found.")
    }

    /// Unknown or unsupported glue type.
    pub fn glue_type_not_valid(glue_type: &str) -> String {
        format!("glueType[{glue_type}] is not valid.")
    }

    /// Duplicate logId in a job's queue (G1/G2 spelling, kept verbatim).
    pub fn repeated_trigger(log_id: i64) -> String {
        format!("repeate trigger job, logId:{log_id}")
    }
}

/// Which generation of the protocol a peer speaks, where it matters on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProtocolGeneration {
    /// G1/G2 (2.2 … 3.4): `/run`, callback array, `logDateTim`.
    #[default]
    Legacy,
    /// G3 (3.5): `/trigger`, `{callbackList}`, `logDateTime`, appname header.
    V3_5,
}

impl ProtocolGeneration {
    /// The executor path that triggers a run in this generation.
    pub fn trigger_path(self) -> &'static str {
        match self {
            Self::Legacy => executor_paths::RUN,
            Self::V3_5 => executor_paths::TRIGGER,
        }
    }
}

impl std::str::FromStr for ProtocolGeneration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "legacy" | "g1" | "g2" => Ok(Self::Legacy),
            "v3_5" | "v3.5" | "g3" => Ok(Self::V3_5),
            other => Err(format!(
                "unknown protocol generation `{other}` (expected `legacy` or `v3_5`)"
            )),
        }
    }
}

/// The reply envelope of every call, in both directions.
///
/// G1 peers read the payload from `content`, G2/G3 peers from `data`; Java ignores unknown
/// fields, so writing both serves every generation. Nulls are omitted, as Gson does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireResponse<T> {
    /// 200 success, 500 failure (502 for rate limits in 3.5's API).
    #[serde(default, deserialize_with = "lenient::i32")]
    pub code: i32,
    /// Human text; may contain HTML `<br>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<String>,
    /// Payload as G1 peers read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<T>,
    /// Payload as G2/G3 peers read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
}

impl<T> WireResponse<T> {
    /// `{"code":200}` — a bare success, as G1's `ReturnT.SUCCESS`.
    pub fn success() -> Self {
        Self {
            code: CODE_SUCCESS,
            msg: None,
            content: None,
            data: None,
        }
    }

    /// A failure with a message.
    pub fn fail(msg: impl Into<String>) -> Self {
        Self {
            code: CODE_FAIL,
            msg: Some(msg.into()),
            content: None,
            data: None,
        }
    }

    /// True when `code` is 200.
    pub fn is_success(&self) -> bool {
        self.code == CODE_SUCCESS
    }

    /// The payload, wherever the peer put it (`data` first, else `content`).
    pub fn into_payload(self) -> Option<T> {
        self.data.or(self.content)
    }
}

impl<T: Clone> WireResponse<T> {
    /// A success carrying `payload` under both `content` and `data`.
    pub fn with_payload(payload: T) -> Self {
        Self {
            code: CODE_SUCCESS,
            msg: None,
            content: Some(payload.clone()),
            data: Some(payload),
        }
    }
}

/// The admin's reply to executor API calls (`api/registry`, `api/callback` …).
///
/// Java admins answer with Jackson, nulls included: `{"code":200,"msg":null,"content":null,
/// "data":null}` is a superset every generation of executor accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminApiReply {
    /// 200 success, 500 failure.
    pub code: i32,
    /// Failure text, null on success.
    pub msg: Option<String>,
    /// Always null; present for G1 executors.
    pub content: Option<String>,
    /// Always null; present for G2/G3 executors.
    pub data: Option<String>,
}

impl AdminApiReply {
    /// `{"code":200,"msg":null,"content":null,"data":null}`.
    pub fn success() -> Self {
        Self {
            code: CODE_SUCCESS,
            msg: None,
            content: None,
            data: None,
        }
    }

    /// A failure with the protocol's message.
    pub fn fail(msg: impl Into<String>) -> Self {
        Self {
            code: CODE_FAIL,
            msg: Some(msg.into()),
            content: None,
            data: None,
        }
    }
}

/// Body of `/run` (G1/G2) and `/trigger` (G3): one run of a job on this executor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TriggerParam {
    /// The job; the executor keeps one queue per job id.
    #[serde(default, deserialize_with = "lenient::i32")]
    pub job_id: i32,
    /// BEAN handler name.
    #[serde(default)]
    pub executor_handler: Option<String>,
    /// The job parameter (plural on the wire).
    #[serde(default)]
    pub executor_params: Option<String>,
    /// `SERIAL_EXECUTION`, `DISCARD_LATER` or `COVER_EARLY` (see [`BlockStrategy`]).
    #[serde(default)]
    pub executor_block_strategy: Option<String>,
    /// Seconds; > 0 enables the timeout.
    #[serde(default, deserialize_with = "lenient::i32")]
    pub executor_timeout: i32,
    /// Primary key of the admin's log row; also the log file name.
    #[serde(default, deserialize_with = "lenient::i64")]
    pub log_id: i64,
    /// Epoch ms of the trigger; selects the log directory date.
    #[serde(default, deserialize_with = "lenient::i64")]
    pub log_date_time: i64,
    /// `BEAN` or a GLUE type (see [`GlueType`]).
    #[serde(default)]
    pub glue_type: Option<String>,
    /// Script source for GLUE types.
    #[serde(default)]
    pub glue_source: Option<String>,
    /// Epoch ms of the last GLUE edit: the cache key for the script file.
    #[serde(default, deserialize_with = "lenient::i64")]
    pub glue_updatetime: i64,
    /// Shard index, 0-based.
    #[serde(default, deserialize_with = "lenient::i32")]
    pub broadcast_index: i32,
    /// Shard total (1 when not broadcast).
    #[serde(default, deserialize_with = "lenient::i32")]
    pub broadcast_total: i32,
}

/// Body of `/idleBeat` and `/kill`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct JobIdParam {
    /// The job asked about.
    #[serde(default, deserialize_with = "lenient::i32")]
    pub job_id: i32,
}

/// Body of `/log`. Reads `logDateTim` (G1/G2) or `logDateTime` (G3); writes both, which
/// Gson-based executors of every generation accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogRequest {
    /// Epoch ms of the trigger (selects the date directory).
    pub log_date_time: i64,
    /// The run's log id.
    pub log_id: i64,
    /// First line wanted, 1-based.
    pub from_line_num: i32,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct LogRequestWire {
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    log_date_tim: Option<i64>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    log_date_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient::i64")]
    log_id: i64,
    #[serde(default, deserialize_with = "lenient::i32")]
    from_line_num: i32,
}

impl Serialize for LogRequest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        LogRequestWire {
            log_date_tim: Some(self.log_date_time),
            log_date_time: Some(self.log_date_time),
            log_id: self.log_id,
            from_line_num: self.from_line_num,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for LogRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = LogRequestWire::deserialize(deserializer)?;
        Ok(Self {
            log_date_time: wire.log_date_time.or(wire.log_date_tim).unwrap_or(0),
            log_id: wire.log_id,
            from_line_num: wire.from_line_num,
        })
    }
}

/// Payload of the `/log` reply. The key really is `isEnd`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct LogResult {
    /// First line returned (echoes the request).
    #[serde(default, deserialize_with = "lenient::i32")]
    pub from_line_num: i32,
    /// Last line returned, or 0 when nothing new; `from > to` means "nothing new".
    #[serde(default, deserialize_with = "lenient::i32")]
    pub to_line_num: i32,
    /// The lines, each followed by `\n`.
    #[serde(default)]
    pub log_content: Option<String>,
    /// Set by executors only when the file is missing; the admin decides when a log ended.
    #[serde(default)]
    pub is_end: bool,
}

/// Body of `api/registry` and `api/registryRemove`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RegistryParam {
    /// Always `EXECUTOR` in practice.
    #[serde(default)]
    pub registry_group: String,
    /// The executor's app name.
    #[serde(default)]
    pub registry_key: String,
    /// The executor's base URL, e.g. `http://10.0.0.5:9999/`.
    #[serde(default)]
    pub registry_value: String,
}

impl RegistryParam {
    /// An executor registration for `app_name` at `address`.
    pub fn executor(app_name: impl Into<String>, address: impl Into<String>) -> Self {
        Self {
            registry_group: REGISTRY_GROUP_EXECUTOR.to_string(),
            registry_key: app_name.into(),
            registry_value: address.into(),
        }
    }

    /// True when any field is blank, which the protocol answers with "Illegal Argument.".
    pub fn has_blank_field(&self) -> bool {
        self.registry_group.trim().is_empty()
            || self.registry_key.trim().is_empty()
            || self.registry_value.trim().is_empty()
    }
}

/// 2.2's result shape inside a callback item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ExecuteResult {
    /// Handle code.
    #[serde(default, deserialize_with = "lenient::i32")]
    pub code: i32,
    /// Handle message.
    #[serde(default)]
    pub msg: Option<String>,
}

/// One run result, as posted to `api/callback`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallbackItem {
    /// The run's log id.
    pub log_id: i64,
    /// Epoch ms of the trigger (only the executor uses it).
    pub log_date_time: i64,
    /// 200 success, 500 fail, 502 timeout; anything else counts as failure.
    pub handle_code: i32,
    /// Result text.
    pub handle_msg: Option<String>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CallbackItemWire {
    #[serde(default, deserialize_with = "lenient::i64")]
    log_id: i64,
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    log_date_tim: Option<i64>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    log_date_time: Option<i64>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_i32",
        skip_serializing_if = "Option::is_none"
    )]
    handle_code: Option<i32>,
    #[serde(default)]
    handle_msg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    execute_result: Option<ExecuteResult>,
}

impl CallbackItem {
    fn to_wire(&self, generation: ProtocolGeneration) -> CallbackItemWire {
        match generation {
            // Legacy admins read `logDateTim`; `logDateTime` and 2.2's `executeResult` are
            // ignored by 2.3+ and needed by 2.2, so sending them is harmless.
            ProtocolGeneration::Legacy => CallbackItemWire {
                log_id: self.log_id,
                log_date_tim: Some(self.log_date_time),
                log_date_time: Some(self.log_date_time),
                handle_code: Some(self.handle_code),
                handle_msg: self.handle_msg.clone(),
                execute_result: Some(ExecuteResult {
                    code: self.handle_code,
                    msg: self.handle_msg.clone(),
                }),
            },
            ProtocolGeneration::V3_5 => CallbackItemWire {
                log_id: self.log_id,
                log_date_tim: None,
                log_date_time: Some(self.log_date_time),
                handle_code: Some(self.handle_code),
                handle_msg: self.handle_msg.clone(),
                execute_result: None,
            },
        }
    }
}

impl Serialize for CallbackItem {
    /// Serialises in the legacy shape, which carries both time spellings.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_wire(ProtocolGeneration::Legacy)
            .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for CallbackItem {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = CallbackItemWire::deserialize(deserializer)?;
        let (handle_code, handle_msg) = match (wire.handle_code, wire.execute_result) {
            (Some(code), _) => (code, wire.handle_msg),
            (None, Some(result)) => (result.code, result.msg.or(wire.handle_msg)),
            (None, None) => (0, wire.handle_msg),
        };
        Ok(Self {
            log_id: wire.log_id,
            log_date_time: wire.log_date_time.or(wire.log_date_tim).unwrap_or(0),
            handle_code,
            handle_msg,
        })
    }
}

/// Body of `api/callback`: a bare array (G1/G2) or `{"callbackList": [...]}` (G3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackBody {
    /// The results in the batch.
    pub items: Vec<CallbackItem>,
}

impl<'de> Deserialize<'de> for CallbackBody {
    /// Read with a visitor that sees which shape arrives, rather than an untagged enum that
    /// buffers the whole batch and tries each shape in turn (the admin reads every result
    /// of every run through here).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CallbackBodyVisitor)
    }
}

/// The two shapes of a callback body: `[item, …]`, or an object whose `callbackList` holds
/// them (an object without one is an empty batch; its other keys are ignored).
struct CallbackBodyVisitor;

impl<'de> serde::de::Visitor<'de> for CallbackBodyVisitor {
    type Value = CallbackBody;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of callback items or an object with `callbackList`")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(CallbackBody { items })
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items: Option<Vec<CallbackItem>> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key != "callbackList" {
                map.next_value::<serde::de::IgnoredAny>()?;
            } else if items.is_some() {
                return Err(serde::de::Error::duplicate_field("callbackList"));
            } else {
                items = Some(map.next_value()?);
            }
        }
        Ok(CallbackBody {
            items: items.unwrap_or_default(),
        })
    }
}

impl CallbackBody {
    /// The JSON body a given admin generation understands.
    pub fn to_json(&self, generation: ProtocolGeneration) -> serde_json::Value {
        let items: Vec<CallbackItemWire> =
            self.items.iter().map(|i| i.to_wire(generation)).collect();
        let list = serde_json::to_value(items).unwrap_or(serde_json::Value::Null);
        match generation {
            ProtocolGeneration::Legacy => list,
            ProtocolGeneration::V3_5 => serde_json::json!({ "callbackList": list }),
        }
    }
}

/// What the executor does with a trigger for a job that is already running or queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BlockStrategy {
    /// Queue behind the running one (also the fallback for unknown names).
    #[default]
    SerialExecution,
    /// Reject the new trigger while busy.
    DiscardLater,
    /// Kill the running one, then run the new one.
    CoverEarly,
}

impl BlockStrategy {
    /// Every strategy, in XXL-JOB's order.
    pub const ALL: [BlockStrategy; 3] =
        [Self::SerialExecution, Self::DiscardLater, Self::CoverEarly];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SerialExecution => "SERIAL_EXECUTION",
            Self::DiscardLater => "DISCARD_LATER",
            Self::CoverEarly => "COVER_EARLY",
        }
    }

    /// Parses a wire name strictly (for validating admin input).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Parses as an executor does: unknown or missing names mean serial execution.
    pub fn from_wire(name: Option<&str>) -> Self {
        name.and_then(Self::parse).unwrap_or_default()
    }
}

/// How a job's code is provided: a named handler (BEAN) or a script shipped in the trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum GlueType {
    /// A handler registered by name in the executor.
    #[default]
    #[serde(rename = "BEAN")]
    Bean,
    /// Java/Groovy source; only Java executors can run it.
    #[serde(rename = "GLUE_GROOVY")]
    Groovy,
    /// `bash` script.
    #[serde(rename = "GLUE_SHELL")]
    Shell,
    /// `python3` script.
    #[serde(rename = "GLUE_PYTHON")]
    Python,
    /// `python` (2) script.
    #[serde(rename = "GLUE_PYTHON2")]
    Python2,
    /// `node` script.
    #[serde(rename = "GLUE_NODEJS")]
    NodeJs,
    /// `php` script.
    #[serde(rename = "GLUE_PHP")]
    Php,
    /// `pwsh` script.
    #[serde(rename = "GLUE_POWERSHELL")]
    PowerShell,
}

impl GlueType {
    /// Every glue type, in XXL-JOB's order.
    pub const ALL: [GlueType; 8] = [
        Self::Bean,
        Self::Groovy,
        Self::Shell,
        Self::Python,
        Self::Python2,
        Self::NodeJs,
        Self::Php,
        Self::PowerShell,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bean => "BEAN",
            Self::Groovy => "GLUE_GROOVY",
            Self::Shell => "GLUE_SHELL",
            Self::Python => "GLUE_PYTHON",
            Self::Python2 => "GLUE_PYTHON2",
            Self::NodeJs => "GLUE_NODEJS",
            Self::Php => "GLUE_PHP",
            Self::PowerShell => "GLUE_POWERSHELL",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == name)
    }

    /// The display name XXL-JOB shows.
    pub fn title(self) -> &'static str {
        match self {
            Self::Bean => "BEAN",
            Self::Groovy => "GLUE(Java)",
            Self::Shell => "GLUE(Shell)",
            Self::Python => "GLUE(Python3)",
            Self::Python2 => "GLUE(Python2)",
            Self::NodeJs => "GLUE(Nodejs)",
            Self::Php => "GLUE(PHP)",
            Self::PowerShell => "GLUE(PowerShell)",
        }
    }

    /// For script types, the interpreter command and the script file suffix.
    pub fn script(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Shell => Some(("bash", ".sh")),
            Self::Python => Some(("python3", ".py")),
            Self::Python2 => Some(("python", ".py")),
            Self::NodeJs => Some(("node", ".js")),
            Self::Php => Some(("php", ".php")),
            Self::PowerShell => Some(("pwsh", ".ps1")),
            Self::Bean | Self::Groovy => None,
        }
    }
}

/// Gson-like leniency for numbers: accept a JSON number, a numeric string, or null (→ 0).
///
/// Read with a visitor rather than an untagged enum: serde's untagged enums buffer the
/// value first and then try each variant, which for the results of a callback batch was
/// most of the admin's cost of reading it (callgrind, BENCHMARKS.md "What was changed" 14).
pub mod lenient {
    use std::fmt;

    use serde::de::{Deserializer, Error, Visitor};

    /// A number as Gson reads it: integer, whole float, numeric string; blank or null is none.
    struct LenientInt;

    impl<'de> Visitor<'de> for LenientInt {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an integer, a numeric string or null")
        }

        fn visit_i64<E: Error>(self, n: i64) -> Result<Self::Value, E> {
            Ok(Some(n))
        }

        fn visit_u64<E: Error>(self, n: u64) -> Result<Self::Value, E> {
            // Beyond i64 only as a float, as the untagged reading did.
            match i64::try_from(n) {
                Ok(n) => Ok(Some(n)),
                Err(_) => self.visit_f64(n as f64),
            }
        }

        fn visit_f64<E: Error>(self, f: f64) -> Result<Self::Value, E> {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                Ok(Some(f as i64))
            } else {
                Err(E::custom(format!("expected an integer, got {f}")))
            }
        }

        fn visit_str<E: Error>(self, s: &str) -> Result<Self::Value, E> {
            if s.trim().is_empty() {
                return Ok(None);
            }
            s.trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| E::custom(format!("expected an integer, got \"{s}\"")))
        }

        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    /// An optional i64.
    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        d.deserialize_any(LenientInt)
    }

    /// An i64, null or missing → 0.
    pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        Ok(opt_i64(d)?.unwrap_or(0))
    }

    /// An optional i32; out-of-range values are an error, not a wrap-around.
    pub fn opt_i32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
        match opt_i64(d)? {
            None => Ok(None),
            Some(n) => i32::try_from(n)
                .map(Some)
                .map_err(|_| D::Error::custom(format!("integer {n} out of range"))),
        }
    }

    /// An i32, null or missing → 0.
    pub fn i32<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
        Ok(opt_i32(d)?.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn trigger_param_reads_a_3_5_trigger_request_with_string_numbers() {
        let body = json!({
            "jobId": "7", "executorHandler": "demoJobHandler", "executorParams": "a=1",
            "executorBlockStrategy": "SERIAL_EXECUTION", "executorTimeout": 0,
            "logId": 42, "logDateTime": 1700000000000i64, "glueType": "BEAN",
            "glueSource": null, "glueUpdatetime": 1700000000000i64,
            "broadcastIndex": 0, "broadcastTotal": 1, "unknownField": true
        });
        let p: TriggerParam = serde_json::from_value(body).unwrap();
        assert_eq!(p.job_id, 7);
        assert_eq!(p.log_id, 42);
        assert_eq!(p.executor_params.as_deref(), Some("a=1"));
        assert_eq!(p.broadcast_total, 1);
    }

    #[test]
    fn log_request_reads_either_spelling_and_writes_both() {
        let g1: LogRequest =
            serde_json::from_value(json!({"logDateTim": 5, "logId": 1, "fromLineNum": 2})).unwrap();
        let g3: LogRequest =
            serde_json::from_value(json!({"logDateTime": 5, "logId": 1, "fromLineNum": 2}))
                .unwrap();
        assert_eq!(g1, g3);
        let out = serde_json::to_value(g1).unwrap();
        assert_eq!(out["logDateTim"], 5);
        assert_eq!(out["logDateTime"], 5);
    }

    #[test]
    fn callback_body_reads_array_wrapped_and_2_2_shapes() {
        let legacy: CallbackBody = serde_json::from_value(json!([
            {"logId": 1, "logDateTim": 10, "handleCode": 200, "handleMsg": null}
        ]))
        .unwrap();
        let v35: CallbackBody = serde_json::from_value(json!({"callbackList": [
            {"logId": 1, "logDateTime": 10, "handleCode": 200, "handleMsg": null}
        ]}))
        .unwrap();
        let v22: CallbackBody = serde_json::from_value(json!([
            {"logId": 1, "logDateTim": 10, "executeResult": {"code": 200, "msg": null}}
        ]))
        .unwrap();
        assert_eq!(legacy, v35);
        assert_eq!(legacy, v22);
        assert_eq!(legacy.items[0].handle_code, 200);
    }

    #[test]
    fn callback_body_reads_lenient_numbers_ignores_other_keys_and_refuses_other_shapes() {
        let body: CallbackBody = serde_json::from_slice(
            br#"{"extra": {"a": [1, 2]}, "callbackList": [
                {"logId": "12", "logDateTime": 10.0, "handleCode": " 500 ", "handleMsg": "x"},
                {"logId": 13, "handleCode": null, "executeResult": {"code": "502"}}
            ]}"#,
        )
        .unwrap();
        assert_eq!(body.items.len(), 2);
        assert_eq!(
            (body.items[0].log_id, body.items[0].log_date_time),
            (12, 10)
        );
        assert_eq!(body.items[0].handle_code, 500);
        assert_eq!(body.items[1].handle_code, 502);

        let empty: CallbackBody = serde_json::from_slice(br#"{"other": 1}"#).unwrap();
        assert!(empty.items.is_empty());

        for (bad, says) in [
            (
                &br#"{"callbackList": [], "callbackList": []}"#[..],
                "duplicate field",
            ),
            (br#"true"#, "an array of callback items"),
            (br#"{"callbackList": null}"#, "invalid type: null"),
            (
                br#"[{"logId": true}]"#,
                "an integer, a numeric string or null",
            ),
            (br#"[{"logId": 1.5}]"#, "expected an integer, got 1.5"),
            (br#"[{"logId": "x1"}]"#, r#"expected an integer, got "x1""#),
            (
                br#"[{"logId": 18446744073709551615}]"#,
                "expected an integer",
            ),
            (br#"[{"handleCode": 4294967296}]"#, "out of range"),
        ] {
            let error = serde_json::from_slice::<CallbackBody>(bad)
                .unwrap_err()
                .to_string();
            assert!(error.contains(says), "{error} should say {says}");
        }
    }

    #[test]
    fn callback_body_writes_the_shape_of_each_generation() {
        let body = CallbackBody {
            items: vec![CallbackItem {
                log_id: 3,
                log_date_time: 9,
                handle_code: 500,
                handle_msg: Some("boom".into()),
            }],
        };
        let legacy = body.to_json(ProtocolGeneration::Legacy);
        assert_eq!(legacy[0]["logDateTim"], 9);
        assert_eq!(legacy[0]["executeResult"]["code"], 500);
        let v35 = body.to_json(ProtocolGeneration::V3_5);
        assert_eq!(v35["callbackList"][0]["logDateTime"], 9);
        assert!(v35["callbackList"][0].get("logDateTim").is_none());
    }

    #[test]
    fn wire_response_omits_nulls_and_reads_payload_from_either_key() {
        let ok: WireResponse<LogResult> = WireResponse::success();
        assert_eq!(serde_json::to_string(&ok).unwrap(), r#"{"code":200}"#);
        let g1: WireResponse<LogResult> = serde_json::from_value(json!({
            "code": 200, "content": {"fromLineNum": 1, "toLineNum": 2, "logContent": "x", "isEnd": false}
        }))
        .unwrap();
        assert_eq!(g1.into_payload().unwrap().to_line_num, 2);
    }

    #[test]
    fn admin_reply_includes_nulls() {
        let text = serde_json::to_string(&AdminApiReply::success()).unwrap();
        assert_eq!(
            text,
            r#"{"code":200,"msg":null,"content":null,"data":null}"#
        );
    }

    #[test]
    fn lenient_numbers_reject_garbage_and_overflow() {
        assert!(serde_json::from_value::<JobIdParam>(json!({"jobId": "x"})).is_err());
        assert!(serde_json::from_value::<JobIdParam>(json!({"jobId": 1e12})).is_err());
        assert_eq!(
            serde_json::from_value::<JobIdParam>(json!({"jobId": null}))
                .unwrap()
                .job_id,
            0
        );
    }
}
