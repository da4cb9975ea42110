#!/usr/bin/env bash
# Postgres for Ticketflow: the server at 127.0.0.1:5432 when it answers (trust auth, as on our dev machines),
# otherwise Debian's postgresql, installed and started here. Prints the connection URL on its last line.
#   scripts/postgres.sh start [database] | drop [database]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DB="${2:-test}"
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/5432") 2>/dev/null; }

start() {
  if port_open; then
    log "using the Postgres server already answering on 127.0.0.1:5432"
  else
    if ! command -v pg_ctlcluster >/dev/null; then
      log "no Postgres on 127.0.0.1:5432: installing Debian's postgresql"
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    fi
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n1)"
    log "starting Debian's Postgres $version cluster 'main'"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
    # Local trust for the tests' user, like the machine image's server.
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
      pg_ctlcluster --skip-systemctl-redirect "$version" main reload >&2
    fi
    for _ in $(seq 1 40); do port_open && break; sleep 0.25; done
    port_open || die "Postgres did not come up on 127.0.0.1:5432"
  fi
  if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE \"$DB\"" >&2
    log "created database $DB"
  fi
  echo "postgres://postgres@127.0.0.1:5432/$DB"
}

# Removes the database and everything in it (start.sh --fresh); the server keeps running.
drop() {
  port_open || return 0
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >&2
  log "dropped database $DB"
}

case "${1:-}" in
  start) start ;;
  drop) drop ;;
  *) echo "usage: $0 start|drop [database]" >&2; exit 2 ;;
esac
