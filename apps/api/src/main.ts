#!/usr/bin/env node
import { ensureFirstAdmin } from "./auth/first-run-admin.ts";
import { authServerParts } from "./auth/server-parts.ts";
import { loadConfig } from "./config.ts";
import { buildServer } from "./server.ts";
import { openStore } from "./store/open-store.ts";
import { registerDashboard } from "./web/dashboard.ts";

const config = loadConfig(process.argv.slice(2), process.env);
const store = openStore(config);
const { core: auth, ...authParts } = authServerParts(config, store);
const webDir = config.webDir;
const server = await buildServer({
  config,
  store,
  ...authParts,
  ...(webDir === null
    ? {}
    : { dashboard: (app) => registerDashboard(app, { dir: webDir, dev: config.webDev }) }),
  logger: { level: process.env.CROWSNEST_LOG_LEVEL ?? "info" },
});
await ensureFirstAdmin(
  store.users,
  auth.hasher,
  config.auth.adminPassword,
  // Plain text, not a JSON log line: a person has to read and copy it on the first run.
  (m) => process.stderr.write(`\n[crowsnest] ${m}\n\n`),
  Date.now(),
);
const address = await server.listen();
server.app.log.info(
  `crowsnest-server listening on http://${address.address}:${address.port} (data: ${config.dataDir})`,
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.app.log.info(`${signal}: shutting down, storing pending writes`);
  await server.close();
  await store.close();
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        server.app.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
