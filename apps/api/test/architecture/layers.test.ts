import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The server's layers, lowest first. A module may import from its own layer and from lower ones,
 * never from a higher one:
 *
 *   @crowsnest/protocol   shared schemas and rules (a package; it imports nothing of the apps)
 *   kit                   errors/, logging/, ws/, listen-notice.ts: HTTP and socket plumbing;
 *                         cli-command.ts: how hints name the CLI
 *   store                 store/: the Store contract and its backends (store/postgres, store/sqlite:
 *                         neither imports the other; what both use is a module of store/)
 *   retention < auth < live < ingest < actions
 *                         the domain: telemetry retention; sessions, users, host identities and
 *                         the authenticators; the browser-socket hub; agent sockets, ingest and
 *                         the agent registry; container actions
 *   cluster               cluster/: the NATS-backed implementations of those narrow interfaces
 *   config                config.ts: the settings table, composed of the parts' own rows
 *   http                  context.ts, routes/ (a folder per resource), web/ (the dashboard route)
 *   server                server.ts: buildServer, the one place where the parts are wired
 *   entry points          main.ts (runtime-flags.ts: its Node.js flags; serve.ts: the server it
 *                         starts; start-failure.ts: why a start failed), cli/
 *
 * Process-local state (agent registry, latest samples, live hub) reaches the layers above it
 * only through narrow interfaces, so that a shared implementation can replace it (scale-out).
 */
const LAYERS: readonly (readonly string[])[] = [
  ["errors", "logging", "ws", "listen-notice.ts", "cli-command.ts"],
  ["store"],
  ["retention"],
  ["auth"],
  ["live"],
  ["ingest"],
  ["actions"],
  ["cluster"],
  ["config.ts"],
  ["context.ts", "routes", "web"],
  ["server.ts", "log-output.ts"],
  ["main.ts", "runtime-flags.ts", "serve.ts", "start-failure.ts", "cli"],
];

const SRC = resolve(import.meta.dirname, "../../src");

function rank(file: string): number {
  const top = relative(SRC, file).split("/")[0] ?? "";
  const index = LAYERS.findIndex((layer) => layer.includes(top));
  if (index === -1) throw new Error(`${relative(SRC, file)} is in no layer: add its folder to LAYERS`);
  return index;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The store backend a module belongs to ("postgres" or "sqlite"), or null for any other module. */
function backend(file: string): string | null {
  return /^store\/(postgres|sqlite)\//.exec(relative(SRC, file))?.[1] ?? null;
}

/** Relative import and export specifiers of a module (static, dynamic and type-only alike). */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found = text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g);
  return [...found].map((match) => resolve(dirname(file), match[1] ?? ""));
}

describe("the server's layers", () => {
  const files = sourceFiles(SRC);

  it("place every source file", () => {
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) expect(rank(file)).toBeGreaterThanOrEqual(0);
  });

  it("never import from a higher layer", () => {
    const upward = files.flatMap((file) =>
      relativeImports(file)
        .filter((target) => target.startsWith(`${SRC}/`) && rank(target) > rank(file))
        .map((target) => `${relative(SRC, file)} → ${relative(SRC, target)}`),
    );
    expect(upward).toEqual([]);
  });

  it("keep the store's backends apart: store/postgres and store/sqlite never import each other", () => {
    const crossing = files.flatMap((file) => {
      const from = backend(file);
      if (from === null) return [];
      return relativeImports(file)
        .filter((target) => backend(target) !== null && backend(target) !== from)
        .map((target) => `${relative(SRC, file)} → ${relative(SRC, target)}`);
    });
    expect(crossing).toEqual([]);
  });
});
