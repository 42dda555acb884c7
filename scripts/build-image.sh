#!/usr/bin/env bash
# Builds the Dockerfile's images with podman (or docker, where that is what a user has) and prints their sizes.
#
#   bash scripts/build-image.sh                      all three targets
#   bash scripts/build-image.sh --target runtime     one (repeatable): baked | runtime | loadgen
#   bash scripts/build-image.sh --if-missing         only targets whose image is not there yet
#   bash scripts/build-image.sh --model yolov8n_int8.onnx    another file from model/ for baked
#
# Images (fully qualified, so `podman save | ctr -n k8s.io images import -` gives a node the names the
# manifests use):
#   baked    docker.io/library/clouddetect:latest          the service with model/default.onnx inside
#   runtime  docker.io/library/clouddetect:runtime         the service without a model (mount one)
#   loadgen  docker.io/library/clouddetect-loadgen:latest  the load worker + inputfolder/*.jpg
#
# When the base image cannot be pulled, a stand-in is made under its name first (scripts/lib/node-base.sh).
# Engine and quirk flags: scripts/lib/engine.sh (CLOUDDETECT_ENGINE, CLOUDDETECT_RUN_FLAGS).
# CLOUDDETECT_BUILD_NETWORK (default host) is the network for RUN steps: npm ci and apt-get need the registries.
# CLOUDDETECT_BUILD_CA (default: NODE_EXTRA_CA_CERTS) is a CA file npm inside the build trusts as well, for a
# TLS-inspecting proxy in front of the npm registry; passed as a build secret, it is in no image.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/engine.sh
source scripts/lib/engine.sh
# shellcheck source=scripts/lib/node-base.sh
source scripts/lib/node-base.sh

declare -A TAGS=(
  [baked]=docker.io/library/clouddetect:latest
  [runtime]=docker.io/library/clouddetect:runtime
  [loadgen]=docker.io/library/clouddetect-loadgen:latest
)
ALL_TARGETS=(baked runtime loadgen)

die() { echo "build-image: $*" >&2; exit 1; }

targets=()
if_missing=false
model=default.onnx
while [ $# -gt 0 ]; do
  case "$1" in
    --target)
      if [ -z "${2:-}" ] || [ -z "${TAGS[$2]+x}" ]; then die "--target takes one of: ${ALL_TARGETS[*]}"; fi
      targets+=("$2")
      shift 2
      ;;
    --if-missing) if_missing=true; shift ;;
    --model)
      [ -n "${2:-}" ] || die "--model takes a file name under model/"
      model=$2
      shift 2
      ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument \"$1\" (see --help)" ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")

engine_detect

wanted=()
for t in "${targets[@]}"; do
  if $if_missing && engine_image_exists "${TAGS[$t]}"; then
    echo "build-image: $t: ${TAGS[$t]} is already built"
  else
    wanted+=("$t")
  fi
done

for t in "${wanted[@]}"; do
  case "$t" in
    baked) [ -f "model/$model" ] || die "model/$model is missing: run \`npm run model:install\` (or pass --model)" ;;
    loadgen) compgen -G 'inputfolder/*.jpg' >/dev/null || die "inputfolder/ has no images: run \`npm run images:install\`" ;;
  esac
done

if [ ${#wanted[@]} -gt 0 ]; then
  base=$(sed -nE 's/^ARG BASE_IMAGE=(.+)$/\1/p' Dockerfile)
  [ -n "$base" ] || die "no \`ARG BASE_IMAGE=\` line in the Dockerfile"
  node_base_ensure "$base"
  engine_probe_quirks "$(engine_qualified "$base")"
  engine_build_flags
  ca=${CLOUDDETECT_BUILD_CA-${NODE_EXTRA_CA_CERTS:-}}
  secret=()
  if [ -n "$ca" ]; then
    [ -f "$ca" ] || die "CA file $ca (CLOUDDETECT_BUILD_CA or NODE_EXTRA_CA_CERTS) does not exist"
    echo "build-image: npm inside the build trusts $ca too (as NODE_EXTRA_CA_CERTS here; CLOUDDETECT_BUILD_CA= to not)"
    secret=(--secret "id=npm-ca,src=$ca")
  fi
  for t in "${wanted[@]}"; do
    args=("${ENGINE_BUILD_FLAGS[@]}" "${secret[@]}" --network "${CLOUDDETECT_BUILD_NETWORK:-host}" --target "$t" -t "${TAGS[$t]}")
    [ "$t" = baked ] && args+=(--build-arg "MODEL_NAME=$model")
    echo "build-image: $t: $ENGINE build ${args[*]} ."
    started=$SECONDS
    "$ENGINE" build "${args[@]}" -f Dockerfile . || die "$t: $ENGINE build failed"
    echo "build-image: $t: built in $((SECONDS - started)) s"
  done
fi

for t in "${targets[@]}"; do
  bytes=$(engine_image_bytes "${TAGS[$t]}")
  printf 'build-image: %-8s %-46s %4d MB\n' "$t" "${TAGS[$t]}" "$((bytes / 1000000))"
done
