#!/usr/bin/env bash
# Bring up a Docker engine and the offline test image tlorc's Docker-runner tests need.
#
# Idempotent: every step checks first and does nothing when its result is already there, so a
# second run (engine up, image built) takes about a second. Safe for CI (CI=true, no stdin, root,
# no registry but PyPI and Debian's mirrors): nothing here pulls an image.
#
#   bash .ci/docker-up.sh            # engine + tlorc/runtime:test
#   TLORC_SKIP_TEST_IMAGE=1 bash .ci/docker-up.sh   # engine only
#
# Environment:
#   DOCKERD_LOG        dockerd's log file            (default /var/log/tlorc-dockerd.log)
#   DOCKERD_WAIT_S     how long to wait for dockerd  (default 60)
#   TLORC_DOCKER_CACHE cache for rootfs + wheelhouse (default /var/cache/tlorc/docker; see docker/test-image/build.sh)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

log() { printf '[docker-up] %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" != 0 ]; then
    log "must run as root to $1"; exit 1
  fi
}

# 1. Packages: the Debian engine (dockerd, containerd, runc) and debootstrap for the base image.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  need_root "install ${missing[*]}"
  log "installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" ca-certificates >/dev/null
fi

# 2. Engine. `docker info` talks to whatever DOCKER_HOST (or the default socket) points at; if a
# working engine is already there (a developer's own, or an earlier run), use it as it is.
if docker info >/dev/null 2>&1; then
  log "engine already up ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
else
  need_root "start dockerd"
  logf="${DOCKERD_LOG:-/var/log/tlorc-dockerd.log}"
  mkdir -p "$(dirname "$logf")"
  # A stale pid file from a dockerd that died (machine kept, process gone) blocks a new start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    log "starting dockerd (log: $logf)"
    # setsid + nohup: the engine outlives this script and the CI step that ran it; no stdin.
    setsid nohup dockerd >>"$logf" 2>&1 </dev/null &
  else
    log "dockerd is running but not answering yet; waiting"
  fi
  wait_s="${DOCKERD_WAIT_S:-60}"
  for ((i = 0; i < wait_s; i++)); do
    if docker info >/dev/null 2>&1; then break; fi
    sleep 1
  done
  if ! docker info >/dev/null 2>&1; then
    log "dockerd did not become ready within ${wait_s}s; last log lines:"
    tail -n 30 "$logf" >&2 || true
    exit 1
  fi
  log "engine up after ~${i}s ($(docker version --format '{{.Server.Version}}'))"
fi

# 3. The offline test image (tlorc/base:bookworm -> tlorc/runtime:test).
if [ "${TLORC_SKIP_TEST_IMAGE:-0}" = 1 ]; then
  log "TLORC_SKIP_TEST_IMAGE=1: not building the test image"
  exit 0
fi
bash "$repo/docker/test-image/build.sh"
