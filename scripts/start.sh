#!/usr/bin/env bash
# Starts the whole system locally: Kafka (KRaft, 127.0.0.1:9092), Postgres (database ticketflow), the project's
# topics, and every service under apps/ that has a start entry in scripts/services.txt. Prints where everything
# listens once every service is ready; Ctrl-C stops all of it (also when the output goes through a pipe).
#   bash scripts/start.sh [--fresh]
# Kafka's data, the database and the simulator's world (.local/simulator) are kept from one start to the next, so
# a restart continues the same world; --fresh removes all three first.
# TICKETFLOW_PORT_OFFSET=N runs a second copy beside the first (tests do): every port + N, database ticketflow_N,
# logs and world in .local/*-N. Variables set in the environment override scripts/services.txt.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

FRESH=0
for arg in "$@"; do
  case "$arg" in
    --fresh) FRESH=1 ;;
    -h | --help) sed -n '2,9s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown argument $arg (usage: bash scripts/start.sh [--fresh])" ;;
  esac
done

ensure_deps
OFFSET="${TICKETFLOW_PORT_OFFSET:-0}"
# Whole thousands keep every moved port clear of the other copy's (Kafka's controller is 9093).
[[ "$OFFSET" =~ ^[0-9]+$ ]] && ((OFFSET % 1000 == 0 && OFFSET <= 50000)) ||
  die "TICKETFLOW_PORT_OFFSET must be a multiple of 1000, at most 50000 (got $OFFSET)"
SUFFIX="$( ((OFFSET)) && echo "-$OFFSET" || true)"
export KAFKA_PORT=$((9092 + OFFSET)) KAFKA_CONTROLLER_PORT=$((9093 + OFFSET))
DATABASE="ticketflow${SUFFIX/-/_}"
LOG_DIR="$LOCAL/logs$SUFFIX"
WORLD_DIR="$LOCAL/simulator$SUFFIX"
mkdir -p "$LOG_DIR" "$WORLD_DIR"
# One start per copy: a second would share (and --fresh delete) the first one's broker, database and world. The
# services inherit the lock, so it is free again only when the last of them has ended.
exec 9> "$LOCAL/start$SUFFIX.lock"
flock -n 9 || die "Ticketflow is already running here (another start.sh, or services it left); stop it first"
# services.txt's lines, each port moved by the offset, in one pass (ports and the URLs that name them).
SERVICE_LINES="$(grep -v '^\s*\(#\|$\)' scripts/services.txt | sed -E 's/^([a-z-]+) ([0-9]+)/\1 127.0.0.1:\2/' |
  OFFSET="$OFFSET" perl -pe 's/127\.0\.0\.1:(\d+)/"127.0.0.1:" . ($1 + $ENV{OFFSET})/ge')"
SERVICES=()
while read -r name address _; do
  [[ -n "$name" ]] || continue
  port="${address#127.0.0.1:}"
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && die "port $port ($name) is in use: is Ticketflow already running?"
  SERVICES+=("$name $port")
done <<< "$SERVICE_LINES"
port_of() { for s in "${SERVICES[@]}"; do [[ "${s% *}" == "$1" ]] && echo "${s#* }"; done; }

PIDS=()
cleanup() {
  trap - INT TERM HUP EXIT
  # Ctrl-C also ends a `| tee`: writing to it must not end this script before everything has stopped.
  trap '' PIPE
  set +e
  log "stopping"
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  bash scripts/kafka.sh stop
  log "stopped"
}
trap cleanup INT TERM HUP EXIT

if ((FRESH)); then
  log "--fresh: removing Kafka's data, the ticketflow database and the simulator's world"
  bash scripts/kafka.sh reset 9>&-
  bash scripts/postgres.sh drop "$DATABASE" 9>&-
  rm -f "$WORLD_DIR/"*.json
fi

STARTED=$SECONDS
# The broker runs in its own session and must not hold the lock after a crash of this script.
bash scripts/kafka.sh start 9>&-
export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
DATABASE_URL="$(bash scripts/postgres.sh start "$DATABASE" 9>&- | tail -n1)"
export DATABASE_URL
tsx libs/kafka/scripts/create-topics.ts

# Runs a service and starts it again whenever it fails (as an orchestrator would): one service failing must not
# take the others, or Kafka, down. TERM stops it for good: the service gets one TERM and is waited for, so its
# consumers leave their groups and the next start is not kept waiting for them.
supervise() {
  local name="$1" child=0 code
  shift
  trap '((child)) && kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM INT
  for (( ; ; )); do
    "$@" >> "$LOG_DIR/$name.log" 2>&1 &
    child=$!
    wait "$child" && code=0 || code=$?
    # 0: it was stopped (Ctrl-C reaches the services too) and stopped cleanly; no crash to recover from.
    ((code == 0)) && { log "$name stopped"; exit 0; }
    log "$name exited with status $code; starting it again in 2 s (log: ${LOG_DIR#"$ROOT/"}/$name.log)"
    sleep 2 &
    wait "$!"
  done
}
if ((${#SERVICES[@]})); then
  log "building services"
  tsc -p tsconfig.build.json
  # services.txt: name port [KEY=VALUE ...]  (each app's dist main.js listens on 127.0.0.1:PORT)
  while read -r name address extra; do
    port="${address#127.0.0.1:}"
    : > "$LOG_DIR/$name.log"
    # shellcheck disable=SC2086 # extra holds KEY=VALUE words
    # --max-semi-space-size: as the image runs them (SERVICE_NODE_FLAGS in libs/testing).
    # The caller's environment overrides services.txt (e.g. OTEL_SDK_DISABLED=false to trace locally).
    words=()
    for word in $extra; do
      key="${word%%=*}"
      if [[ -v "$key" ]]; then words+=("$key=${!key}"); else words+=("$word"); fi
    done
    extra="${words[*]}"
    # The simulator keeps its world there, so a restart continues it.
    [[ "$name" == zendesk-simulator ]] && extra="SIM_WORLD_FILE=$WORLD_DIR/world.json $extra"
    supervise "$name" env PORT="$port" $extra node --max-semi-space-size=2 -r ./tools/register-paths.js \
      --enable-source-maps "dist/apps/$name/src/main.js" &
    PIDS+=("$!")
  done <<< "$SERVICE_LINES"
fi

# Ready = every consumer in its group (/health/ready), the simulator answering.
health_path() { [[ "$1" == zendesk-simulator ]] && echo /_simulator/health || echo /health/ready; }
wait_ready() {
  local name="$1" port="$2" deadline=$((SECONDS + 120))
  until curl -sf -o /dev/null "http://127.0.0.1:$port$(health_path "$name")"; do
    ((SECONDS < deadline)) || { log "$name is not ready after 120 s (log: ${LOG_DIR#"$ROOT/"}/$name.log)"; return 1; }
    sleep 0.25
  done
}
if [[ -n "$(port_of zendesk-simulator)" ]]; then
  # Demo users: every simulated requester becomes a company user (user.events.v1).
  wait_ready zendesk-simulator "$(port_of zendesk-simulator)" || true
  tsx libs/enrichment/scripts/publish-users.ts --from-simulator "http://127.0.0.1:$(port_of zendesk-simulator)" ||
    log "publishing demo users failed"
fi
READY=1
for service in "${SERVICES[@]}"; do
  read -r name port <<< "$service"
  wait_ready "$name" "$port" || READY=0
done

cat <<INFO

  Ticketflow is up$( ((READY)) && echo ": every service ready" || echo ", but not every service is ready (see above)") after $((SECONDS - STARTED)) s
  Kafka      127.0.0.1:$KAFKA_PORT   (data .local/kafka/run-$KAFKA_PORT, log .local/kafka/run-$KAFKA_PORT/logs/server.log)
  Postgres   ${DATABASE_URL}
$(for s in "${SERVICES[@]}"; do read -r n p <<< "$s"; echo "  $n  http://127.0.0.1:$p  (log: ${LOG_DIR#"$ROOT/"}/$n.log)"; done)
  Topics     docs/asyncapi/asyncapi.json
  Try        curl -H 'x-api-key: local-dev-api-key' http://127.0.0.1:$(port_of enrichment)/users/sim-8447388000000/tickets
  Stats      curl -H 'x-api-key: local-dev-api-key' http://127.0.0.1:$(port_of stats-collector)/stats/hourly   (1-minute windows locally)
  README     "Trying it locally" walks through a webhook by hand, the SSE stream, an alert and the statistics.

  Ctrl-C stops everything; the next start continues this world (--fresh starts a new one).
INFO
# Block until Ctrl-C, whatever the services do (a failed one is started again, a stopped one stays stopped).
sleep infinity &
PIDS+=("$!")
wait "$!"
