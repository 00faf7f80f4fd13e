# shellcheck shell=bash
# Run by the mysql image's entrypoint once, on the first start (empty data directory), after
# it created MYSQL_DATABASE and MYSQL_USER. Sourced (this file is not executable), so the
# entrypoint's docker_process_sql is at hand; executed, it falls back to the mysql client.
#
# Why this exists: MySQL 8 creates users with caching_sha2_password, whose first login over a
# plain connection needs TLS or RSA password encryption. The admin's driver (sqlx, built
# without TLS and without its `mysql-rsa` feature) has neither, so the Jobwheel user
# authenticates with mysql_native_password, which docker-compose.yml enables with
# --mysql-native-password=ON.
#
# The schema is deliberately NOT created here: every admin applies migrations/mysql
# (embedded in its binary) at start-up under a named lock, so MySQL needs only the empty
# database the entrypoint made.

if ! command -v docker_process_sql >/dev/null 2>&1; then
  docker_process_sql() { mysql --protocol=socket -uroot -p"${MYSQL_ROOT_PASSWORD}" "$@"; }
fi

docker_process_sql <<-EOSQL
	ALTER USER '${MYSQL_USER}'@'%' IDENTIFIED WITH mysql_native_password BY '${MYSQL_PASSWORD}';
EOSQL
