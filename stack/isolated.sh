# Sourced by test/run.sh, test/chaos/run.sh and bench/run.sh, after stack/env.sh: a fresh,
# isolated stack for one run, stopped again when the calling script exits.
#
#   start_isolated_stack LABEL [COMPONENT...]
#
# wipes $SLUICE_DATA_DIR, starts the COMPONENTs (extra stack/component.sh components, such as the
# chaos suite's embedding server) and then the stack (stack/up.sh). On exit it stops all of it,
# leaving the machine-wide RabbitMQ running; after a failure it first prints the last lines of
# every component's log (the logs stay in $SLUICE_LOG_DIR).

_isolated_components=()

_stop_isolated_stack() {
  bash stack/down.sh --keep-rabbitmq >/dev/null 2>&1 || true
  local component
  for component in "${_isolated_components[@]}"; do
    bash stack/component.sh stop "$component" >/dev/null 2>&1 || true
  done
}

_isolated_stack_exit() {
  local status=$? f
  if [ $status -ne 0 ] && [ -d "$SLUICE_LOG_DIR" ]; then
    echo "==> Stack logs in $SLUICE_LOG_DIR (last lines of each) after a failure:"
    for f in "$SLUICE_LOG_DIR"/*.log; do echo "--- $f"; tail -n 15 "$f"; done
  fi
  _stop_isolated_stack
  exit $status
}

start_isolated_stack() {
  local label=$1 component
  shift
  _isolated_components=("$@")
  echo "==> Starting the $label stack in $SLUICE_DATA_DIR"
  _stop_isolated_stack
  rm -rf "$SLUICE_DATA_DIR"
  trap _isolated_stack_exit EXIT
  mkdir -p "$SLUICE_LOG_DIR" "$SLUICE_RUN_DIR"
  for component in "${_isolated_components[@]}"; do bash stack/component.sh start "$component"; done
  bash stack/up.sh
}
