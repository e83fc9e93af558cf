# Process helpers for the local stack (sourced). Each component runs detached with its log in
# $SLUICE_LOG_DIR/<name>.log and its pid in $SLUICE_RUN_DIR/<name>.pid.

proc_pid() { cat "$SLUICE_RUN_DIR/$1.pid" 2>/dev/null; }

proc_running() {
  local pid; pid=$(proc_pid "$1") || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# proc_start NAME COMMAND... : starts COMMAND in its own session unless NAME already runs.
proc_start() {
  local name=$1; shift
  mkdir -p "$SLUICE_LOG_DIR" "$SLUICE_RUN_DIR"
  if proc_running "$name"; then echo "  $name already running (pid $(proc_pid "$name"))"; return 0; fi
  setsid "$@" >>"$SLUICE_LOG_DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$SLUICE_RUN_DIR/$name.pid"
  echo "  started $name (pid $!, log $SLUICE_LOG_DIR/$name.log)"
}

# proc_stop NAME [GRACE_SECONDS] : SIGTERM, then SIGKILL after the grace period.
proc_stop() {
  local name=$1 grace=${2:-15} pid
  pid=$(proc_pid "$name") || return 0
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((grace * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "  $name did not stop in ${grace}s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
    echo "  stopped $name"
  fi
  rm -f "$SLUICE_RUN_DIR/$name.pid"
}

# wait_http NAME URL [TIMEOUT_SECONDS] : polls URL until it answers 2xx, or fails with the log tail.
wait_http() {
  local name=$1 url=$2 timeout=${3:-60} start=$SECONDS
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    if ! proc_running "$name"; then
      echo "ERROR: $name exited during start-up; last lines of $SLUICE_LOG_DIR/$name.log:" >&2
      tail -n 30 "$SLUICE_LOG_DIR/$name.log" >&2; return 1
    fi
    if (( SECONDS - start > timeout )); then
      echo "ERROR: $name not ready at $url after ${timeout}s; see $SLUICE_LOG_DIR/$name.log" >&2
      tail -n 30 "$SLUICE_LOG_DIR/$name.log" >&2; return 1
    fi
    sleep 0.2
  done
  echo "  $name ready ($url, $((SECONDS - start))s)"
}
