#!/usr/bin/env bash
# Makes sure a MySQL-compatible server answers on 127.0.0.1:3306 with the project's local
# convention: user root, empty password, over TCP from loopback, and a database `test`.
# Does nothing when something already listens there. Otherwise installs MariaDB from the
# distribution if it is missing (apt-get; needs root) and starts it in the background.
# Used by .ci/run and scripts/cluster-demo.sh. The server is left running on exit.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

if port_open 127.0.0.1 3306; then
  exit 0
fi

echo "no database on 127.0.0.1:3306: installing and starting MariaDB" >&2
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "MariaDB is not installed and this is not root: install mariadb-server, or start any MySQL/MariaDB on 127.0.0.1:3306" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server mariadb-client >/dev/null
fi
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
if [ ! -d /var/lib/mysql/mysql ]; then
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
fi
start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql --bind-address=127.0.0.1 --port=3306
for _ in $(seq 1 60); do port_open 127.0.0.1 3306 && break; sleep 1; done
port_open 127.0.0.1 3306 || { echo "MariaDB did not start" >&2; exit 1; }
# Fresh Debian MariaDB: root authenticates by socket only. Allow root over TCP from
# loopback with no password, as on the project's machines, and create database `test`.
mariadb -uroot <<'SQL'
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS test;
FLUSH PRIVILEGES;
SQL
