#!/usr/bin/env bash
# The fault suite: the whole pipeline (simulator, gateway, two enrichment and two alerting processes) on a Kafka
# and a Postgres of its own, a seeded workload under kill -9, rebalances, broker and Postgres crashes and webhook
# faults, then the independent auditor (tools/auditor). Closes with 'N passed, N failed'; non-zero on a failure.
#   bash scripts/fault-suite.sh [--runs N] [--seed N] [--users N] [--rounds N] [--kills N] [--brokers 1|3] [--help]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_deps
bash scripts/kafka.sh jars
exec tsx tools/fault-suite/main.ts "$@"
