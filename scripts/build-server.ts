/**
 * `npm run build:server`: crowsnest-server as one JavaScript file, apps/api/dist/crowsnest-server.mjs,
 * for the production start (`node apps/api/dist/crowsnest-server.mjs --web-dir apps/web`): the
 * server's and the protocol package's TypeScript are bundled in, so Node loads no type stripping at
 * run time (about 20 MiB of resident memory); the npm packages (Fastify, Next, zod…) stay in
 * node_modules and are loaded from there. The telemetry writer's worker thread has its own entry
 * point, bundled beside it (TELEMETRY_WORKER_BUNDLE), where the server's bundle looks for it.
 */
import { dirname, join, relative, resolve } from "node:path";
import { type BuildOptions, build } from "esbuild";
import { TELEMETRY_WORKER_BUNDLE } from "../apps/api/src/store/sqlite/worker-telemetry-writer.ts";

const ROOT = resolve(import.meta.dirname, "..");
/** Where the bundle goes. */
export const SERVER_BUNDLE = join(ROOT, "apps", "api", "dist", "crowsnest-server.mjs");

const SQLITE_SOURCES = join(ROOT, "apps", "api", "src", "store", "sqlite");

/**
 * Bundles the server's entry point into SERVER_BUNDLE (executable, with the entry's shebang) and
 * the telemetry worker's beside it.
 */
export async function buildServer(): Promise<string> {
  await Promise.all([
    build({ ...OPTIONS, entryPoints: [join(ROOT, "apps", "api", "src", "main.ts")], outfile: SERVER_BUNDLE }),
    build({
      ...OPTIONS,
      entryPoints: [join(SQLITE_SOURCES, "telemetry-worker.ts")],
      outfile: join(dirname(SERVER_BUNDLE), TELEMETRY_WORKER_BUNDLE),
    }),
  ]);
  return SERVER_BUNDLE;
}

const OPTIONS: BuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  // npm packages are loaded from node_modules; the workspace's protocol package (TypeScript) is bundled.
  packages: "external",
  alias: { "@crowsnest/protocol": join(ROOT, "packages", "protocol", "src") },
  legalComments: "eof",
  logLevel: "warning",
};

if (import.meta.main) {
  const out = await buildServer();
  process.stdout.write(`built ${relative(process.cwd(), out)}\n`);
}
