#!/usr/bin/env bash
# Build tlorc's offline CPU test runtime image without pulling anything from a registry.
#
#   tlorc/base:bookworm   Debian 12 minbase + python3 (3.11) made with debootstrap from the Debian
#                         mirror apt already uses, imported with `docker import`.
#   tlorc/runtime:test    FROM the base, python/requirements.txt installed into /opt/venv from a
#                         wheelhouse downloaded on the host (`pip download`, PyPI only), non-root
#                         user tlorc (uid 1000), the same env as the product images.
#
# Everything expensive is cached under $TLORC_DOCKER_CACHE (default /var/cache/tlorc/docker):
#   rootfs-<key>.tar   the debootstrap tree (debootstrap takes ~3 minutes)
#   wheelhouse/        the downloaded wheels (~3 GB: torch from PyPI brings its CUDA wheels)
# and the images stay in the engine, labelled with a hash of their inputs: when the labels match,
# this script only checks and exits (about a second). Change python/requirements.txt, the
# Dockerfile or the package list below and the affected image is rebuilt.
#
# Environment:
#   TLORC_DOCKER_CACHE   cache dir (see above); falls back to $TLORC_HOME/cache/docker when TLORC_HOME is set
#   TLORC_DEBIAN_MIRROR  Debian mirror for debootstrap (default: the one in /etc/apt/sources*)
#   TLORC_TEST_IMAGE     tag of the runtime image   (default tlorc/runtime:test)
#   TLORC_BASE_IMAGE     tag of the base image      (default tlorc/base:bookworm)
#   TLORC_FORCE_REBUILD=1  rebuild both images even when their labels match
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
req="$repo/python/requirements.txt"

if [ -n "${TLORC_DOCKER_CACHE:-}" ]; then cache="$TLORC_DOCKER_CACHE"
elif [ -n "${TLORC_HOME:-}" ]; then cache="$TLORC_HOME/cache/docker"
else cache=/var/cache/tlorc/docker; fi
base_tag="${TLORC_BASE_IMAGE:-tlorc/base:bookworm}"
test_tag="${TLORC_TEST_IMAGE:-tlorc/runtime:test}"
suite=bookworm
# python3-venv brings ensurepip's bundled pip wheel, so the image needs no pip from the network.
packages="python3,python3-venv,ca-certificates"

# The legacy builder works with every docker CLI here (the Debian 20.10 one and a newer static CLI
# that has no buildx plugin). The wheelhouse is served over loopback HTTP during the build
# (--network host), so its wheels are installed but never copied into a layer.
export DOCKER_BUILDKIT=0

log() { printf '[test-image] %s\n' "$*" >&2; }
sha() { sha256sum | cut -c1-16; }
image_label() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

mkdir -p "$cache"
t0=$SECONDS

# ---------------------------------------------------------------- base image
base_key="$(printf '%s|%s|%s' "$suite" "$packages" "$(uname -m)" | sha)"
if [ "${TLORC_FORCE_REBUILD:-0}" != 1 ] && [ "$(image_label "$base_tag" org.tlorc.inputs)" = "$base_key" ]; then
  log "$base_tag is up to date"
else
  rootfs_tar="$cache/rootfs-$suite-$base_key.tar"
  if [ ! -s "$rootfs_tar" ]; then
    command -v debootstrap >/dev/null || { log "debootstrap is missing (apt-get install debootstrap)"; exit 1; }
    mirror="${TLORC_DEBIAN_MIRROR:-}"
    if [ -z "$mirror" ]; then
      # The first mirror apt uses for the plain suite (deb822 .sources first, then one-line lists).
      mirror="$(awk -v s="$suite" '
        /^URIs:/ { u=$2 } /^Suites:/ { for (i=2;i<=NF;i++) if ($i==s) { print u; exit } }
      ' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
    fi
    if [ -z "$mirror" ]; then
      mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
        | awk -v s="$suite" '$1=="deb" { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { if ($(i+1)==s) { print $i; exit } break } }' || true)"
    fi
    mirror="${mirror:-http://deb.debian.org/debian}"
    log "debootstrap $suite ($packages) from $mirror"
    work="$(mktemp -d "$cache/rootfs.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    debootstrap --variant=minbase --include="$packages" "$suite" "$work/root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
      || { tail -n 30 "$cache/debootstrap.log" >&2; exit 1; }
    # Smaller and reproducible enough: no downloaded .debs, no apt lists, no machine id.
    rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"* "$work/root/tmp/"*
    : >"$work/root/etc/machine-id"
    # Non-root users in the image must be able to *traverse* /root: tlorc mounts host paths at the
    # same absolute path, and a root user's run directory or data may live under /root.
    chmod 0711 "$work/root/root"
    tar --numeric-owner -C "$work/root" -cf "$rootfs_tar.tmp" .
    mv "$rootfs_tar.tmp" "$rootfs_tar"
    rm -rf "$work"; trap - EXIT
    log "rootfs cached: $rootfs_tar ($(du -h "$rootfs_tar" | cut -f1))"
  else
    log "using cached rootfs $rootfs_tar"
  fi
  docker import \
    --change "LABEL org.tlorc.inputs=$base_key" \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    "$rootfs_tar" "$base_tag" >/dev/null
  log "imported $base_tag"
fi

# ---------------------------------------------------------------- runtime image
test_key="$( { cat "$req" "$here/Dockerfile"; docker image inspect --format '{{.Id}}' "$base_tag"; } | sha)"
if [ "${TLORC_FORCE_REBUILD:-0}" != 1 ] && [ "$(image_label "$test_tag" org.tlorc.inputs)" = "$test_key" ]; then
  log "$test_tag is up to date ($((SECONDS - t0))s)"
  exit 0
fi

wheels="$cache/wheelhouse"
mkdir -p "$wheels"
req_key="$(sha <"$req")"
if [ "$(cat "$wheels/.complete" 2>/dev/null || true)" != "$req_key" ]; then
  log "downloading wheels for $(basename "$req") into $wheels"
  # Binary wheels for CPython 3.11 on manylinux x86-64: Debian bookworm's python3. Already
  # downloaded files are kept (pip skips them), and the host pip cache makes the rest fast.
  # Pip does not widen an explicit --platform to older manylinux tags, so every glibc level up to
  # bookworm's 2.36 is named (this also makes the result independent of the host's Python/glibc).
  plats=(--platform any --platform linux_x86_64 --platform manylinux1_x86_64 --platform manylinux2010_x86_64 --platform manylinux2014_x86_64)
  for g in $(seq 5 36); do plats+=(--platform "manylinux_2_${g}_x86_64"); done
  pip_cmd=(python3 -m pip)
  "${pip_cmd[@]}" --version >/dev/null 2>&1 || pip_cmd=(pip3)
  "${pip_cmd[@]}" download --disable-pip-version-check --progress-bar off -q \
    --only-binary=:all: --implementation cp --python-version 3.11 --abi cp311 --abi abi3 --abi none \
    "${plats[@]}" \
    -r "$req" -d "$wheels"
  echo "$req_key" >"$wheels/.complete"
else
  log "wheelhouse up to date ($(du -sh "$wheels" | cut -f1))"
fi

# The wheels reach the build over loopback, not through the build context: a 3 GB context would
# be tarred to the engine, copied into a layer and then left behind by a second stage, which
# more than doubles the build time. A throw-away HTTP server on 127.0.0.1 serves the wheelhouse,
# the build's RUN steps share the host's network namespace (--network host) and pip installs
# with --no-index --find-links from it: nothing but these wheels can be installed.
ctx="$(mktemp -d "$cache/context.XXXXXX")"
cp "$req" "$ctx/requirements.txt"
portfile="$ctx/.port"
python3 - "$wheels" "$portfile" >"$cache/wheel-server.log" 2>&1 <<'PY' &
import functools, http.server, os, sys
wheels, portfile = sys.argv[1], sys.argv[2]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=wheels)
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(httpd.server_address[1]))
os.rename(portfile + ".tmp", portfile)
httpd.serve_forever()
PY
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$ctx"' EXIT
for _ in $(seq 1 50); do [ -s "$portfile" ] && break; sleep 0.1; done
[ -s "$portfile" ] || { log "wheel server did not start"; cat "$cache/wheel-server.log" >&2; exit 1; }
rm -f "$ctx/.dockerignore"; printf '.port\n' >"$ctx/.dockerignore"
wheels_url="http://127.0.0.1:$(cat "$portfile")/"

log "docker build $test_tag (FROM $base_tag, --pull=false, wheels from $wheels_url)"
docker build --pull=false --rm --force-rm --network host \
  --build-arg "BASE_IMAGE=$base_tag" \
  --build-arg "WHEELS_URL=$wheels_url" \
  --label "org.tlorc.inputs=$test_key" \
  -f "$here/Dockerfile" -t "$test_tag" "$ctx" >"$cache/build.log" 2>&1 \
  || { tail -n 40 "$cache/build.log" >&2; exit 1; }
# The image this one replaces (now untagged), and nothing else.
docker image prune -f --filter "label=org.tlorc.runtime=test" >/dev/null 2>&1 || true
log "built $test_tag in $((SECONDS - t0))s ($(docker image inspect --format '{{.Size}}' "$test_tag" | awk '{printf "%.1f GB", $1/1e9}'))"
