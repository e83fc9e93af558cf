#!/usr/bin/env bash
# The local RabbitMQ node behind the local broker: start | stop | status | wait, and for fault
# injection (test/chaos): close-connections (only this stack's vhost; other stacks sharing the
# node are untouched) | restart (the whole node: machine-wide, so only on a machine of your own).
# Idempotent: `start` on a running node only re-checks the vhost and user it needs.
# Reads RABBITMQ_URL (amqp://user:pass@host:port/vhost) and SLUICE_BIND from stack/env.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source stack/env.sh

STARTUP_TIMEOUT_S="${RABBITMQ_STARTUP_TIMEOUT_S:-60}"
RABBITMQ_LOG_DIR_HINT="/var/log/rabbitmq"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'rabbitmq.sh: %s\n' "$*" >&2; exit 1; }

command -v rabbitmqctl >/dev/null 2>&1 || die "rabbitmqctl not found: run stack/install.sh (installs the Debian rabbitmq-server package)"

# Percent-decoding for the user, password and vhost parts of the URL ("%2F" is the vhost "/").
urldecode() { local s="${1//+/ }"; printf '%b' "${s//%/\\x}"; }

# Split RABBITMQ_URL. An empty path means the default vhost "/" (AMQP URI spec).
parse_url() {
  local url="$RABBITMQ_URL" rest userinfo hostport path
  case "$url" in amqp://*) rest="${url#amqp://}" ;; *) die "RABBITMQ_URL must start with amqp:// (got: $url)" ;; esac
  rest="${rest%%\?*}"
  path=""
  case "$rest" in */*) path="${rest#*/}"; rest="${rest%%/*}" ;; esac
  userinfo="guest:guest"
  case "$rest" in *@*) userinfo="${rest%@*}"; rest="${rest##*@}" ;; esac
  hostport="$rest"
  AMQP_USER="$(urldecode "${userinfo%%:*}")"
  AMQP_PASS="guest"
  case "$userinfo" in *:*) AMQP_PASS="$(urldecode "${userinfo#*:}")" ;; esac
  AMQP_HOST="${hostport%:*}"
  AMQP_PORT=5672
  case "$hostport" in *:*) AMQP_PORT="${hostport##*:}" ;; esac
  if [ -z "$path" ]; then AMQP_VHOST="/"; else AMQP_VHOST="$(urldecode "$path")"; fi
}

is_running() { rabbitmqctl -q status >/dev/null 2>&1; }

# `await_startup` needs the Erlang node to be reachable; right after `-detached` it may not be
# yet, so keep asking until the deadline instead of failing on the first refusal.
wait_ready() {
  local deadline=$((SECONDS + STARTUP_TIMEOUT_S)) left
  while :; do
    left=$((deadline - SECONDS))
    [ "$left" -gt 0 ] || die "RabbitMQ did not finish starting within ${STARTUP_TIMEOUT_S}s; see $RABBITMQ_LOG_DIR_HINT/ (startup_log, startup_err, rabbit@$(hostname -s).log)"
    if rabbitmqctl -q await_startup --timeout "$left" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
}

# The vhost of RABBITMQ_URL must exist and its user must have full rights on it. guest is
# limited to loopback connections by RabbitMQ's default `loopback_users`, which we keep.
ensure_access() {
  parse_url
  if ! rabbitmqctl -q list_vhosts name | grep -qxF -- "$AMQP_VHOST"; then
    step "Creating vhost $AMQP_VHOST"
    rabbitmqctl -q add_vhost "$AMQP_VHOST" >/dev/null
  fi
  if ! rabbitmqctl -q list_users | awk '{print $1}' | grep -qxF -- "$AMQP_USER"; then
    step "Creating user $AMQP_USER"
    rabbitmqctl -q add_user "$AMQP_USER" "$AMQP_PASS" >/dev/null
  fi
  rabbitmqctl -q set_permissions -p "$AMQP_VHOST" "$AMQP_USER" '.*' '.*' '.*' >/dev/null
  rabbitmqctl -q authenticate_user "$AMQP_USER" "$AMQP_PASS" >/dev/null 2>&1 \
    || die "user $AMQP_USER exists but the password in RABBITMQ_URL is not its password"
  if [ "$AMQP_USER" = guest ]; then
    case "$AMQP_HOST" in 127.0.0.1|localhost|'[::1]') ;;
      *) printf 'rabbitmq.sh: warning: RabbitMQ lets guest in over loopback only, but RABBITMQ_URL points at %s\n' "$AMQP_HOST" >&2 ;;
    esac
  fi
}

start() {
  parse_url
  if is_running; then
    step "RabbitMQ already running"
  else
    step "Starting RabbitMQ (AMQP on ${SLUICE_BIND:-127.0.0.1}:${AMQP_PORT})"
    # Exported variables survive the package wrapper's `su rabbitmq`.
    export RABBITMQ_NODE_IP_ADDRESS="${SLUICE_BIND:-127.0.0.1}" RABBITMQ_NODE_PORT="$AMQP_PORT"
    rabbitmq-server -detached || die "rabbitmq-server -detached failed; see $RABBITMQ_LOG_DIR_HINT/"
  fi
  wait_ready
  ensure_access
  step "RabbitMQ ready: vhost $AMQP_VHOST, user $AMQP_USER"
}

stop() {
  if is_running; then
    step "Stopping RabbitMQ"
    rabbitmqctl -q stop >/dev/null
  else
    step "RabbitMQ not running"
  fi
}

status() {
  if is_running; then
    parse_url
    echo "running (RABBITMQ_URL vhost: $AMQP_VHOST)"
  else
    echo "stopped"
    return 3
  fi
}

# Every client connection of RABBITMQ_URL's vhost closed by the server, as a network cut would.
close_connections() {
  parse_url
  local before
  before=$(rabbitmqctl -q list_connections -p "$AMQP_VHOST" name --no-table-headers 2>/dev/null | grep -c . || true)
  rabbitmqctl -q close_all_connections --vhost "$AMQP_VHOST" --limit 1000 "sluice chaos: connection loss" >/dev/null
  echo "closed $before connection(s) of vhost $AMQP_VHOST"
}

case "${1:-}" in
  start) start ;;
  restart) stop; start ;;
  close-connections) close_connections ;;
  stop) stop ;;
  status) status ;;
  wait) wait_ready ;;
  *) echo "usage: $0 start|stop|status|wait|restart|close-connections" >&2; exit 2 ;;
esac
