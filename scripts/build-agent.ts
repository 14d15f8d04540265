/**
 * `npm run build:agent`: crowsnest-agent as one JavaScript file, apps/agent/dist/crowsnest-agent.cjs.
 * Everything it imports (the protocol package, zod, ws) is bundled in, so the file runs on a host
 * that has Node.js and nothing else, with no type stripping at run time.
 *
 * A CommonJS script rather than an ES module, for memory: Node.js loads its ES module loader for an
 * ES entry (about 3.5 MiB resident), and an ES import of a built-in reads every one of its exports,
 * node:http's lazy getters (WebSocket, MessageEvent…) included, which load undici, http2, zlib and
 * web streams (about 10 MiB) that the agent never uses. `require` does neither.
 */
import { chmodSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { build, type Plugin } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
/** Where the bundle goes; apps/agent/package.json's `bin` and `files` point here. */
export const AGENT_BUNDLE = join(ROOT, "apps", "agent", "dist", "crowsnest-agent.cjs");

/** Bundles the agent's entry point into AGENT_BUNDLE (executable, with the entry's shebang). */
export async function buildAgent(): Promise<string> {
  await build({
    entryPoints: [join(ROOT, "apps", "agent", "src", "main.ts")],
    outfile: AGENT_BUNDLE,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node24",
    // zod without its locales (see agent-zod.ts); fs/promises without readline (see fs-promises.ts);
    // ws's masking over 32-bit words instead of its byte loop (see ws-mask.ts).
    alias: {
      zod: join(ROOT, "scripts", "agent-zod.ts"),
      "node:fs/promises": join(ROOT, "apps", "agent", "src", "fs-promises.ts"),
      bufferutil: join(ROOT, "apps", "agent", "src", "ws-mask.ts"),
    },
    // ws's optional native UTF-8 check: required inside a try, so ws falls back to JavaScript without it.
    external: ["utf-8-validate"],
    plugins: [loadedOnFirstUse(["tls", "https", "zlib"])],
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: "eof",
    logLevel: "warning",
  });
  chmodSync(AGENT_BUNDLE, 0o755);
  return AGENT_BUNDLE;
}

/**
 * These built-ins are required when first used rather than when the bundle loads. ws requires
 * node:tls and node:https at its top for wss:// alone, and the agent node:tls for --ca-file alone;
 * loading them sets up OpenSSL's TLS side, about 3 MiB resident (BENCHMARKS.md, "Agent footprint")
 * that an agent on ws:// never uses. ws requires node:zlib at its top for permessage-deflate alone,
 * which the agent does not offer (connection.ts). Each is a proxy that requires the module at its
 * first property read.
 */
function loadedOnFirstUse(builtins: string[]): Plugin {
  const filter = new RegExp(`^(node:)?(${builtins.join("|")})$`);
  return {
    name: "loaded-on-first-use",
    setup(bundle) {
      // The proxy's own require is of the real built-in.
      bundle.onResolve({ filter }, (args) =>
        args.namespace === "first-use"
          ? { path: args.path, external: true }
          : { path: args.path.replace(/^node:/, ""), namespace: "first-use" },
      );
      bundle.onLoad({ filter: /.*/, namespace: "first-use" }, (args) => ({
        loader: "js",
        contents: `let loaded; module.exports = new Proxy({}, { get: (_, key) => (loaded ??= require("node:${args.path}"))[key] });`,
      }));
    },
  };
}

if (import.meta.main) {
  const out = await buildAgent();
  process.stdout.write(`built ${relative(process.cwd(), out)}\n`);
}
