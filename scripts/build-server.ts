/**
 * `npm run build:server`: crowsnest-server as JavaScript in apps/api/dist, started by
 * crowsnest-server.mjs for the production start (`node apps/api/dist/crowsnest-server.mjs --web-dir
 * apps/web`): the server's and the protocol package's TypeScript are bundled in, so Node loads no
 * type stripping at run time (about 20 MiB of resident memory); the npm packages (Fastify, Next,
 * zod…) stay in node_modules and are loaded from there. The telemetry writer's worker thread has
 * its own entry point, bundled beside it (TELEMETRY_WORKER_BUNDLE), where the server's code looks
 * for it. Code split into chunks keeps what main.ts imports dynamically out of the entry file, which
 * re-executes the process before it loads anything else (one bundle would load every npm package
 * first: an ES module's static imports are hoisted).
 */
import { rmSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { type BuildOptions, build } from "esbuild";
import { TELEMETRY_WORKER_BUNDLE } from "../apps/api/src/store/sqlite/worker-telemetry-writer.ts";

const ROOT = resolve(import.meta.dirname, "..");
/** The bundle's entry file, beside the worker's entry and the chunks both load. */
export const SERVER_BUNDLE = join(ROOT, "apps", "api", "dist", "crowsnest-server.mjs");

const SQLITE_SOURCES = join(ROOT, "apps", "api", "src", "store", "sqlite");

/**
 * Bundles the server's entry point into SERVER_BUNDLE (with the entry's shebang) and the telemetry
 * worker's beside it, the code they load later in chunks beside them; what an earlier build left in
 * the directory is removed first.
 */
export async function buildServer(): Promise<string> {
  const outdir = dirname(SERVER_BUNDLE);
  rmSync(outdir, { recursive: true, force: true });
  await build({
    ...OPTIONS,
    entryPoints: {
      [basename(SERVER_BUNDLE, ".mjs")]: join(ROOT, "apps", "api", "src", "main.ts"),
      [basename(TELEMETRY_WORKER_BUNDLE, ".mjs")]: join(SQLITE_SOURCES, "telemetry-worker.ts"),
    },
    outdir,
  });
  return SERVER_BUNDLE;
}

const OPTIONS: BuildOptions = {
  bundle: true,
  splitting: true,
  outExtension: { ".js": ".mjs" },
  // Beside the entries: bundled code finds the worker's entry relative to its own file (import.meta.url).
  chunkNames: "chunk-[hash]",
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
