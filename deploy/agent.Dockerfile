# crowsnest-agent, built from the repository root:
#   docker build -f deploy/agent.Dockerfile -t crowsnest-agent .
# It runs as the user `node` and reaches Docker by joining the socket's group:
#   docker run --group-add "$(stat -c %g /var/run/docker.sock)" -v /var/run/docker.sock:/var/run/docker.sock …
# BASE and EXTRA_CA_CERTS: as in deploy/server.Dockerfile.
ARG BASE=node:24-bookworm-slim

FROM ${BASE} AS build
ARG EXTRA_CA_CERTS=""
COPY . /src
# The one-file agent (scripts/build-agent.ts: zod and ws bundled, no node_modules at run time);
# /out/app is the image's code (root's, read-only), /out/state the agent's state directory.
RUN set -e; cd /src; \
    if [ -n "$EXTRA_CA_CERTS" ]; then printf '%s\n' "$EXTRA_CA_CERTS" >/tmp/ca.pem; export NODE_EXTRA_CA_CERTS=/tmp/ca.pem; fi; \
    npm ci --ignore-scripts --no-audit --no-fund -w apps/agent; \
    node scripts/build-agent.ts; \
    mkdir -p /out/app /out/state; \
    cp -a --parents apps/agent/dist/crowsnest-agent.cjs deploy/healthcheck.ts /out/app/; \
    chmod 0700 /out/state

FROM ${BASE}
# Metadata first: on vfs each instruction copies the image so far, the base being the smaller.
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="crowsnest-agent" \
      org.opencontainers.image.description="Crowsnest agent: watches this host's Docker Engine and connects out to the Crowsnest server" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
ENV NODE_ENV=production \
    CROWSNEST_STATE_DIR=/var/lib/crowsnest-agent
WORKDIR /app
USER node
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "deploy/healthcheck.ts", "agent"]
CMD ["node", "apps/agent/dist/crowsnest-agent.cjs"]
COPY --from=build /out/app /app
COPY --from=build --chown=1000:1000 /out/state /var/lib/crowsnest-agent
VOLUME /var/lib/crowsnest-agent
