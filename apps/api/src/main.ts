#!/usr/bin/env node
import { loadOrExit } from "@crowsnest/protocol/settings";
import { ensureFirstAdmin } from "./auth/first-run-admin.ts";
import { loadConfig, SERVER_HELP } from "./config.ts";
import { listenNotice } from "./listen-notice.ts";
import { serverLogger } from "./log-output.ts";
import { buildServer } from "./server.ts";
import { openStore } from "./store/open-store.ts";
import { registerDashboard } from "./web/dashboard.ts";

function say(text: string): void {
  process.stderr.write(`${text}\n`);
}

const config = loadOrExit("crowsnest-server", SERVER_HELP, () =>
  loadConfig(process.argv.slice(2), process.env),
);
const store = await openStore(config);
const webDir = config.webDir;
const server = await buildServer({
  config,
  store,
  ...(webDir === null
    ? {}
    : { dashboard: (app) => registerDashboard(app, { dir: webDir, dev: config.webDev }) }),
  logger: await serverLogger(config.logLevel, config.logFormat),
});
await ensureFirstAdmin(
  store.users,
  server.auth.hasher,
  config.auth.adminPassword,
  // Plain text, not a JSON log line: a person has to read and copy it on the first run.
  (m) => say(`\n[crowsnest] ${m}\n`),
  Date.now(),
);
const address = await server.listen();
// Plain text as well: where to point a browser, and whether anyone else can reach it unencrypted.
const notice = listenNotice(address.address, address.port);
say(notice.lines.map((line) => `[crowsnest] ${line}`).join("\n"));
say(`[crowsnest] data: ${config.dataDir}`);

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
