# crowsnest-server with the dashboard, built from the repository root:
#   docker build -f deploy/server.Dockerfile -t crowsnest-server .
# BASE: the official Node.js image by default; any image laid out like it works (node and npm on
#   the PATH, the user `node` 1000:1000), such as the one deploy/base-image.sh makes from Debian's
#   packages where no image registry is reachable.
# EXTRA_CA_CERTS: PEM certificates for npm to trust besides Node's own (a TLS-intercepting proxy in
#   front of the npm registry); the build stage uses them, the image does not keep them.
# Few instructions on purpose: on the vfs storage driver every one copies the whole file system.
ARG BASE=node:24-bookworm-slim

FROM ${BASE} AS build
ARG EXTRA_CA_CERTS=""
COPY . /src
# --ignore-scripts: the only install script is the `node` devDependency's download of a second
# Node.js, which the base image already has. The dashboard is built here, so the image leaves out
# the compiler (SWC) and sharp (next/image is not used): next.config.mjs lets Node itself load
# next.config.ts, which Next would otherwise compile with SWC. The server runs as the production
# start does (README, "Production start"): bundled by scripts/build-server.ts, so Node loads no type
# stripping (about 20 MiB of resident memory in each of its two threads); the CLI and the health
# check are short-lived and run from their TypeScript. /out/app is the image's code (root's,
# read-only), /out/data the server's data directory.
RUN set -e; cd /src; \
    if [ -n "$EXTRA_CA_CERTS" ]; then printf '%s\n' "$EXTRA_CA_CERTS" >/tmp/ca.pem; export NODE_EXTRA_CA_CERTS=/tmp/ca.pem; fi; \
    npm ci --ignore-scripts --no-audit --no-fund; \
    NEXT_TELEMETRY_DISABLED=1 npm run build -w @crowsnest/web; \
    npm run build:server; \
    npm prune --omit=dev --ignore-scripts --no-audit --no-fund; \
    rm -rf apps/web/.next/cache node_modules/@next/swc-* node_modules/@img; \
    mkdir -p /out/app /out/data; \
    cp -a package.json node_modules /out/app/; \
    cp -a --parents packages/protocol/package.json packages/protocol/src apps/api/package.json apps/api/src apps/api/dist \
      apps/web/package.json apps/web/next.config.ts apps/web/.next deploy/healthcheck.ts /out/app/; \
    printf 'export { default } from "./next.config.ts";\n' >/out/app/apps/web/next.config.mjs; \
    mkdir /out/app/bin; \
    printf '#!/bin/sh\n# crowsnest-server CLI (docs/api.md, CLI)\nexec node /app/apps/api/src/cli/main.ts "$@"\n' >/out/app/bin/crowsnest; \
    chmod 0755 /out/app/bin/crowsnest; \
    chmod 0700 /out/data

FROM ${BASE}
# Metadata first: on vfs each instruction copies the image so far, the base being the smaller.
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="crowsnest-server" \
      org.opencontainers.image.description="Crowsnest server: the dashboard, the API and the agents' WebSocket endpoint on one port" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# The CLI is the command `crowsnest` (docker exec <container> crowsnest …), and the server's hints
# name it so (apps/api/src/cli-command.ts).
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PATH=/app/bin:$PATH \
    CROWSNEST_CLI_COMMAND=crowsnest \
    CROWSNEST_PORT=8080 \
    CROWSNEST_DATA_DIR=/var/lib/crowsnest \
    CROWSNEST_WEB_DIR=/app/apps/web
WORKDIR /app
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "deploy/healthcheck.ts", "server"]
CMD ["node", "apps/api/dist/crowsnest-server.mjs"]
COPY --from=build /out/app /app
COPY --from=build --chown=1000:1000 /out/data /var/lib/crowsnest
VOLUME /var/lib/crowsnest
