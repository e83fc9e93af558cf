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


# The local Qdrant gateway always runs with an API key: generated once per data directory
# (mode 600, never committed) unless QDRANT_API_KEY is set, and exported, so that every
# component and test started from these scripts sends it. A real Qdrant (QDRANT_URL
# elsewhere) brings its own key through QDRANT_API_KEY.
case "$QDRANT_URL" in
  "http://127.0.0.1:${QDRANT_GATEWAY_PORT:-6333}"|"http://localhost:${QDRANT_GATEWAY_PORT:-6333}")
    _key_file="$SLUICE_DATA_DIR/qdrant-api-key"
    if [ -z "${QDRANT_API_KEY:-}" ] || [ "${SLUICE_QDRANT_KEY_GENERATED:-}" = 1 ]; then
      if [ ! -s "$_key_file" ]; then
        mkdir -p "$SLUICE_DATA_DIR"
        # A data directory wiped after the key was exported (stack/isolated.sh) keeps that key.
        ( umask 077; printf '%s' "${QDRANT_API_KEY:-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}" > "$_key_file" )
      fi
      QDRANT_API_KEY=$(cat "$_key_file")
      export QDRANT_API_KEY SLUICE_QDRANT_KEY_GENERATED=1
    fi
    unset _key_file ;;
esac
unset _sluice_root
