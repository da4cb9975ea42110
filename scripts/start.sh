#!/usr/bin/env bash
# Starts the whole system locally: Kafka (KRaft, 127.0.0.1:9092), Postgres (database ticketflow), the project's
# topics, and every service under apps/ that has a start entry in scripts/services.txt. Prints where everything
# listens; Ctrl-C stops all of it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_deps

PIDS=()
cleanup() {
  trap - INT TERM EXIT
  log "stopping"
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash scripts/kafka.sh stop
  log "stopped"
}
trap cleanup INT TERM EXIT

bash scripts/kafka.sh start
export KAFKA_BROKERS=127.0.0.1:9092
DATABASE_URL="$(bash scripts/postgres.sh start ticketflow | tail -n1)"
export DATABASE_URL
tsx libs/kafka/scripts/create-topics.ts

LOG_DIR="$LOCAL/logs"
mkdir -p "$LOG_DIR"
SERVICES=()

# Runs a service and starts it again whenever it exits (as an orchestrator would): one service failing must not
# take the others, or Kafka, down. TERM/INT stop it for good.
supervise() {
  local name="$1" child=0 code
  shift
  trap 'kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM INT
  for (( ; ; )); do
    "$@" >> "$LOG_DIR/$name.log" 2>&1 &
    child=$!
    wait "$child" && code=0 || code=$?
    log "$name exited with status $code; starting it again in 2 s (log: .local/logs/$name.log)"
    sleep 2 &
    wait "$!"
  done
}
if grep -qv '^\s*\(#\|$\)' scripts/services.txt; then
  log "building services"
  tsc -p tsconfig.build.json
  # services.txt: name port [KEY=VALUE ...]  (each app's dist main.js listens on PORT)
  while read -r name port extra; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    : > "$LOG_DIR/$name.log"
    # shellcheck disable=SC2086 # extra holds KEY=VALUE words
    # --max-semi-space-size: as the image runs them (SERVICE_NODE_FLAGS in libs/testing).
    supervise "$name" env PORT="$port" $extra node --max-semi-space-size=2 -r ./tools/register-paths.js \
      --enable-source-maps "dist/apps/$name/src/main.js" &
    PIDS+=("$!")
    SERVICES+=("$name  http://127.0.0.1:$port  (log: .local/logs/$name.log)")
  done < scripts/services.txt
fi

if grep -q '^zendesk-simulator ' scripts/services.txt; then
  # Demo users: every simulated requester becomes a company user (user.events.v1).
  for _ in $(seq 1 60); do curl -sf http://127.0.0.1:4010/_simulator/health >/dev/null && break; sleep 0.5; done
  tsx libs/enrichment/scripts/publish-users.ts --from-simulator http://127.0.0.1:4010 || log "publishing demo users failed"
fi

cat <<INFO

  Ticketflow is up
  Kafka      127.0.0.1:9092   (data .local/kafka/run-9092, log .local/kafka/run-9092/logs/server.log)
  Postgres   ${DATABASE_URL}
$(for s in "${SERVICES[@]}"; do echo "  $s"; done)
  Topics     docs/asyncapi/asyncapi.json
  Try        curl -H 'x-api-key: local-dev-api-key' http://127.0.0.1:3002/users/sim-8447388000000/tickets
  Stats      curl -H 'x-api-key: local-dev-api-key' http://127.0.0.1:3004/stats/hourly   (1-minute windows locally)

  Ctrl-C stops everything.
INFO
# Block until Ctrl-C, whatever number of services runs (services that exit are started again).
sleep infinity &
PIDS+=("$!")
wait -n "${PIDS[@]}"
