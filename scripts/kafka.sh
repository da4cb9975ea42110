#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft) without Docker, from jars resolved off Maven Central.
#   scripts/kafka.sh start | stop | status | wait | reset
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP (512m).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
HOME_DIR="$LOCAL/kafka"
LIBS="$HOME_DIR/libs"
RUN_DIR="$HOME_DIR/run-$PORT"
DATA_DIR="$RUN_DIR/data"
PID_FILE="$RUN_DIR/kafka.pid"
CONFIG="$RUN_DIR/server.properties"
POM="$ROOT/tools/kafka/pom.xml"

java_cmd() {
  java -Xms256m -Xmx"${KAFKA_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dkafka.logs.dir="$RUN_DIR/logs" -Dlog4j2.configurationFile="$ROOT/tools/kafka/log4j2.properties" \
    -cp "$LIBS/*" "$@"
}

ensure_jars() {
  local stamp="$LIBS/.pom-hash" want
  want="$(sha256sum "$POM" | cut -d' ' -f1)"
  [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && return
  command -v java >/dev/null || die "Java 17+ is needed for Kafka (apt-get install openjdk-17-jre-headless)"
  command -v mvn >/dev/null || die "Maven is needed to resolve the Kafka jars (apt-get install maven)"
  log "resolving Apache Kafka jars from Maven Central (tools/kafka/pom.xml)"
  rm -rf "$LIBS" && mkdir -p "$LIBS"
  mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS" >&2
  echo "$want" > "$stamp"
}

# Running = the pid file names a live process that is this broker (a stale pid may belong to anything else).
is_running() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid; pid="$(cat "$PID_FILE")"
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $CONFIG"
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

format_storage() {
  mkdir -p "$RUN_DIR/logs"
  sed -e "s#@PORT@#$PORT#g" -e "s#@CONTROLLER_PORT@#$CONTROLLER_PORT#g" -e "s#@DATA_DIR@#$DATA_DIR#g" \
    "$ROOT/tools/kafka/server.properties.template" > "$CONFIG"
  if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
    local cluster_id
    cluster_id="$(java_cmd kafka.tools.StorageTool random-uuid)"
    java_cmd kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$CONFIG" >/dev/null
    log "formatted KRaft storage (cluster $cluster_id) in ${DATA_DIR#"$ROOT/"}"
  fi
}

wait_ready() {
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-90}))
  until port_open && grep -q "Kafka Server started" "$RUN_DIR/logs/server.log" 2>/dev/null; do
    # The pid we just launched: alive is enough (its cmdline is still the forking shell's for a moment).
    kill -0 "$(cat "$PID_FILE")" 2>/dev/null || { tail -n 40 "$RUN_DIR/logs/server.log" "$RUN_DIR/logs/stdout.log" >&2 2>/dev/null; die "Kafka exited during start"; }
    ((SECONDS < deadline)) || die "Kafka not ready after ${KAFKA_START_TIMEOUT:-90}s"
    sleep 0.5
  done
}

start() {
  if is_running; then log "Kafka already running on 127.0.0.1:$PORT (pid $(cat "$PID_FILE"))"; return; fi
  port_open && die "port $PORT is taken by another process"
  ensure_jars
  format_storage
  : > "$RUN_DIR/logs/server.log"
  log "starting Kafka on 127.0.0.1:$PORT"
  setsid bash -c 'exec "$@"' _ java -Xms256m -Xmx"${KAFKA_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dkafka.logs.dir="$RUN_DIR/logs" -Dlog4j2.configurationFile="$ROOT/tools/kafka/log4j2.properties" \
    -cp "$LIBS/*" kafka.Kafka "$CONFIG" > "$RUN_DIR/logs/stdout.log" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  wait_ready
  log "Kafka ready on 127.0.0.1:$PORT (pid $(cat "$PID_FILE"))"
}

stop() {
  if ! is_running; then rm -f "$PID_FILE"; return; fi
  local pid; pid="$(cat "$PID_FILE")"
  log "stopping Kafka (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$PID_FILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  wait) wait_ready ;;
  status) if is_running; then echo "running pid $(cat "$PID_FILE") port $PORT"; else echo "stopped"; exit 1; fi ;;
  reset) stop; rm -rf "$RUN_DIR" ;;
  jars) ensure_jars ;;
  *) echo "usage: $0 start|stop|status|wait|reset|jars" >&2; exit 2 ;;
esac
