/**
 * The images' HEALTHCHECK: `node deploy/healthcheck.ts server|agent`, exit 0 when healthy, 1 with
 * one line saying why not (Docker keeps it in `docker inspect`'s health log).
 *
 * server: GET /api/health answers 200 (503 while the store refuses writes).
 * agent: it never listens on a port, so its state directory speaks for it: the outbox state file
 * is rewritten with every batch (metrics at least every 5 s, and a running agent container is itself a
 * container to measure), and a batch file is deleted once the server has stored it. Healthy means
 * the state file is fresh and no batch has waited for its acknowledgement too long.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

const STATE_FRESH_MS = 60_000;
const UNACKED_MAX_MS = 120_000;

async function server(): Promise<string | null> {
  const port = process.env.CROWSNEST_PORT ?? "8080";
  const host = process.env.CROWSNEST_HOST ?? "0.0.0.0";
  const address = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const response = await fetch(`http://${address}:${port}/api/health`, {
    signal: AbortSignal.timeout(4_000),
  });
  return response.ok ? null : `/api/health answered ${response.status}: ${await response.text()}`;
}

async function agent(): Promise<string | null> {
  const dir = process.env.CROWSNEST_STATE_DIR ?? "./data/agent";
  const now = Date.now();
  const state = await stat(join(dir, "outbox-state.json")).catch(() => null);
  if (state === null) return `no outbox state in ${dir} yet`;
  if (now - state.mtimeMs > STATE_FRESH_MS)
    return `no batch for ${Math.round((now - state.mtimeMs) / 1000)} s: is the Docker Engine answering?`;
  const batches = (await readdir(join(dir, "outbox"))).filter((file) => file.endsWith(".batch")).sort();
  const oldest = batches[0];
  if (oldest === undefined) return null;
  const waiting = now - (await stat(join(dir, "outbox", oldest))).mtimeMs;
  return waiting > UNACKED_MAX_MS
    ? `the server has not acknowledged a batch for ${Math.round(waiting / 1000)} s: is it reachable?`
    : null;
}

const checks: Record<string, () => Promise<string | null>> = { server, agent };
const check = checks[process.argv[2] ?? ""];
if (check === undefined) {
  process.stderr.write("usage: node deploy/healthcheck.ts server|agent\n");
  process.exit(2);
}
check().then(
  (problem) => {
    process.stdout.write(`${problem ?? "healthy"}\n`);
    process.exit(problem === null ? 0 : 1);
  },
  (err: unknown) => {
    process.stdout.write(`${(err as Error).message}\n`);
    process.exit(1);
  },
);
