#!/usr/bin/env bash
# Builds every service's image from docker/Dockerfile with podman, prints build time and size, and smoke-starts the
# zendesk-simulator image (it needs neither Kafka nor Postgres).
#   bash scripts/images.sh [--no-smoke]
#
# Where no registry can be reached (this project's CI machines), the official node image cannot be pulled: the
# script then prepares its own base, localhost/ticketflow/node:24 — Debian bookworm (debootstrap --variant=minbase
# from Debian's mirror) with the Node 24 binary the project runs on, npm from the npm registry and a user `node`
# (uid 1000) — and builds FROM it (--build-arg BASE). With registry access, set TICKETFLOW_BASE=node:24-bookworm-slim.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_node

mkdir -p "$LOCAL/images"
SMOKE=1
[[ "${1:-}" == "--no-smoke" ]] && SMOKE=0
BASE="${TICKETFLOW_BASE:-localhost/ticketflow/node:24}"
TAG="${TICKETFLOW_TAG:-dev}"

need() {
  command -v "$1" >/dev/null && return
  [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null || die "$1 is needed (Debian: apt-get install $2)"
  log "installing $2 from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null || die "apt-get install $2 failed"
}
need podman podman

if [[ "$BASE" == localhost/ticketflow/node:* ]] && ! podman image exists "$BASE"; then
  need debootstrap debootstrap
  rootfs="$LOCAL/images/rootfs"
  log "preparing $BASE: Debian bookworm minbase, Node $(node --version), npm"
  rm -rf "$rootfs" && mkdir -p "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$LOCAL/images/debootstrap.log" 2>&1 ||
    die "debootstrap failed (see $LOCAL/images/debootstrap.log)"
  install -m 0755 "$(command -v node)" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  (cd "$LOCAL/images" && npm pack --silent npm@10 >/dev/null && tar -xzf npm-10*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 && rm npm-10*.tgz)
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" /usr/sbin/useradd --uid 1000 --create-home --shell /bin/sh node
  # The host's CA bundle, so npm inside the build trusts what the host trusts (e.g. a TLS-inspecting proxy).
  mkdir -p "$rootfs/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  chroot "$rootfs" /bin/sh -c 'apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*'
  tar -C "$rootfs" -c . | podman import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' - "$BASE" >/dev/null
  rm -rf "$rootfs"
fi

# name port [extra build args] — the services' ports as in scripts/services.txt.
SERVICES=(
  "webhook-gateway 3001"
  "enrichment 3002"
  "alerting 3003"
  "stats-collector 3004"
  "zendesk-simulator 4010 HEALTH_PATH=/_simulator/health"
)
printf '\n| image | build (s) | size (MB) |\n| --- | ---: | ---: |\n' >"$LOCAL/images/summary.md"
for entry in "${SERVICES[@]}"; do
  read -r app port extra <<<"$entry"
  args=(--build-arg "BASE=$BASE" --build-arg "APP=$app" --build-arg "PORT=$port")
  [[ -n "${extra:-}" ]] && args+=(--build-arg "$extra")
  log "building ticketflow/$app:$TAG"
  started=$(date +%s)
  # --no-cache: Debian's podman 4.3 (buildah 1.28) reuses the `ENV APP=${APP}` layer of another APP's build.
  podman build --isolation=chroot --network=host --no-cache --quiet -f docker/Dockerfile "${args[@]}" \
    -t "ticketflow/$app:$TAG" . \
    >"$LOCAL/images/$app.log" 2>&1 || die "building $app failed (see $LOCAL/images/$app.log)"
  seconds=$(($(date +%s) - started))
  podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "ticketflow/$app:$TAG" | grep -qx "APP=$app" ||
    die "ticketflow/$app:$TAG does not run $app (a stale layer?)"
  size=$(podman image inspect --format '{{.Size}}' "ticketflow/$app:$TAG")
  printf '| ticketflow/%s:%s | %d | %d |\n' "$app" "$TAG" "$seconds" "$((size / 1000000))" >>"$LOCAL/images/summary.md"
done
cat "$LOCAL/images/summary.md"

if ((SMOKE)); then
  image="ticketflow/zendesk-simulator:$TAG"
  log "smoke: $image on 127.0.0.1:4499 as uid 1000 (the image's CMD and WORKDIR)"
  # podman run needs a runtime allowed to set rlimits; where it is not (sandboxes), buildah runs the same image's
  # command in a chroot instead.
  if podman run -d --name ticketflow-smoke --replace --network=host --user 1000 --read-only --tmpfs /tmp \
    -e PORT=4499 "$image" >/dev/null 2>"$LOCAL/images/smoke.log"; then
    trap 'podman rm -f ticketflow-smoke >/dev/null 2>&1 || true' EXIT
  else
    need buildah buildah
    log "smoke: podman run is refused here ($(tail -1 "$LOCAL/images/smoke.log")); running it with buildah (chroot)"
    ctr=$(buildah from "$image")
    buildah run --isolation chroot --network host --user 1000 --env PORT=4499 "$ctr" -- \
      sh -c 'exec node -r ./tools/register-paths.js "dist/apps/$APP/src/main.js"' >>"$LOCAL/images/smoke.log" 2>&1 &
    runner=$!
    trap 'kill "$runner" 2>/dev/null || true; wait "$runner" 2>/dev/null || true; buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
  fi
  for _ in $(seq 1 60); do
    curl -fsS http://127.0.0.1:4499/_simulator/health >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS http://127.0.0.1:4499/_simulator/health >/dev/null ||
    die "the simulator image did not answer /_simulator/health (see $LOCAL/images/smoke.log)"
  log "smoke: /_simulator/health answered 200"
fi
