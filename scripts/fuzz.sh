#!/usr/bin/env bash
# The long fuzz run of the webhook gateway: the seeded, validly signed, mutated Zendesk webhooks of the CI fuzz test
# (libs/gateway/src/gateway.fuzz.int-spec.ts, 2,000 cases), by default 10,000, against the built gateway as a
# process of its own. Reports answers by status, crashes, unexpected 5xx, records produced for rejected input,
# 2xx not in Kafka, the gateway's event-loop delay and its RSS at start, peak and after the run; exits non-zero
# when one fails (docs/reliability.md has the figures).
#   bash scripts/fuzz.sh [--cases N] [--seed S] [--concurrency C]
# Starts a Kafka on 127.0.0.1:19092 (stopped at the end) unless KAFKA_BROKERS is set or one runs there; removes its
# topics, consumer group and gateway process.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

args=("$@")
for ((i = 0; i < ${#args[@]}; i += 2)); do
  [[ "${args[i]}" =~ ^--(cases|seed|concurrency)$ && "${args[i + 1]:-}" =~ ^[1-9][0-9]*$ ]] ||
    die "usage: bash scripts/fuzz.sh [--cases N] [--seed S] [--concurrency C] (positive integers)"
done
ensure_deps

bash scripts/kafka.sh jars
log "building the services (tsc -p tsconfig.build.json): the gateway runs as deployed"
tsc -p tsconfig.build.json

own_kafka=()
if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  kafka_env=(env KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093)
  # A broker already running there is used and left running; one started here is stopped at the end.
  if ! "${kafka_env[@]}" bash scripts/kafka.sh status >/dev/null 2>&1; then
    "${kafka_env[@]}" bash scripts/kafka.sh start
    own_kafka=("${kafka_env[@]}")
  fi
  export KAFKA_BROKERS=127.0.0.1:19092
fi
# The run deletes its topics; a broker removes their files a minute later (file.delete.delay.ms), so one stopped
# sooner leaves them: removed here once it is stopped (only those of the fuzz runs, already deleted in Kafka).
stop_own_kafka() {
  ((${#own_kafka[@]})) || return 0
  "${own_kafka[@]}" bash scripts/kafka.sh stop
  rm -rf "$LOCAL"/kafka/run-19092/data/ticket.events.v1.fuzz-*-delete
}
trap stop_own_kafka EXIT
tsx libs/gateway/test/fuzz-run.ts "$@"
