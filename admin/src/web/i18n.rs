//! The console's two languages: English and Simplified Chinese, one table keyed by message
//! id. The configured `language` wins; otherwise the browser's `Accept-Language` chooses.
//!
//! A message missing from the table shows its id, and a test checks that every id the
//! templates use is in the table, so a typo cannot ship silently.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;

/// A console language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    ZhCn,
}

impl Lang {
    /// The configured language, or the first one the browser accepts that we speak.
    pub fn choose(configured: Option<&str>, headers: &HeaderMap) -> Self {
        match configured {
            Some("zh-CN") => return Self::ZhCn,
            Some("en") => return Self::En,
            _ => {}
        }
        let accepted = headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        Self::from_accept_language(accepted)
    }

    /// Reads `Accept-Language` in order of preference (`q` weights, ties keep their order).
    pub fn from_accept_language(header: &str) -> Self {
        let mut ranges: Vec<(f32, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                (!tag.is_empty()).then_some((q, i, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (q, _, tag) in ranges {
            let tag = tag.to_ascii_lowercase();
            if q <= 0.0 {
                continue;
            }
            if tag.starts_with("zh") {
                return Self::ZhCn;
            }
            if tag.starts_with("en") {
                return Self::En;
            }
        }
        Self::En
    }

    /// The `lang` attribute of the page.
    pub fn html_tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhCn => "zh-CN",
        }
    }

    /// The message `id` in this language (the id itself when unknown).
    pub fn t(self, id: &str) -> &str {
        match MESSAGES.iter().find(|(key, _, _)| *key == id) {
            Some((_, en, zh)) => match self {
                Self::En => en,
                Self::ZhCn => zh,
            },
            None => {
                tracing::debug!(id, "missing console message");
                id
            }
        }
    }
}

/// Message id, English, Simplified Chinese.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("app.name", "Jobwheel", "Jobwheel"),
    ("nav.dashboard", "Dashboard", "运行报表"),
    ("nav.jobs", "Jobs", "任务管理"),
    ("nav.logs", "Logs", "调度日志"),
    ("nav.groups", "Executor groups", "执行器管理"),
    ("nav.users", "Users", "用户管理"),
    ("nav.help", "Help", "使用教程"),
    ("nav.account", "Account", "账户"),
    ("nav.logout", "Log out", "注销"),
    ("login.title", "Sign in", "登录"),
    ("login.username", "Username", "账号"),
    ("login.password", "Password", "密码"),
    ("login.submit", "Sign in", "登录"),
    (
        "login.hint",
        "On first start the admin password is printed once in the admin's output.",
        "首次启动时，admin 的密码会在控制台输出中打印一次。",
    ),
    ("account.title", "Account", "账户"),
    ("account.change_password", "Change password", "修改密码"),
    ("account.old_password", "Current password", "当前密码"),
    ("account.new_password", "New password", "新密码"),
    (
        "account.saved",
        "Password changed. Your other sessions have ended.",
        "密码已修改，其他会话已退出。",
    ),
    ("account.role", "Role", "角色"),
    ("account.tokens", "API tokens", "API 令牌"),
    (
        "tokens.intro",
        "Tokens let scripts call REST v1 as you: send `Authorization: Bearer <token>`. Tokens of non-admin users are read-only (GET).",
        "令牌让脚本以你的身份调用 REST v1：发送 `Authorization: Bearer <令牌>`。非管理员用户的令牌只读（仅 GET）。",
    ),
    ("tokens.new", "New token", "新建令牌"),
    ("tokens.name", "Name", "名称"),
    ("tokens.owner", "Owner", "所属用户"),
    ("tokens.prefix", "Starts with", "前缀"),
    ("tokens.created", "Created", "创建时间"),
    ("tokens.last_used", "Last used", "最近使用"),
    ("tokens.status", "Status", "状态"),
    ("tokens.active", "Active", "有效"),
    ("tokens.revoked", "Revoked", "已吊销"),
    ("tokens.never", "never", "从未"),
    ("tokens.create", "Create token", "创建令牌"),
    ("tokens.revoke", "Revoke", "吊销"),
    (
        "tokens.confirm_revoke",
        "Revoke this token? Scripts using it will get 401.",
        "确定吊销该令牌？使用它的脚本将收到 401。",
    ),
    (
        "tokens.created_once",
        "Your new token. Copy it now: it is shown only this once.",
        "新令牌如下。请立即复制：它只显示这一次。",
    ),
    ("tokens.copy", "Copy", "复制"),
    ("common.save", "Save", "保存"),
    ("common.cancel", "Cancel", "取消"),
    ("common.edit", "Edit", "编辑"),
    ("common.delete", "Delete", "删除"),
    ("common.add", "Add", "新增"),
    ("common.search", "Search", "搜索"),
    ("common.actions", "Actions", "操作"),
    ("common.empty", "Nothing here yet.", "暂无数据。"),
    (
        "common.confirm_delete",
        "Delete this for good?",
        "确定删除吗？此操作无法撤销。",
    ),
    ("common.prev", "Previous", "上一页"),
    ("common.next", "Next", "下一页"),
    ("common.total", "Total", "总数"),
    ("common.back", "Back", "返回"),
    ("common.all", "All", "全部"),
    ("role.admin", "Administrator", "管理员"),
    ("role.normal", "User", "普通用户"),
    ("dashboard.jobs", "Jobs", "任务数量"),
    ("dashboard.triggers", "Triggers", "调度次数"),
    ("dashboard.success", "Succeeded", "成功"),
    ("dashboard.failed", "Failed", "失败"),
    ("dashboard.running", "Running", "进行中"),
    ("dashboard.executors", "Online executors", "在线执行器"),
    ("dashboard.chart", "Triggers per day", "每日调度"),
    ("dashboard.days7", "7 days", "近 7 天"),
    ("dashboard.days30", "30 days", "近 30 天"),
    ("users.title", "Users", "用户管理"),
    ("users.new", "New user", "新增用户"),
    ("users.edit", "Edit user", "编辑用户"),
    ("users.username", "Username", "账号"),
    ("users.password", "Password", "密码"),
    (
        "users.password_keep",
        "Leave blank to keep the current password",
        "留空则不修改密码",
    ),
    ("users.role", "Role", "角色"),
    (
        "users.groups",
        "Executor groups this user may operate",
        "可操作的执行器",
    ),
    (
        "users.no_groups",
        "No executor group exists yet.",
        "尚无执行器。",
    ),
    ("users.you", "you", "当前用户"),
    ("jobs.title", "Jobs", "任务管理"),
    ("jobs.new", "New job", "新增任务"),
    ("jobs.edit", "Edit job", "编辑任务"),
    ("jobs.copy", "Copy", "复制"),
    ("jobs.group", "Executor group", "执行器"),
    ("jobs.desc", "Description", "任务描述"),
    ("jobs.author", "Author", "负责人"),
    ("jobs.alarm_email", "Alarm email", "报警邮件"),
    ("jobs.alarm_webhook", "Alarm webhook", "报警 Webhook"),
    (
        "jobs.alarm_webhook_hint",
        "http(s):// URL (blank: the admin's default)",
        "http(s):// 地址（留空则使用调度中心默认地址）",
    ),
    ("jobs.status", "Status", "状态"),
    ("jobs.running", "Running", "运行中"),
    ("jobs.stopped", "Stopped", "已停止"),
    ("jobs.schedule", "Schedule", "调度配置"),
    ("jobs.schedule_type", "Schedule type", "调度类型"),
    (
        "jobs.schedule_conf",
        "Cron / seconds",
        "Cron / 固定速度（秒）",
    ),
    ("jobs.time_zone", "Time zone", "时区"),
    ("jobs.misfire", "Misfire strategy", "调度过期策略"),
    ("jobs.execution", "Execution", "任务配置"),
    ("jobs.route", "Route strategy", "路由策略"),
    ("jobs.block", "Block strategy", "阻塞处理策略"),
    (
        "jobs.timeout",
        "Timeout (s, 0 = none)",
        "任务超时时间（秒）",
    ),
    ("jobs.retry", "Retries on failure", "失败重试次数"),
    ("jobs.children", "Child job ids", "子任务ID"),
    ("jobs.glue_type", "GLUE type", "运行模式"),
    ("jobs.handler", "Handler", "JobHandler"),
    ("jobs.param", "Parameter", "任务参数"),
    ("jobs.start", "Start", "启动"),
    ("jobs.stop", "Stop", "停止"),
    (
        "jobs.confirm_stop",
        "Stop scheduling this job?",
        "确定停止该任务吗？",
    ),
    ("jobs.trigger", "Run once", "执行一次"),
    ("jobs.addresses", "Executor addresses", "机器地址"),
    (
        "jobs.addresses_hint",
        "Optional, comma-separated; blank runs on the group's executors.",
        "可选，逗号分隔；留空则使用执行器的地址。",
    ),
    ("jobs.preview", "Next fire times", "下次执行时间"),
    (
        "jobs.preview_none",
        "No upcoming fire times.",
        "没有下次执行时间。",
    ),
    ("groups.title", "Executor groups", "执行器管理"),
    ("groups.new", "New executor group", "新增执行器"),
    ("groups.edit", "Edit executor group", "编辑执行器"),
    ("groups.appname", "App name", "AppName"),
    ("groups.name", "Name", "名称"),
    ("groups.address_type", "Addresses", "注册方式"),
    ("groups.auto", "Registered automatically", "自动注册"),
    ("groups.manual", "Entered by hand", "手动录入"),
    ("groups.addresses", "Executor addresses", "机器地址"),
    ("jobs.glue", "GLUE IDE", "GLUE IDE"),
    ("glue.title", "GLUE source", "GLUE 源码"),
    ("glue.source", "Source", "源码"),
    (
        "glue.remark",
        "Remark (4–100 characters)",
        "源码备注（4–100 个字符）",
    ),
    ("glue.versions", "Version history", "历史版本"),
    ("glue.saved_at", "Saved at", "保存时间"),
    ("glue.load", "Load into editor", "载入编辑器"),
    ("glue.restore", "Restore", "恢复"),
    (
        "glue.confirm_restore",
        "Make this version the job's source again?",
        "确定恢复为此版本吗？",
    ),
    (
        "groups.addresses_hint",
        "Manual groups only: comma-separated http(s):// URLs.",
        "仅手动录入时填写：逗号分隔的 http(s):// 地址。",
    ),
    ("groups.online", "online", "在线"),
    ("groups.offline", "offline", "离线"),
    ("groups.none_online", "No executor online.", "无在线机器。"),
    ("logs.title", "Logs", "调度日志"),
    ("logs.detail", "Run", "调度日志"),
    ("logs.job_id", "Job id", "任务ID"),
    ("logs.from", "From (yyyy-MM-dd HH:mm:ss)", "开始时间"),
    ("logs.to", "To (yyyy-MM-dd HH:mm:ss)", "结束时间"),
    ("logs.trigger_time", "Triggered", "调度时间"),
    ("logs.handle_time", "Finished", "执行时间"),
    ("logs.address", "Executor", "执行器地址"),
    ("logs.pending", "Pending", "等待中"),
    ("logs.running", "Running", "进行中"),
    ("logs.success", "Succeeded", "成功"),
    ("logs.failure", "Failed", "失败"),
    ("logs.open", "Details", "详情"),
    ("logs.trigger_msg", "Trigger", "调度备注"),
    ("logs.handle_msg", "Result", "执行备注"),
    ("logs.rolling", "Executor log", "执行日志"),
    ("logs.rolling_end", "End of log.", "日志结束。"),
    ("logs.kill", "Kill", "终止任务"),
    ("logs.confirm_kill", "Kill this run?", "确定终止该任务吗？"),
    ("logs.clear", "Clear logs", "清理日志"),
    (
        "logs.confirm_clear",
        "Clear these logs for good?",
        "确定清理日志吗？",
    ),
    ("logs.clear1", "Older than 1 month", "清理一个月之前日志"),
    ("logs.clear3", "Older than 3 months", "清理三个月之前日志"),
    ("logs.clear6", "Older than 6 months", "清理六个月之前日志"),
    ("logs.clear12", "Older than 1 year", "清理一年之前日志"),
    (
        "logs.keep1k",
        "All but the newest 1,000",
        "清理一千条以前日志",
    ),
    (
        "logs.keep10k",
        "All but the newest 10,000",
        "清理一万条以前日志",
    ),
    ("logs.clear_all", "All", "清理所有日志"),
    ("help.title", "Help", "使用教程"),
    (
        "help.body",
        "Jobwheel schedules jobs on executors that speak the XXL-JOB protocol. Register an executor group, add a job with a cron expression, start it, and follow its runs under Logs.",
        "Jobwheel 通过 XXL-JOB 协议把任务调度到执行器上。先注册执行器，再新增带 Cron 表达式的任务并启动，然后在调度日志中查看运行情况。",
    ),
    ("help.cron_tester", "Try a schedule", "调度表达式测试"),
    (
        "help.tz_placeholder",
        "Time zone (blank: the admin's)",
        "时区（留空为调度中心时区）",
    ),
    ("error.title", "Something went wrong", "出错了"),
    (
        "error.forbidden",
        "You are not allowed to do this.",
        "没有权限执行此操作。",
    ),
    ("error.not_found", "Not found.", "未找到。"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_wins_then_the_browsers_preference() {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9,en;q=0.8".parse().unwrap());
        assert_eq!(Lang::choose(None, &headers), Lang::ZhCn);
        assert_eq!(Lang::choose(Some("en"), &headers), Lang::En);
        assert_eq!(
            Lang::from_accept_language("fr, en;q=0.5, zh;q=0.4"),
            Lang::En
        );
        assert_eq!(
            Lang::from_accept_language("en;q=0.1, zh-TW;q=0.9"),
            Lang::ZhCn
        );
        assert_eq!(Lang::from_accept_language("zh;q=0, de"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
    }

    #[test]
    fn ids_are_unique_and_translated() {
        let mut seen = std::collections::HashSet::new();
        for (id, en, zh) in MESSAGES {
            assert!(seen.insert(id), "duplicate message id {id}");
            assert!(!en.is_empty() && !zh.is_empty(), "{id}");
        }
        assert_eq!(Lang::ZhCn.t("nav.jobs"), "任务管理");
        assert_eq!(Lang::En.t("no.such.id"), "no.such.id");
    }

    /// Every `t("…")` in a template names a message of the table.
    #[test]
    fn every_message_the_templates_use_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let ids: std::collections::HashSet<&str> = MESSAGES.iter().map(|m| m.0).collect();
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for piece in text.split(".t(\"").skip(1) {
                let id = piece.split('"').next().unwrap();
                assert!(ids.contains(id), "template uses unknown message `{id}`");
                checked += 1;
            }
        }
        assert!(checked > 20, "templates use the table ({checked} uses)");
    }
}
