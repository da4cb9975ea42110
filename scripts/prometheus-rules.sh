#!/usr/bin/env bash
# Checks the chart's Prometheus alert rules and runs their unit tests with promtool (Debian's prometheus
# package, unpacked into .local: no Prometheus server is run).
#   scripts/prometheus-rules.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RULES="$ROOT/k8s/ticketflow/files/prometheus"
PROMTOOL="$LOCAL/prometheus/usr/bin/promtool"

if [[ ! -x "$PROMTOOL" ]]; then
  command -v apt-get >/dev/null || die "promtool is needed: Debian's prometheus package (apt-get download prometheus)"
  log "unpacking promtool from Debian's prometheus package into .local/prometheus"
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1) || die "apt-get download prometheus failed"
  mkdir -p "$LOCAL/prometheus"
  dpkg -x "$tmp"/prometheus_*.deb "$LOCAL/prometheus"
  rm -rf "$tmp"
fi
cd "$RULES"
"$PROMTOOL" check rules ./*.rules.yml
"$PROMTOOL" test rules ./*.rules.test.yml
