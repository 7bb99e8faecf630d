#!/usr/bin/env bash
# Checks deploy/Dockerfile (registered with ctest as Deploy.Docker):
#
#     docker_test.sh SOURCE_DIR
#
# First, always, the Dockerfile itself: Debian 12 (bookworm) stages, at least two (a build and
# a runtime), a non-root USER, a HEALTHCHECK on /healthz, and the .dockerignore. Then, when a
# Docker engine answers, it builds the image, runs it against an unreachable VoIPBIN (/healthz
# is liveness: it answers while parley retries), waits for Docker to call the container healthy
# and checks that parley runs as a non-root user. Without an engine that part is skipped: one
# line says so and the exit code is 77, which ctest reports as skipped.
set -euo pipefail
root="$1"
dockerfile="$root/deploy/Dockerfile"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# ---- the Dockerfile, read as Docker reads it: continuation lines joined, comments dropped.
instructions="$(sed -e '/^[[:space:]]*#/d' "$dockerfile" | sed -e ':a' -e '/\\$/{N;s/\\\n/ /;ba' -e '}')"
froms="$(grep -iE '^[[:space:]]*FROM[[:space:]]' <<<"$instructions" || true)"
[ "$(grep -c . <<<"$froms")" -ge 2 ] || fail "Dockerfile: fewer than two FROM lines (a build stage and a runtime stage)"
while read -r _ image _; do
  [[ $image == debian:bookworm* ]] || fail "Dockerfile: FROM $image is not Debian 12 (debian:bookworm...)"
done <<<"$froms"
# The user of the last stage is the one the container runs as.
last_stage="$(awk 'toupper($1) == "FROM" { stage = "" } { stage = stage $0 "\n" } END { printf "%s", stage }' \
  <<<"$instructions")"
user="$(awk 'toupper($1) == "USER" { user = $2 } END { print user }' <<<"$last_stage")"
if [ -z "$user" ]; then
  fail "Dockerfile: the runtime stage has no USER line (it would run as root)"
elif [[ ${user%%:*} == root || ${user%%:*} == 0 ]]; then
  fail "Dockerfile: USER $user: the container would run as root"
fi
healthcheck="$(grep -iE '^[[:space:]]*HEALTHCHECK[[:space:]]' <<<"$last_stage" || true)"
[[ $healthcheck == */healthz* ]] || fail "Dockerfile: no HEALTHCHECK on /healthz in the runtime stage"
grep -qE 'cmake --install' <<<"$instructions" || fail "Dockerfile: no cmake --install"
grep -qE 'CMAKE_BUILD_TYPE=Release' <<<"$instructions" || fail "Dockerfile: not a Release build"
for pattern in .git 'build*' '**/node_modules'; do
  grep -qxF "$pattern" "$root/.dockerignore" 2>/dev/null || fail ".dockerignore: no line '$pattern'"
done
if [ "$failures" -ne 0 ]; then
  echo "docker_test: $failures problem(s) in the Dockerfile"
  exit 1
fi
echo "docker_test: the Dockerfile's stages, user, healthcheck and .dockerignore are as they should be"

# ---- the image, when there is an engine to build it.
if ! command -v docker >/dev/null; then
  echo "docker_test: SKIPPED building and running the image: no docker command"
  exit 77
fi
if ! info="$(docker info 2>&1)"; then
  reason="$(grep -m1 -iE 'cannot connect|error|permission' <<<"$info" || true)"
  echo "docker_test: SKIPPED building and running the image: no Docker engine answers (docker info: ${reason:-failed})"
  exit 77
fi

tag="parley-docker-test:$$"
name="parley-docker-test-$$"
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker rmi -f "$tag" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "docker_test: building the image (a Release build of parley: minutes)"
if ! out="$(docker build -q -f "$dockerfile" -t "$tag" "$root" 2>&1)"; then
  echo "$out" | tail -40
  echo "FAIL: docker build"
  exit 1
fi

# VoIPBIN on a closed port: parley keeps reconnecting, and /healthz answers all along. If parley
# grows admin.token, set one: the listener is on every address in the image.
env_args=(-e VOIPBIN_ACCESSKEY=docker-test -e PARLEY_VOIPBIN_CUSTOMER_ID=8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f
          -e PARLEY_VOIPBIN_API_URL=http://127.0.0.1:9/v1.0 -e PARLEY_VOIPBIN_WS_URL=ws://127.0.0.1:9/v1.0/ws)
if docker run --rm "$tag" --help 2>&1 | grep -q -- '--admin.token='; then
  env_args+=(-e "PARLEY_ADMIN_TOKEN=docker-test-$RANDOM$RANDOM")
fi
docker run -d --name "$name" "${env_args[@]}" "$tag" >/dev/null

# Docker runs the first check after the start period's first interval (10 s); a slow machine
# may need several. Poll until healthy, for three minutes at most.
deadline=$((SECONDS + 180))
status=""
while [ $SECONDS -lt $deadline ]; do
  status="$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$name")"
  status="${status% }"
  [ "$status" = "running healthy" ] && break
  if [[ $status != running* ]]; then
    break
  fi
  sleep 2
done
if [ "$status" != "running healthy" ]; then
  docker logs "$name" 2>&1 | tail -20
  docker inspect -f '{{json .State.Health}}' "$name" || true
  echo "FAIL: the container is '$status', not 'running healthy'"
  exit 1
fi
echo "docker_test: the container is healthy"

# PID 1 is parley itself (ENTRYPOINT in exec form); its real and effective uids must not be 0.
uids="$(docker exec "$name" sh -c 'cat /proc/1/comm; grep "^Uid:" /proc/1/status')"
comm="$(head -1 <<<"$uids")"
read -r _ real effective _ < <(tail -1 <<<"$uids")
[ "$comm" = "parley" ] || fail "PID 1 in the container is '$comm', not parley"
if [ "${real:-0}" = 0 ] || [ "${effective:-0}" = 0 ]; then fail "parley runs as root (uid $real, euid $effective)"; fi
if [ "$failures" -ne 0 ]; then exit 1; fi
echo "docker_test: parley runs as uid $real"
