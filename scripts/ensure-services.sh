#!/usr/bin/env bash
# Makes sure MariaDB/MySQL and Redis answer at the configured addresses: starts them when installed but
# stopped, installs them from Debian's packages on a bare Debian machine (as root), or fails with one message
# saying what is missing and how to point at it. Only local addresses are managed; a remote one must answer.
set -euo pipefail

MYSQL_URL="${MYSQL_URL:-mysql://root:@127.0.0.1:3306/shopintent}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
hostport() { node -e 'const u=new URL(process.argv[1]);console.log(u.hostname+" "+(u.port||process.argv[2]))' "$1" "$2"; }
read -r MYSQL_HOST MYSQL_PORT < <(hostport "$MYSQL_URL" 3306)
read -r REDIS_HOST REDIS_PORT < <(hostport "$REDIS_URL" 6379)

up() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_up() { for _ in $(seq 1 60); do up "$1" "$2" && return 0; sleep 0.5; done; return 1; }
is_local() { [[ "$1" == 127.* || "$1" == localhost || "$1" == ::1 ]]; }
fail() {
  echo "ShopIntent: $1 is not reachable at $2." >&2
  echo "  Install and start it, or point $3 at a running server (e.g. $3=$4)." >&2
  exit 1
}
apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ShopIntent: installing $* from Debian's packages…" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >/dev/null 2>&1 || return 1
  else
    return 1
  fi
}

if ! up "$MYSQL_HOST" "$MYSQL_PORT"; then
  is_local "$MYSQL_HOST" || fail MySQL "$MYSQL_HOST:$MYSQL_PORT" MYSQL_URL "mysql://user:pass@host:3306/shopintent"
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server || true
  if [ -x /usr/sbin/mariadbd ]; then
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null 2>&1 || true
  fi
  wait_up "$MYSQL_HOST" "$MYSQL_PORT" || fail MySQL "$MYSQL_HOST:$MYSQL_PORT" MYSQL_URL "mysql://user:pass@host:3306/shopintent"
fi

if ! up "$REDIS_HOST" "$REDIS_PORT"; then
  is_local "$REDIS_HOST" || fail Redis "$REDIS_HOST:$REDIS_PORT" REDIS_URL "redis://host:6379"
  command -v redis-server >/dev/null || apt_install redis-server || true
  if command -v redis-server >/dev/null; then
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >/dev/null 2>&1 || true
  fi
  wait_up "$REDIS_HOST" "$REDIS_PORT" || fail Redis "$REDIS_HOST:$REDIS_PORT" REDIS_URL "redis://host:6379"
fi
