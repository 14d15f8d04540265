#!/usr/bin/env bash
# Prepares a fresh Debian machine (as root) for Crowsnest's integration tests.
# Safe to run any number of times: every step checks before it acts. Never pulls from a registry.
set -euo pipefail

TEST_IMAGE="${CROWSNEST_TEST_IMAGE:-crowsnest-test-busybox:latest}"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/crowsnest-dockerd.log}"

log() { printf '[test-env] %s\n' "$*"; }

need_packages=()
command -v dockerd >/dev/null 2>&1 || need_packages+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || need_packages+=(busybox-static)
[ -x /usr/bin/chromium ] || need_packages+=(chromium)
# libfaketime steps an agent's wall clock in the clock fault tests (LD_PRELOAD, no root needed to use).
dpkg -s libfaketime >/dev/null 2>&1 || need_packages+=(libfaketime)
# debootstrap makes the base image of the container images' tests (deploy/base-image.sh).
command -v debootstrap >/dev/null 2>&1 || need_packages+=(debootstrap)
# systemd-analyze verifies the agent's unit (deploy/systemd); no running systemd is needed for it.
command -v systemd-analyze >/dev/null 2>&1 || need_packages+=(systemd)
# docker-compose checks the compose files (compose.yaml, the enrolment page's compose snippet).
command -v docker-compose >/dev/null 2>&1 || need_packages+=(docker-compose)
# HAProxy fronts the server replicas of the scale-out tests (test/cluster).
command -v haproxy >/dev/null 2>&1 || need_packages+=(haproxy)
if [ "${#need_packages[@]}" -gt 0 ]; then
  log "installing ${need_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need_packages[@]}"
fi

# PostgreSQL and NATS back the scale-out store; start them if this kind of machine has them but they are down.
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  if ! pg_isready -q -h 127.0.0.1 2>/dev/null; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
fi
if [ -x /usr/sbin/nats-server ] && ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
  log "starting NATS"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (log: $DOCKERD_LOG)"
  # No bridge and no iptables: test containers run with --network none and never reach a network.
  nohup dockerd --storage-driver=vfs --bridge=none --iptables=false --ip-forward=false \
    >"$DOCKERD_LOG" 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { log "dockerd did not answer within 60 s"; tail -n 50 "$DOCKERD_LOG"; exit 1; }
fi
log "Docker Engine $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

if ! docker image inspect "$TEST_IMAGE" >/dev/null 2>&1; then
  log "building $TEST_IMAGE from the static busybox"
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
  echo 'root:x:0:0:root:/:/bin/sh' >"$rootfs/etc/passwd"
  tar -C "$rootfs" -c . | docker import --change 'CMD ["/bin/sh"]' - "$TEST_IMAGE" >/dev/null
fi
log "test image $TEST_IMAGE ready"

# The base image the container images build on here, where no registry is reachable (reused by tag).
bash "$(dirname "$0")/../deploy/base-image.sh" >/dev/null
