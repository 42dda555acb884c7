#!/usr/bin/env bash
# Runs the images the way a user (or a pod) does and checks them from outside; first builds them, or brings
# them up to date with the tree (build-image.sh, incremental through the engine's layer cache).
#
#   bash scripts/test-image.sh
#
# The service runs with --cpus 0.5 --memory 512m and the Deployment's security context (read-only root file
# system, no capabilities), plus the host's quirk flags (scripts/lib/engine.sh), on a port of 127.0.0.1. The reference for "the same answer" is `npm start` (node --import tsx service/main.ts) on another
# port, with the same model. One PASS or FAIL line per check; exit 1 when any failed. Every container it starts
# carries the label org.clouddetect.test-image and is removed on exit, Ctrl-C included.
# Needs: podman or docker, node with `npm ci` done (the reference and the HTTP checks, scripts/lib/image-checks.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/engine.sh
source scripts/lib/engine.sh

BAKED=docker.io/library/clouddetect:latest
RUNTIME=docker.io/library/clouddetect:runtime
LOADGEN=docker.io/library/clouddetect-loadgen:latest
LIMITS=(--cpus 0.5 --memory 512m)
# As the Deployment's securityContext (k8s/deployment.yaml): read-only root, /tmp an emptyDir, no capabilities.
POD_SECURITY=(--read-only --tmpfs "/tmp:rw,size=64m" --cap-drop ALL --security-opt no-new-privileges)
LIMIT_BYTES=$((512 * 1024 * 1024))
RUN_ID="$$-$RANDOM"
LABEL="org.clouddetect.test-image=$RUN_ID"

passed=0
failed=0
pass() { echo "PASS $1: $2"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
say() { echo "test-image: $*"; }
checks() { node --import tsx scripts/lib/image-checks.ts "$@"; }

tmp=$(mktemp -d)
reference_pid=
cleanup() {
  local id
  # Newest first: the loadgen container shares the runtime container's network and must go before it.
  for id in $("$ENGINE" ps -aq --filter "label=$LABEL" 2>/dev/null || true); do
    engine_rm "$id" >/dev/null 2>&1 || echo "test-image: could not remove container $id" >&2
  done
  [ -z "$reference_pid" ] || kill "$reference_pid" 2>/dev/null || true
  [ -z "$reference_pid" ] || wait "$reference_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "FAIL interrupted: SIGINT"; exit 130' INT
trap 'echo "FAIL interrupted: SIGTERM"; exit 143' TERM

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# wait_ready URL SECONDS: 0 once /readyz answers 200
wait_ready() {
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1/readyz" || true)" = 200 ] && return 0
    sleep 0.5
  done
  return 1
}

# start_service NAME IMAGE [run flags...]: runs it detached, prints http://127.0.0.1:PORT
start_service() {
  local name=$1 image=$2
  shift 2
  { "$ENGINE" run -d --name "$name" --label "$LABEL" "${LIMITS[@]}" "${POD_SECURITY[@]}" "${ENGINE_RUN_FLAGS[@]}" -e "POD_NAME=$name" \
    -p 127.0.0.1::8080 "$@" "$image" 2>&1 >/dev/null | engine_drop_timer_noise; } >&2
  echo "http://$("$ENGINE" port "$name" 8080/tcp | head -1)"
}

# cgroup_read NAME v1-file v2-file: a file of the container's own memory cgroup, read from inside it
cgroup_read() { "$ENGINE" exec "$1" sh -c "cat /sys/fs/cgroup/memory/$2 2>/dev/null || cat /sys/fs/cgroup/$3"; }

memory_check() {
  local name=$1 what=$2 peak limit oom
  peak=$(cgroup_read "$name" memory.max_usage_in_bytes memory.peak || echo 0)
  limit=$(cgroup_read "$name" memory.limit_in_bytes memory.max || echo 0)
  oom=$(cgroup_read "$name" memory.oom_control memory.events | awk '$1 == "oom_kill" { print $2 }')
  if [ "$peak" -gt 0 ] && [ "$limit" = "$LIMIT_BYTES" ] && [ "$peak" -lt "$limit" ] && [ "${oom:-0}" = 0 ]; then
    pass "memory ($what)" "peak $((peak / 1048576)) MiB of the $((limit / 1048576)) MiB limit, no OOM kill"
  else
    fail "memory ($what)" "peak ${peak} B, limit ${limit} B (want $LIMIT_BYTES), oom_kill ${oom:-?}"
  fi
}

engine_detect
say "engine $ENGINE"
[ -d node_modules/tsx ] || { echo "FAIL setup: node_modules/ is missing: run \`npm ci\` (or scripts/setup.sh) first"; exit 1; }
[ -f model/default.onnx ] || { echo "FAIL setup: model/default.onnx is missing: run \`npm run model:install\`"; exit 1; }
started=$SECONDS
# Not --if-missing: an image older than the tree would be tested in its place. With the layer cache,
# an up-to-date build is a few seconds per image.
bash scripts/build-image.sh
say "images ready in $((SECONDS - started)) s"
started=$SECONDS
engine_probe_quirks "$BAKED"

photo=../shared/samples/dog.jpg
label=dog
if [ ! -f "$photo" ]; then
  photo=$(compgen -G 'inputfolder/*.jpg' | head -1 || true)
  label=
  [ -n "$photo" ] || { echo "FAIL setup: no photo: neither ../shared/samples/dog.jpg nor inputfolder/*.jpg (npm run images:install)"; exit 1; }
fi
say "photo $photo${label:+ (expects a $label)}"

# The reference: the same tree and model, served by `npm start`'s command.
ref_port=$(free_port)
PORT=$ref_port MODEL_PATH=model/default.onnx POD_NAME=npm-start LOG_LEVEL=warn \
  node --import tsx service/main.ts >"$tmp/reference.log" 2>&1 &
reference_pid=$!
reference=http://127.0.0.1:$ref_port

# ---- the baked image: readiness, a photo, the user, HEALTHCHECK, bad input, memory, SIGTERM
baked=clouddetect-test-$RUN_ID-baked
url=$(start_service "$baked" "$BAKED") || { fail "start" "$ENGINE run $BAKED failed (above)"; exit 1; }
t0=$SECONDS
if wait_ready "$url" 120; then
  pass "readyz" "200 after $((SECONDS - t0)) s at --cpus 0.5 --memory 512m, read-only root ($url)"
else
  fail "readyz" "no 200 from $url/readyz within 120 s; log: $("$ENGINE" logs --tail 5 "$baked" 2>&1 | tr '\n' ' ')"
fi
wait_ready "$reference" 120 || { fail "reference" "npm start not ready: $(tail -5 "$tmp/reference.log" | tr '\n' ' ')"; exit 1; }

quota=$("$ENGINE" exec "$baked" sh -c 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max' | tr '\n' ' ')
case "$quota" in
  "50000 100000 ") pass "cpu limit" "CFS quota 50000/100000 µs inside the container" ;;
  *) fail "cpu limit" "CFS quota inside the container is \"$quota\", want 50000/100000" ;;
esac

if out=$(checks photo "$url" "$reference" "$photo" $label); then pass "photo" "$out"; else fail "photo" "$out"; fi

# shellcheck disable=SC2016  # awk's own $2, $3
uid=$("$ENGINE" exec "$baked" awk '/^Uid:/ { print $2 "/" $3 }' /proc/1/status || true)
cmd=$("$ENGINE" exec "$baked" sh -c 'tr "\0" " " </proc/1/cmdline' || true)
if [ -n "$uid" ] && [ "${uid%%/*}" != 0 ] && [ "${uid##*/}" != 0 ] && [[ "$cmd" == node* ]]; then
  pass "non-root" "PID 1 is \"${cmd% }\" with uid $uid (user $("$ENGINE" image inspect --format '{{.Config.User}}' "$BAKED"))"
else
  fail "non-root" "PID 1 \"$cmd\" runs with real/effective uid \"$uid\""
fi

hc=$("$ENGINE" image inspect --format '{{if .Config.Healthcheck}}{{json .Config.Healthcheck.Test}}{{end}}' "$BAKED")
if [ -z "$hc" ]; then
  fail "healthcheck" "the image has no HEALTHCHECK (an OCI-format build drops it: build with --format docker)"
elif [ "$ENGINE" = podman ]; then
  # podman schedules health checks with systemd timers; without systemd, run one the way the timer would.
  if out=$(podman healthcheck run "$baked" 2>&1); then
    pass "healthcheck" "podman healthcheck run: ${out:-healthy}; state $(podman inspect --format '{{.State.Health.Status}}' "$baked")"
  else
    fail "healthcheck" "podman healthcheck run: $out"
  fi
else
  status=
  for _ in $(seq 60); do
    status=$(docker inspect --format '{{.State.Health.Status}}' "$baked")
    [ "$status" = healthy ] && break
    sleep 1
  done
  if [ "$status" = healthy ]; then pass "healthcheck" "docker reports healthy"; else fail "healthcheck" "docker reports \"$status\" after 60 s"; fi
fi

if out=$(checks bad-inputs "$url" "$reference" "$photo"); then pass "bad input" "$out"; else fail "bad input" "$out"; fi

memory_check "$baked" "baked, after the photo and the bad input"

# Everything the service writes is a pino JSON line; anything else (a library's warning) is noise in every pod log.
"$ENGINE" logs "$baked" >"$tmp/baked.log" 2>&1 || true
others=$(grep -v '^{' "$tmp/baked.log" | engine_drop_timer_noise | grep -c . || true)
if [ -s "$tmp/baked.log" ] && [ "$others" = 0 ]; then
  pass "log" "$(grep -c . "$tmp/baked.log") lines, all JSON"
else
  fail "log" "$others lines that are not JSON, e.g. $(grep -v '^{' "$tmp/baked.log" | engine_drop_timer_noise | head -2 | tr '\n' ' ')"
fi

in_flight=12
if out=$(checks drain "$url" "$photo" "$in_flight" -- "$ENGINE" kill --signal TERM "$baked"); then
  code=$(timeout 60 "$ENGINE" wait "$baked" || echo "still running after 60 s")
  # The service's own count at SIGTERM, from its "draining" log line.
  seen=$("$ENGINE" logs "$baked" 2>/dev/null | sed -nE '/"draining"/ s/.*"inFlight":([0-9]+).*/\1/p' | head -1)
  if [ "$code" = 0 ] && [ "${seen:-0}" -ge "$in_flight" ]; then
    pass "sigterm" "$out; the service logged $seen in flight when draining began, and exited 0"
  else
    fail "sigterm" "$out; exit $code, in flight by the service's log: ${seen:-no draining line}"
  fi
else
  fail "sigterm" "$out"
fi

# ---- the runtime image with the model mounted, and the loadgen image sending one LoadJob to it
runtime=clouddetect-test-$RUN_ID-runtime
rurl=$(start_service "$runtime" "$RUNTIME" -v "$PWD/model/default.onnx:/app/model/default.onnx:ro") ||
  { fail "start" "$ENGINE run $RUNTIME failed (above)"; exit 1; }
if wait_ready "$rurl" 120; then
  levels='[1, 2]'
  job="{\"kind\": \"closed\", \"task\": \"detection\", \"url\": \"http://127.0.0.1:8080\", \"imagesDir\": \"/app/inputfolder\", \"levels\": $levels, \"holdS\": 3, \"thinkS\": [0, 0], \"timeoutMs\": 10000, \"stopOnFailure\": false, \"seed\": 17}"
  # In the service's network namespace, as a sidecar: the loadgen image needs no published port.
  if echo "$job" | timeout 120 "$ENGINE" run -i --rm --name "clouddetect-test-$RUN_ID-loadgen" --label "$LABEL" "${ENGINE_RUN_FLAGS[@]}" \
    --network "container:$runtime" "$LOADGEN" >"$tmp/loadgen.out" 2>"$tmp/loadgen.err"; then
    if out=$(checks loadgen-result "$tmp/loadgen.out" 2); then pass "loadgen" "$out"; else fail "loadgen" "$out"; fi
  else
    fail "loadgen" "the worker failed: $(tail -3 "$tmp/loadgen.err" | tr '\n' ' ')"
  fi
  memory_check "$runtime" "runtime, after the load job"
else
  fail "runtime" "no 200 from $rurl/readyz within 120 s with model/default.onnx mounted: $("$ENGINE" logs --tail 5 "$runtime" 2>&1 | tr '\n' ' ')"
fi

say "$passed passed, $failed failed, checks took $((SECONDS - started)) s"
[ "$failed" = 0 ]
