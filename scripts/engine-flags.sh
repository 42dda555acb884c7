#!/usr/bin/env bash
# Prints, as one JSON object on stdout, how to run and build containers on this host: the contract for code
# that starts the images itself (a study backend). Notes on what was detected go to stderr.
#
#   bash scripts/engine-flags.sh [--image IMAGE] [--containers-conf FILE]
#
#   {"engine": "podman",
#    "runFlags": ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"],
#    "buildFlags": ["--format", "docker"],
#    "quirks": ["ulimit"],
#    "scheduledHealthchecks": false,
#    "probeImage": "docker.io/library/clouddetect:latest",
#    "containersConf": null}
#
# engine      podman or docker (CLOUDDETECT_ENGINE to choose)
# runFlags    add to every `ENGINE run`: the quirk flags this host needs (may be empty); found by starting a
#             throw-away container of IMAGE (default: the first present of the baked, runtime and base images)
#             with --cpus 0.5 --memory 64m, and falling back as scripts/lib/engine.sh describes
# buildFlags  add to every `ENGINE build`
# quirks      which fallbacks were needed: "runtime" (--runtime runc), "ulimit" (lowered rlimits)
# scheduledHealthchecks  false when the engine will not run the image's HEALTHCHECK by itself (podman without
#             systemd): run `podman healthcheck run NAME` to check health
# containersConf  FILE when --containers-conf was given (else null): a containers.conf written with the quirks as
#             podman's defaults, for commands that take no --ulimit: CONTAINERS_CONF=FILE podman kube play pod.yaml
# Exit 1, with the reason on stderr, when there is no engine, no image to probe with, or no way to start one.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/engine.sh
source scripts/lib/engine.sh

usage="usage: engine-flags.sh [--image IMAGE] [--containers-conf FILE]"
image=
conf=
while [ $# -gt 0 ]; do
  case "$1" in
    --image | --containers-conf)
      [ -n "${2:-}" ] || { echo "engine-flags: $1 takes a value ($usage)" >&2; exit 2; }
      if [ "$1" = --image ]; then image=$2; else conf=$2; fi
      shift 2
      ;;
    *) echo "engine-flags: unknown argument \"$1\" ($usage)" >&2; exit 2 ;;
  esac
done

engine_detect
if [ -z "$image" ]; then
  for candidate in docker.io/library/clouddetect:latest docker.io/library/clouddetect:runtime \
    "$(engine_qualified "$(sed -nE 's/^ARG BASE_IMAGE=(.+)$/\1/p' Dockerfile)")"; do
    if engine_image_exists "$candidate"; then image=$candidate; break; fi
  done
  [ -n "$image" ] || { engine_log "no image to probe with: run scripts/build-image.sh first, or pass --image"; exit 1; }
fi
engine_image_exists "$image" || { engine_log "image $image is not here"; exit 1; }
engine_probe_quirks "$image"
engine_build_flags
if [ -n "$conf" ]; then
  [ "$ENGINE" = podman ] || { engine_log "--containers-conf is for podman; the engine here is $ENGINE"; exit 1; }
  engine_containers_conf "$conf"
fi

json_list() {
  local out="" item
  for item in "$@"; do out+="${out:+, }\"${item//\"/\\\"}\""; done
  printf '[%s]' "$out"
}
quirks=()
[[ " ${ENGINE_RUN_FLAGS[*]} " == *" --runtime "* ]] && quirks+=(runtime)
[[ " ${ENGINE_RUN_FLAGS[*]} " == *" --ulimit "* ]] && quirks+=(ulimit)
scheduled=true
[ "$ENGINE" = podman ] && [ ! -d /run/systemd/system ] && scheduled=false
conf_json=null
[ -z "$conf" ] || conf_json="\"${conf//\"/\\\"}\""
printf '{"engine": "%s", "runFlags": %s, "buildFlags": %s, "quirks": %s, "scheduledHealthchecks": %s, "probeImage": "%s", "containersConf": %s}\n' \
  "$ENGINE" "$(json_list "${ENGINE_RUN_FLAGS[@]}")" "$(json_list "${ENGINE_BUILD_FLAGS[@]}")" "$(json_list "${quirks[@]}")" "$scheduled" "$image" "$conf_json"
