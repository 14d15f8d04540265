/**
 * `npm run build:agent`: crowsnest-agent as one JavaScript file, apps/agent/dist/crowsnest-agent.mjs.
 * Everything it imports (the protocol package, zod, ws) is bundled in, so the file runs on a host
 * that has Node.js and nothing else, with no type stripping at run time.
 */
import { chmodSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { build } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
/** Where the bundle goes; apps/agent/package.json's `bin` and `files` point here. */
export const AGENT_BUNDLE = join(ROOT, "apps", "agent", "dist", "crowsnest-agent.mjs");

/** Bundles the agent's entry point into AGENT_BUNDLE (executable, with the entry's shebang). */
export async function buildAgent(): Promise<string> {
  await build({
    entryPoints: [join(ROOT, "apps", "agent", "src", "main.ts")],
    outfile: AGENT_BUNDLE,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    // ws is CommonJS and requires Node's built-ins: an ES module has no `require` of its own.
    banner: {
      js: 'import { createRequire as __crowsnestRequire } from "node:module";\nconst require = __crowsnestRequire(import.meta.url);',
    },
    // zod without its locales (see agent-zod.ts).
    alias: { zod: join(ROOT, "scripts", "agent-zod.ts") },
    // ws's optional native speed-ups: required inside a try, so ws falls back to JavaScript without them.
    external: ["bufferutil", "utf-8-validate"],
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: "eof",
    logLevel: "warning",
  });
  chmodSync(AGENT_BUNDLE, 0o755);
  return AGENT_BUNDLE;
}

if (import.meta.main) {
  const out = await buildAgent();
  process.stdout.write(`built ${relative(process.cwd(), out)}\n`);
}
