#!/usr/bin/env bash
# Runs the benchmarks in bench/ one after another at their full (default) size, then rewrites their tables in
# docs/benchmarks.md (between <!-- bench:NAME --> and <!-- /bench:NAME -->).
#   bash scripts/bench.sh                     # all: gateway replay freshness alerting stats-backfill
#   bash scripts/bench.sh freshness alerting  # only these
# The benchmarks share one Kafka on 127.0.0.1:19092 started here unless KAFKA_BROKERS is set, and use the Postgres at
# DATABASE_URL or 127.0.0.1:5432. A goal missed is reported in the table; a benchmark that fails (a sample lost, a
# check wrong, a crash) keeps its old table, the others are spliced, and the script exits non-zero.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_deps
bash scripts/kafka.sh jars

# Report name → benchmark file (bench/<file>.bench.ts), in the order they run.
ORDER=(gateway replay freshness alerting stats-backfill)
declare -A FILES=(
  [gateway]=webhook-gateway
  [replay]=enrichment-replay
  [freshness]=enrichment-freshness
  [alerting]=alerting-latency
  [stats-backfill]=stats-backfill
)
# A benchmark file without a report name here would never run: refuse instead.
for file in bench/*.bench.ts; do
  base="$(basename "$file" .bench.ts)"
  [[ " ${FILES[*]} " == *" $base "* ]] || die "$file has no report name in scripts/bench.sh"
done

selected=("$@")
((${#selected[@]})) || selected=("${ORDER[@]}")
for name in "${selected[@]}"; do
  [[ -n "${FILES[$name]:-}" ]] || die "unknown benchmark '$name' (one of: ${ORDER[*]})"
done

log "building the services once (tsc -p tsconfig.build.json)"
tsc -p tsconfig.build.json
export BENCH_BUILT=1 # bench/processes.ts buildServices() skips the build

reports="$(mktemp -d)"
own_kafka=()
if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  # One broker for every benchmark: later ones then meet a JVM past its JIT warm-up, as a running system would.
  own_kafka=(env KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093)
  "${own_kafka[@]}" bash scripts/kafka.sh start
  export KAFKA_BROKERS=127.0.0.1:19092
fi
trap 'rm -rf "$reports"; ((${#own_kafka[@]})) && "${own_kafka[@]}" bash scripts/kafka.sh stop' EXIT
failed=()
for name in "${selected[@]}"; do
  log "benchmark $name: bench/${FILES[$name]}.bench.ts"
  started=$SECONDS
  if BENCH_REPORT_DIR="$reports" tsx "bench/${FILES[$name]}.bench.ts"; then
    [[ -f "$reports/$name.md" ]] || failed+=("$name (wrote no report '$name')")
  else
    failed+=("$name")
    rm -f "$reports/$name.md" # the figures of a failed run are not published
  fi
  log "benchmark $name: $((SECONDS - started)) s"
done

tsx bench/update-docs.ts "$reports" docs/benchmarks.md || failed+=("docs update")
((${#failed[@]} == 0)) || die "failed: ${failed[*]}"
log "docs/benchmarks.md updated: ${selected[*]}"
