import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHostWithCredential } from "../../apps/api/src/auth/host-credential.ts";
import { loadConfig } from "../../apps/api/src/config.ts";
import { openStore } from "../../apps/api/src/store/open-store.ts";
import { ApiClient } from "../../test/support/api-client.ts";
import { ADMIN_PASSWORD, ServerProcess } from "../../test/support/processes.ts";
import { trackChild } from "./cleanup.ts";

export interface SeededServer {
  server: ServerProcess;
  dataDir: string;
  hosts: { hostId: string; token: string }[];
  /** An admin session cookie, for /ws/live. */
  cookie: string;
  liveUrl: string;
  stop(): Promise<void>;
}

/**
 * A real crowsnest-server process on loopback whose store already holds `hostCount` hosts with
 * credentials: writing them straight into the store is much faster than one CLI run per host.
 * `env` adds to the server's environment (settings, NODE_OPTIONS); `entry` is the server's entry
 * file (ServerOptions.entry: its source by default).
 */
export async function startSeededServer(
  hostCount: number,
  env: NodeJS.ProcessEnv = {},
  entry?: string,
): Promise<SeededServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "crowsnest-bench-"));
  const store = await openStore(loadConfig(["--data-dir", dataDir], {}));
  const hosts: { hostId: string; token: string }[] = [];
  for (let i = 0; i < hostCount; i++) {
    const { host, token } = await createHostWithCredential(store, `bench-${i}`, Date.now());
    hosts.push({ hostId: host.id, token });
  }
  await store.close();
  const server = await ServerProcess.start({ dataDir, env, ...(entry === undefined ? {} : { entry }) });
  const untrack = trackChild(server.process.pid);
  const { cookie } = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
  return {
    server,
    dataDir,
    hosts,
    cookie,
    liveUrl: `ws://127.0.0.1:${server.options.port}/ws/live`,
    async stop() {
      await server.stop();
      untrack();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Bytes of every file under `dir` (the SQLite database, its WAL and anything beside them). */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}
