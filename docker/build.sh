#!/usr/bin/env bash
# Build tlorc's GPU runtime images (needs a registry to pull the official PyTorch base from).
#
#   docker/build.sh                  # both images, tagged for this tlorc version
#   docker/build.sh pytorch          # only tlorc/runtime:pytorch-<version>
#   BASE_IMAGE=pytorch/pytorch:<tag> docker/build.sh keras
#
# Tags: tlorc/runtime:<framework>-<version> (what tlorc runs by default) and the moving alias
# tlorc/runtime:<framework>. Extra `docker build` flags can follow `--`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
version="$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$repo/package.json" | head -n1)"

targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    pytorch|keras) targets+=("$1"); shift ;;
    --) shift; break ;;
    *) echo "usage: $0 [pytorch] [keras] [-- docker build flags]" >&2; exit 2 ;;
  esac
done
[ "${#targets[@]}" -gt 0 ] || targets=(pytorch keras)

for fw in "${targets[@]}"; do
  args=(--build-arg "TLORC_VERSION=$version")
  [ -n "${BASE_IMAGE:-}" ] && args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
  echo "building tlorc/runtime:$fw-$version" >&2
  # Context: python/ (requirements.txt) only, so nothing else of the repo is sent to the engine.
  docker build "${args[@]}" "$@" -f "$here/$fw.Dockerfile" \
    -t "tlorc/runtime:$fw-$version" -t "tlorc/runtime:$fw" "$repo/python"
done
