#!/usr/bin/env bash
# The cluster of docker-compose.yml as plain processes, for machines without Docker:
# MariaDB/MySQL on 127.0.0.1:3306 (started if nothing listens there), two admins on
# 127.0.0.1:8081 and 127.0.0.2:8082 sharing database `jobwheel_demo`, and two sample
# executors on 127.0.0.1:9991 and :9992 registered with both admins.
#
#   scripts/cluster-demo.sh            start, print where things are, run until Ctrl-C
#   scripts/cluster-demo.sh --check    start, verify, stop; exit 0 when the cluster worked
#   scripts/cluster-demo.sh --fresh    drop database jobwheel_demo first
#
# Everything binds loopback addresses only. Logs and run files go to target/cluster-demo/
# (JOBWHEEL_DEMO_DIR overrides). Admins and executors are stopped on exit; a database
# server this script started is left running, as .ci/run leaves it.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

check=0
fresh=0
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    --fresh) fresh=1 ;;
    -h | --help)
      sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "unknown argument: $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

# --- settings (environment overrides) -------------------------------------------------------
db_host=127.0.0.1
db_port=3306
db_user="${JOBWHEEL_DEMO_DB_USER:-root}"
db_password="${JOBWHEEL_DEMO_DB_PASSWORD:-}"
db_name=jobwheel_demo
access_token="${JOBWHEEL_DEMO_ACCESS_TOKEN:-demo-access-token}"
api_token="${JOBWHEEL_DEMO_API_TOKEN:-demo-api-token}"
# Shared by both admins so that a console session opened on one is valid on the other.
cookie_key="${JOBWHEEL_DEMO_COOKIE_KEY:-cluster-demo-cookie-key-0123456789abcdef}"
app_name=xxl-job-executor-sample
admins=("127.0.0.1:8081" "127.0.0.2:8082")
executors=("127.0.0.1:9991" "127.0.0.1:9992")
run_dir="${JOBWHEEL_DEMO_DIR:-$root/target/cluster-demo}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

db_url="mysql://${db_user}${db_password:+:$db_password}@${db_host}:${db_port}/${db_name}"
admin_urls=()
for a in "${admins[@]}"; do admin_urls+=("http://$a"); done
admin_list="$(IFS=,; echo "${admin_urls[*]}")"

log() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

command -v curl >/dev/null 2>&1 || fail "curl is needed (apt-get install curl)"

sql() {
  local client
  client="$(command -v mariadb || command -v mysql || true)"
  [ -n "$client" ] || fail "a mariadb or mysql client is needed to create database $db_name"
  MYSQL_PWD="$db_password" "$client" -h "$db_host" -P "$db_port" -u "$db_user" \
    --batch --skip-column-names -e "$1"
}

# --- processes we start, stopped on exit ------------------------------------------------------
pids=()
names=()

stop_all() {
  local status=$?
  trap - EXIT INT TERM
  if [ "${#pids[@]}" -gt 0 ]; then
    # Newest first: executors deregister from admins that are still up, then the admins
    # stop. Each gets 15 s to shut down gracefully before it is killed.
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
      stop_one "${names[$i]}" "${pids[$i]}"
    done
  fi
  exit "$status"
}

stop_one() { # NAME PID
  kill -TERM "$2" 2>/dev/null || return 0
  log "stopping $1"
  for _ in $(seq 1 150); do
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$2" 2>/dev/null || true
  wait "$2" 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME COMMAND… : runs COMMAND in the background with its output in NAME.log.
start() {
  local name="$1"
  shift
  "$@" >"$run_dir/$name.log" 2>&1 &
  pids+=("$!")
  names+=("$name")
}

# wait_for WHAT SECONDS COMMAND… : polls COMMAND twice a second until it succeeds.
wait_for() {
  local what="$1" seconds="$2"
  shift 2
  for _ in $(seq 1 $((seconds * 2))); do
    "$@" && return 0
    for i in "${!pids[@]}"; do
      kill -0 "${pids[$i]}" 2>/dev/null ||
        fail "${names[$i]} exited; see $run_dir/${names[$i]}.log"
    done
    sleep 0.5
  done
  fail "timed out after ${seconds}s waiting for $what"
}

ready() { curl -fsS -o /dev/null --max-time 2 "$1/readyz" 2>/dev/null; }

# --- 1. database ------------------------------------------------------------------------------
mkdir -p "$run_dir"
bash "$root/scripts/start-mariadb.sh"
if [ "$fresh" = 1 ]; then
  log "dropping database $db_name"
  sql "DROP DATABASE IF EXISTS \`$db_name\`"
fi
sql "CREATE DATABASE IF NOT EXISTS \`$db_name\` CHARACTER SET utf8mb4"

# --- 2. build -----------------------------------------------------------------------------------
for hostport in "${admins[@]}" "${executors[@]}"; do
  if port_open "${hostport%:*}" "${hostport#*:}"; then
    fail "$hostport is taken (a demo still running?)"
  fi
done
log "building jobwheel-admin and jobwheel-executor-sample"
cargo build --quiet -p jobwheel-admin -p jobwheel-executor-sample
admin_bin="$target_dir/debug/jobwheel-admin"
executor_bin="$target_dir/debug/jobwheel-executor-sample"

# --- 3. admins ------------------------------------------------------------------------------------
admin_env=(
  "JOBWHEEL_DATABASE_URL=$db_url"
  "JOBWHEEL_ACCESS_TOKEN=$access_token"
  "JOBWHEEL_API_TOKENS=$api_token"
)
# Keys being added on other branches are set only when this admin knows them.
if "$admin_bin" --help 2>/dev/null | grep -q -- '--cookie-key'; then
  admin_env+=("JOBWHEEL_COOKIE_KEY=$cookie_key")
fi
for i in "${!admins[@]}"; do
  start "admin-$((i + 1))" env "${admin_env[@]}" "JOBWHEEL_LISTEN=${admins[$i]}" "$admin_bin"
done
for url in "${admin_urls[@]}"; do
  wait_for "$url/readyz" 60 ready "$url"
done
log "both admins ready"

# --- 4. demo group and job over REST v1 (skipped when this admin has no REST v1) ----------------------
api() { # METHOD PATH [BODY] → prints the body; fails on HTTP errors
  local args=(-fsS --max-time 5 -X "$1" -H "Authorization: Bearer $api_token")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data "$3")
  curl "${args[@]}" "${admin_urls[0]}/api/v1$2"
}
first_id() { grep -o '"id":[0-9]*' | head -n 1 | cut -d: -f2; }
rest_v1=0
group_id=""
if curl -fsS -o /dev/null --max-time 5 -H "Authorization: Bearer $api_token" \
  "${admin_urls[0]}/api/v1/groups?appname=$app_name" 2>/dev/null; then
  rest_v1=1
  group_id="$(api GET "/groups?appname=$app_name" | first_id || true)"
  if [ -z "$group_id" ]; then
    group_id="$(api POST /groups "{\"appname\":\"$app_name\",\"title\":\"Cluster demo\"}" | first_id || true)"
  fi
  if [ -n "$group_id" ] && [ -z "$(api GET "/jobs?group=$group_id&desc=cluster-demo" | first_id || true)" ]; then
    api POST /jobs "{\"jobGroup\":$group_id,\"jobDesc\":\"cluster-demo: every 10 s\",\"author\":\"cluster-demo\",
      \"scheduleType\":\"CRON\",\"scheduleConf\":\"0/10 * * * * ?\",\"executorHandler\":\"demoJobHandler\",
      \"executorRouteStrategy\":\"ROUND\",\"triggerStatus\":1}" >/dev/null ||
      log "could not create the demo job (REST v1 refused it); create one in the console"
  fi
  log "demo group $app_name (id ${group_id:-?}) with job 'cluster-demo: every 10 s'"
else
  log "REST v1 is not available on this admin yet: no demo group/job created (create them in the console)"
fi

# --- 5. executors ---------------------------------------------------------------------------------
# Forget registrations a killed earlier run left behind, so "registered" below means now.
executor_values=""
for hostport in "${executors[@]}"; do executor_values+="${executor_values:+,}'http://$hostport/'"; done
sql "DELETE FROM \`$db_name\`.xxl_job_registry WHERE registry_value IN ($executor_values)"
for i in "${!executors[@]}"; do
  hostport="${executors[$i]}"
  name="executor-$((i + 1))"
  start "$name" env \
    "JOBWHEEL_ADMIN_ADDRESSES=$admin_list" \
    "JOBWHEEL_APP_NAME=$app_name" \
    "JOBWHEEL_ACCESS_TOKEN=$access_token" \
    "JOBWHEEL_EXECUTOR_BIND=${hostport%:*}" \
    "JOBWHEEL_EXECUTOR_PORT=${hostport#*:}" \
    "JOBWHEEL_EXECUTOR_ADDRESS=http://$hostport/" \
    "JOBWHEEL_LOG_PATH=$run_dir/$name-logs" \
    "$executor_bin"
done

# Registered = the executor's heartbeat reached the admins and is in the shared database.
registered() {
  local count
  count="$(sql "SELECT COUNT(DISTINCT registry_value) FROM \`$db_name\`.xxl_job_registry
    WHERE registry_group='EXECUTOR' AND registry_key='$app_name'
      AND registry_value IN ($executor_values)" 2>/dev/null || echo 0)"
  [ "$count" = "${#executors[@]}" ]
}

if [ "$check" = 1 ]; then
  wait_for "both executors to register" 30 registered
  for url in "${admin_urls[@]}"; do
    ready "$url" || fail "$url/readyz"
    if [ "$rest_v1" = 1 ]; then
      # Both admins read the same database: each lists the demo group.
      curl -fsS --max-time 5 -H "Authorization: Bearer $api_token" \
        "$url/api/v1/groups?appname=$app_name" | grep -q "\"appname\":\"$app_name\"" ||
        fail "$url does not list group $app_name"
    fi
    # Each admin scans (taking the lock in turn) and exports it on /metrics.
    curl -fsS --max-time 5 "$url/metrics" | grep -q '^jobwheel_scans_total{result="ok"}' ||
      fail "$url/metrics shows no scans"
  done
  log "check passed: 2 admins ready on one database, 2 executors registered, both scanning"
  exit 0
fi

wait_for "both executors to register" 30 registered
cat <<EOF

Jobwheel cluster demo is running (Ctrl-C stops it).

  console      ${admin_urls[0]}/   and   ${admin_urls[1]}/   (same cluster, any admin will do)
  REST v1      curl -H 'Authorization: Bearer $api_token' ${admin_urls[0]}/api/v1/groups
  metrics      curl ${admin_urls[0]}/metrics   (Prometheus text)
  executors    ${executors[*]} (app name $app_name, registered with both admins)
  database     $db_url
  logs         $run_dir/{admin-1,admin-2,executor-1,executor-2}.log
  job run logs $run_dir/executor-N-logs/

EOF
grep -ih 'password' "$run_dir"/admin-*.log 2>/dev/null | head -n 2 || true

# Run until Ctrl-C, or until one process dies.
wait -n "${pids[@]}" || true
for i in "${!pids[@]}"; do
  kill -0 "${pids[$i]}" 2>/dev/null || fail "${names[$i]} exited; see $run_dir/${names[$i]}.log"
done
