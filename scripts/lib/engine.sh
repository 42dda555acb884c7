# shellcheck shell=bash
# The container engine and the flags this host needs, for scripts/build-image.sh,
# scripts/test-image.sh and scripts/engine-flags.sh (which a study backend calls).
# Source it, then:
#
#   engine_detect                 sets ENGINE (podman or docker)
#   engine_probe_quirks IMAGE     sets ENGINE_RUN_FLAGS (array): the quirk flags
#                                 `$ENGINE run` needs on this host, found by trying
#   engine_build_flags            sets ENGINE_BUILD_FLAGS (array) for `$ENGINE build`
#   engine_containers_conf FILE   writes ENGINE_RUN_FLAGS as podman defaults (for `podman kube play`)
#
# Quirks are detected, never assumed: a throw-away container of IMAGE is started
# with --cpus/--memory limits and no quirk flags; when that fails, the runs below
# are tried in order and the first that starts is kept. Each fallback is said on
# stderr with the error that caused it.
#   runtime  crun refuses a hybrid cgroup v1/v2 layout ("cgroups in hybrid mode not
#            supported"): --runtime runc (podman only; docker runs runc already)
#   ulimit   the engine raises RLIMIT_NOFILE/NPROC and the host forbids it
#            ("error setting rlimit"): --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
#
# Overrides: CLOUDDETECT_ENGINE=podman|docker picks the engine;
# CLOUDDETECT_RUN_FLAGS="..." (even empty) skips probing and is used as the quirk flags.

ENGINE_QUIRK_RUNTIME=(--runtime runc)
ENGINE_QUIRK_ULIMIT=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

engine_log() { echo "engine: $*" >&2; }

engine_detect() {
  if [ -n "${CLOUDDETECT_ENGINE:-}" ]; then
    case "$CLOUDDETECT_ENGINE" in
      podman | docker) ;;
      *) engine_log "CLOUDDETECT_ENGINE must be podman or docker, not \"$CLOUDDETECT_ENGINE\""; return 1 ;;
    esac
    command -v "$CLOUDDETECT_ENGINE" >/dev/null || { engine_log "CLOUDDETECT_ENGINE=$CLOUDDETECT_ENGINE but it is not installed"; return 1; }
    ENGINE=$CLOUDDETECT_ENGINE
  elif command -v podman >/dev/null; then
    ENGINE=podman
  elif command -v docker >/dev/null; then
    ENGINE=docker
  else
    engine_log "neither podman nor docker is installed (Debian/Ubuntu: apt-get install podman runc)"
    return 1
  fi
}

# docker.io/library/NAME for a bare NAME, as docker and kubelet read it (podman would make it localhost/NAME,
# which a node importing the image with `ctr` would not match).
engine_qualified() {
  case "$1" in
    */*) case "${1%%/*}" in *.* | *:* | localhost) echo "$1" ;; *) echo "docker.io/$1" ;; esac ;;
    *) echo "docker.io/library/$1" ;;
  esac
}

engine_image_exists() {
  if [ "$ENGINE" = podman ]; then podman image exists "$1"; else docker image inspect "$1" >/dev/null 2>&1; fi
}

# Removes containers at once, without the stop timeout (docker's rm has no --time).
engine_rm() {
  if [ "$ENGINE" = podman ]; then podman rm -f -t 0 "$@"; else docker rm -f "$@"; fi
}

# Uncompressed size in bytes, as the engine reports it.
engine_image_bytes() { "$ENGINE" image inspect --format '{{.Size}}' "$1"; }

# The OCI runtime podman uses by default ("" for docker or when podman cannot tell).
engine_default_runtime() {
  [ "$ENGINE" = podman ] || return 0
  podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null || true
}

# podman without systemd cannot schedule HEALTHCHECK timers and says so on every run and rm of such an
# image; the check itself still works (`podman healthcheck run NAME`). Drops that line from stdin.
engine_drop_timer_noise() { grep -v 'unable to get systemd connection' || true; }

# Starts one throw-away container with the given flags; prints the engine's error on failure.
engine_try_run() {
  local image=$1
  shift
  "$ENGINE" run --rm --network none --cpus 0.5 --memory 64m "$@" "$image" true 2>&1 >/dev/null | engine_drop_timer_noise
  return "${PIPESTATUS[0]}"
}

# The line of an engine's error output that says what went wrong.
engine_first_error() { grep -m1 -i 'error' <<<"$1" || grep -m1 . <<<"$1" || echo "(no message)"; }

engine_probe_quirks() {
  local image=$1 err
  if [ -n "${CLOUDDETECT_RUN_FLAGS+set}" ]; then
    read -r -a ENGINE_RUN_FLAGS <<<"$CLOUDDETECT_RUN_FLAGS"
    engine_log "run flags from CLOUDDETECT_RUN_FLAGS: ${ENGINE_RUN_FLAGS[*]:-(none)}"
    return 0
  fi
  ENGINE_RUN_FLAGS=()
  if err=$(engine_try_run "$image"); then
    engine_log "$ENGINE runs containers with no quirk flags"
    return 0
  fi
  engine_log "$ENGINE run failed without quirk flags: $(engine_first_error "$err")"
  local candidates=()
  # A runtime fallback only when there is another runtime to fall back to.
  if [ "$ENGINE" = podman ] && command -v runc >/dev/null && [ "$(engine_default_runtime)" != runc ]; then
    candidates+=(runtime ulimit runtime+ulimit)
  else
    candidates+=(ulimit)
  fi
  local c flags
  for c in "${candidates[@]}"; do
    flags=()
    case "$c" in *runtime*) flags+=("${ENGINE_QUIRK_RUNTIME[@]}") ;; esac
    case "$c" in *ulimit*) flags+=("${ENGINE_QUIRK_ULIMIT[@]}") ;; esac
    if err=$(engine_try_run "$image" "${flags[@]}"); then
      ENGINE_RUN_FLAGS=("${flags[@]}")
      case "$c" in *runtime*) engine_log "the default OCI runtime cannot start containers here (crun and a hybrid cgroup layout): using ${ENGINE_QUIRK_RUNTIME[*]}" ;; esac
      case "$c" in *ulimit*) engine_log "raising rlimits is not permitted here: using ${ENGINE_QUIRK_ULIMIT[*]}" ;; esac
      return 0
    fi
    engine_log "with ${flags[*]}: still fails: $(engine_first_error "$err")"
  done
  engine_log "no combination of quirk flags (${candidates[*]}) starts a container of $image; last error: $(engine_first_error "$err")"
  return 1
}

# Writes a containers.conf that makes ENGINE_RUN_FLAGS podman's defaults, for commands with no --ulimit
# (`podman kube play`): CONTAINERS_CONF=FILE podman kube play pod.yaml. podman 4.3 reads only this file
# then, not /etc/containers/containers.conf.
engine_containers_conf() {
  local file=$1 i ulimits=() runtime=
  for ((i = 0; i < ${#ENGINE_RUN_FLAGS[@]}; i++)); do
    case "${ENGINE_RUN_FLAGS[i]}" in
      --ulimit) ulimits+=("\"${ENGINE_RUN_FLAGS[i + 1]}\"") ;;
      --runtime) runtime=${ENGINE_RUN_FLAGS[i + 1]} ;;
    esac
  done
  {
    echo "# The quirk flags scripts/engine-flags.sh found, as podman defaults."
    echo "[containers]"
    local list
    list=$(IFS=,; echo "${ulimits[*]}")
    [ ${#ulimits[@]} -eq 0 ] || echo "default_ulimits = [${list//,/, }]"
    echo "[engine]"
    [ -z "$runtime" ] || echo "runtime = \"$runtime\""
  } >"$file"
}

# Needs ENGINE_RUN_FLAGS (engine_probe_quirks) when the runtime quirk applies to builds too.
engine_build_flags() {
  ENGINE_BUILD_FLAGS=()
  # OCI image config has no HEALTHCHECK; podman drops it unless it writes the docker format.
  [ "$ENGINE" = podman ] && ENGINE_BUILD_FLAGS+=(--format docker)
  local i
  for ((i = 0; i < ${#ENGINE_RUN_FLAGS[@]}; i++)); do
    if [ "${ENGINE_RUN_FLAGS[i]}" = --runtime ]; then ENGINE_BUILD_FLAGS+=(--runtime "${ENGINE_RUN_FLAGS[i + 1]}"); fi
  done
  return 0
}
