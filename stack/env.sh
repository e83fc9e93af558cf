# Sourced by the stack scripts: loads .env (or .env.example) without overriding variables
# that are already set, then derives the paths the scripts use.
_sluice_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_sluice_env_file="$_sluice_root/.env"
[ -f "$_sluice_env_file" ] || _sluice_env_file="$_sluice_root/.env.example"
while IFS= read -r _line || [ -n "$_line" ]; do
  case "$_line" in ''|'#'*) continue ;; esac
  _key="${_line%%=*}"; _val="${_line#*=}"
  if [ -z "${!_key+x}" ]; then export "$_key=$_val"; fi
done < "$_sluice_env_file"
unset _line _key _val _sluice_env_file
export SLUICE_ROOT="$_sluice_root"
case "$SLUICE_DATA_DIR" in /*) ;; *) SLUICE_DATA_DIR="$_sluice_root/$SLUICE_DATA_DIR" ;; esac
case "$SLUICE_MODEL_DIR" in /*) ;; *) SLUICE_MODEL_DIR="$_sluice_root/$SLUICE_MODEL_DIR" ;; esac
export SLUICE_DATA_DIR SLUICE_MODEL_DIR
export SLUICE_LOG_DIR="$SLUICE_DATA_DIR/logs" SLUICE_RUN_DIR="$SLUICE_DATA_DIR/run"
unset _sluice_root
