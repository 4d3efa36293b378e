#!/usr/bin/env bash
# Build the Containerfile (and the PgBouncer image of deploy/) with podman on a machine that
# reaches no container registry, only Debian and PyPI: what CI does (tests/deploy). Where
# docker.io/library/postgres:15 (the manifest's PostgreSQL for trying it out) is absent, a
# stand-in for it too (deploy/postgres-standin).
#
#   deploy/build-image.sh [TAG [PGBOUNCER_TAG]]
#     TAG            the app image (default localhost/medskapa:latest)
#     PGBOUNCER_TAG  the PgBouncer image (default localhost/medskapa-pgbouncer:latest)
#
# Prints `KEY=VALUE` lines at the end (CONTAINERS_CONF, build seconds). Needs root and apt
# (Debian bookworm); installs podman, buildah, runc and mmdebstrap when they are missing.
# Environment: WORK (scratch folder, default /tmp/medskapa-build), REBUILD_BASE=1 (make the base
# anew), NO_CACHE=1 (build every layer anew).
#
# Why each step (found by trying on these machines; ../shared/container has the long story):
#  - No registry: docker.io/library/python:3.11-slim cannot be pulled. A Debian bookworm root
#    filesystem (mmdebstrap, from the host's apt mirror) with Python 3.11 is imported under that
#    name and the build uses --pull=never. Its tarball is cached under the user's cache folder,
#    keyed by the day and the mirror, so later runs import it in seconds; a clean machine makes it.
#  - crun refuses this VM's hybrid cgroups, and podman's default ulimits exceed the VM's: a
#    private containers.conf (runc, ulimits no higher than the host's), exported as CONTAINERS_CONF.
#  - PyPI's certificate chains to a local CA only the host's bundle trusts: the bundle and a
#    pip.conf naming it are mounted for the build only; nothing of it lands in the image.
#  - podman's default OCI format drops HEALTHCHECK: --format docker.
set -euo pipefail

TAG=${1:-localhost/medskapa:latest}
PGBOUNCER_TAG=${2:-localhost/medskapa-pgbouncer:latest}
DEBIAN=docker.io/library/debian:bookworm-slim
POSTGRES=docker.io/library/postgres:15
SRC=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/medskapa-build}
BASE=docker.io/library/python:3.11-slim
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/medskapa/container

[ "$(id -u)" -eq 0 ] || { echo "needs root (mmdebstrap, rootful podman)" >&2; exit 1; }
mkdir -p "$WORK" "$CACHE"
# One build at a time on this machine: the base images have fixed names.
exec 9>"$CACHE/build.lock"
flock 9

if ! command -v podman >/dev/null || ! command -v mmdebstrap >/dev/null || ! command -v runc >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah mmdebstrap runc >"$WORK/apt.log"
fi

nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
cat >"$WORK/containers.conf" <<CONF
[containers]
# No journald here: containers' output to files, so that podman logs has it.
log_driver = "k8s-file"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF="$WORK/containers.conf"

# --- the stand-in base image ------------------------------------------------------------------
mirror=/etc/apt/sources.list.d/debian.sources
[ -f "$mirror" ] || mirror=""
include=python3,python3-pip,python3-venv,python-is-python3,passwd,ca-certificates
key="bookworm-$(date -u +%Y%m%d)-$( { cat ${mirror:-/dev/null}; echo "$include"; } | sha256sum | cut -c1-12)"
have=$(podman image inspect --format '{{index .Labels "medskapa.standin"}}' "$BASE" 2>/dev/null || true)
if [ -z "$have" ] && podman image exists "$BASE"; then
  echo "$BASE exists and is not a stand-in (a real one?); using it as it is" >&2
elif [ "$have" != "$key" ] || [ "${REBUILD_BASE:-}" = 1 ]; then
  tarball="$CACHE/$key.tar"
  if [ ! -s "$tarball" ] || [ "${REBUILD_BASE:-}" = 1 ]; then
    mmdebstrap --variant=minbase --format=tar --include="$include" \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      bookworm "$tarball.part" $mirror >"$WORK/mmdebstrap.log" 2>&1
    mv "$tarball.part" "$tarball"
    find "$CACHE" -name 'bookworm-*.tar' ! -name "$key.tar" -delete  # older days' bases
  fi
  podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' \
    --change "LABEL medskapa.standin=$key" \
    --change 'CMD ["python3"]' \
    --message 'local Debian bookworm stand-in for python:3.11-slim' \
    -q "$tarball" "$BASE" >/dev/null
  # The same root filesystem stands in for Debian's image, which the PgBouncer image starts from.
  podman tag "$BASE" "$DEBIAN"
fi

# --- pip in the build reaches PyPI as the host's does ------------------------------------------
{
  echo "[global]"
  echo "cert = /etc/ssl/certs/ca-certificates.crt"
  idx=$(pip config get global.index-url 2>/dev/null || true)
  case "$idx" in http*) echo "index-url = $idx" ;; esac
} >"$WORK/pip.conf"

t0=$(date +%s)
podman build --format docker --pull=never --network host ${NO_CACHE:+--no-cache} \
  -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
  -v "$WORK/pip.conf:/etc/pip.conf:ro" \
  -t "$TAG" -f "$SRC/Containerfile" "$SRC" >"$WORK/build.log" 2>&1 \
  || { tail -40 "$WORK/build.log" >&2; echo "build failed; see $WORK/build.log" >&2; exit 1; }
podman build --format docker --pull=never --network host -t "$PGBOUNCER_TAG" \
  "$SRC/deploy/pgbouncer" >"$WORK/build-pgbouncer.log" 2>&1 \
  || { tail -40 "$WORK/build-pgbouncer.log" >&2; echo "PgBouncer build failed" >&2; exit 1; }
# --- PostgreSQL for trying the manifest out (docker.io/library/postgres:15) ---------------------
# Pulled where a registry answers; here a stand-in (deploy/postgres-standin) is built from the
# same Debian base, again whenever the base or the stand-in's files change.
pgkey="$key-$(cat "$SRC"/deploy/postgres-standin/* | sha256sum | cut -c1-12)"
standin=$(podman image inspect --format '{{index .Labels "medskapa.standin"}}' "$POSTGRES" 2>/dev/null || true)
if [ -z "$standin" ] && podman image exists "$POSTGRES"; then
  :  # the real image
elif [ "$standin" != "$pgkey" ] || [ -n "${NO_CACHE:-}" ]; then
  podman build --format docker --pull=never --network host ${NO_CACHE:+--no-cache} \
    --label "medskapa.standin=$pgkey" -t "$POSTGRES" "$SRC/deploy/postgres-standin" \
    >"$WORK/build-postgres.log" 2>&1 \
    || { tail -40 "$WORK/build-postgres.log" >&2; echo "PostgreSQL stand-in build failed" >&2; exit 1; }
fi
echo "CONTAINERS_CONF=$CONTAINERS_CONF"
echo "BUILD_SECONDS=$(( $(date +%s) - t0 ))"
