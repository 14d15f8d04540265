/**
 * `npm run build:agent`: crowsnest-agent as one JavaScript file, apps/agent/dist/crowsnest-agent.mjs.
 * Everything it imports (the protocol package, zod, ws) is bundled in, so the file runs on a host
 * that has Node.js and nothing else, with no type stripping at run time.
 */
import { chmodSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { build, type Plugin } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
/** Where the bundle goes; apps/agent/package.json's `bin` and `files` point here. */
export const AGENT_BUNDLE = join(ROOT, "apps", "agent", "dist", "crowsnest-agent.mjs");

/**
 * Node's built-in modules loaded with `require` instead of `import`. An ES import of a built-in
 * reads every one of its exports, and node:http's include lazy getters (WebSocket, MessageEvent…)
 * that load undici, http2, zlib and web streams: about 10 MiB that the agent never uses.
 */
const builtinsByRequire: Plugin = {
  name: "builtins-by-require",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) =>
      args.namespace === "builtin"
        ? { path: args.path, external: true }
        : { path: args.path, namespace: "builtin" },
    );
    b.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

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
    plugins: [builtinsByRequire],
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
