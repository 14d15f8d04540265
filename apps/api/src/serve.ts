/**
 * crowsnest-server itself, loaded by main.ts once the process runs with the server's Node.js flags
 * (without them where they cannot be applied): reads its settings, opens the store, listens, and
 * stores pending writes on SIGINT or SIGTERM.
 */
import { loadOrExit } from "@crowsnest/protocol/settings";
import { ensureFirstAdmin } from "./auth/first-run-admin.ts";
import { loadConfig, SERVER_HELP } from "./config.ts";
import { listenNotice } from "./listen-notice.ts";
import { serverLogger } from "./log-output.ts";
import { buildServer, type CrowsnestServer } from "./server.ts";
import { exitOnStartFailure, listenFailure, storeFailure } from "./start-failure.ts";
import { openStore } from "./store/open-store.ts";
import type { Store } from "./store/store.ts";
import { registerDashboard } from "./web/dashboard.ts";

function say(text: string): void {
  process.stderr.write(`${text}\n`);
}

const config = loadOrExit("crowsnest-server", SERVER_HELP, () =>
  loadConfig(process.argv.slice(2), process.env),
);
// A start that fails on its surroundings (database, NATS, port) says why in one line and exits 1.
const { server, store } = await start().catch((err: unknown) => exitOnStartFailure(config, err));

/** Opens the store, builds the server (joining NATS when configured), makes the first admin and listens. */
async function start(): Promise<{ server: CrowsnestServer; store: Store }> {
  const store = await openStore(config).catch((err: unknown) => {
    throw storeFailure(config.database, err);
  });
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
  const address = await server.listen().catch((err: unknown) => {
    throw listenFailure(config.host, config.port, err);
  });
  // Plain text as well: where to point a browser, and whether anyone else can reach it unencrypted.
  const notice = listenNotice(address.address, address.port);
  say(notice.lines.map((line) => `[crowsnest] ${line}`).join("\n"));
  say(`[crowsnest] data: ${config.dataDir}`);
  return { server, store };
}

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
