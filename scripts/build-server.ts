/**
 * `npm run build:server`: crowsnest-server as one JavaScript file, apps/api/dist/crowsnest-server.mjs,
 * for the production start (`node apps/api/dist/crowsnest-server.mjs --web-dir apps/web`): the
 * server's and the protocol package's TypeScript are bundled in, so Node loads no type stripping at
 * run time (about 20 MiB of resident memory); the npm packages (Fastify, Next, zod…) stay in
 * node_modules and are loaded from there.
 */
import { join, relative, resolve } from "node:path";
import { build } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
/** Where the bundle goes. */
export const SERVER_BUNDLE = join(ROOT, "apps", "api", "dist", "crowsnest-server.mjs");

/** Bundles the server's entry point into SERVER_BUNDLE (executable, with the entry's shebang). */
export async function buildServer(): Promise<string> {
  await build({
    entryPoints: [join(ROOT, "apps", "api", "src", "main.ts")],
    outfile: SERVER_BUNDLE,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    // npm packages are loaded from node_modules; the workspace's protocol package (TypeScript) is bundled.
    packages: "external",
    alias: { "@crowsnest/protocol": join(ROOT, "packages", "protocol", "src") },
    legalComments: "eof",
    logLevel: "warning",
  });
  return SERVER_BUNDLE;
}

if (import.meta.main) {
  const out = await buildServer();
  process.stdout.write(`built ${relative(process.cwd(), out)}\n`);
}
