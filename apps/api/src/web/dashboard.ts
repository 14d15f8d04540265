import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { UpgradeHandler } from "../ws/upgrade.ts";

export interface DashboardOptions {
  /** The Next.js project (apps/web); in production it must hold a `next build` output. */
  dir: string;
  /** Next's development server: compiles on demand and hot-reloads over /_next/ WebSockets. */
  dev: boolean;
}

type NextHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
interface NextApp {
  prepare(): Promise<void>;
  getRequestHandler(): NextHandler;
  close(): Promise<void>;
}
type NextFactory = (options: {
  dev: boolean;
  dir: string;
  quiet?: boolean;
  conf?: unknown;
  httpServer?: unknown;
  hostname?: string;
  port?: number;
}) => NextApp;

const CLOSE_LIMIT_MS = 3_000;

/**
 * Serves the Next.js dashboard from this Fastify instance: a catch-all route (the router prefers
 * every more specific route, the API's and its `/api/*` fallback included) hijacks the reply and
 * hands the raw request and response to Next. In development, returns the handler for Next's own
 * WebSocket upgrades (hot reload under /_next/), which the server's upgrade dispatcher calls only
 * for that prefix, so it never sees /ws/agent or /ws/live; in production, null.
 */
export async function registerDashboard(
  app: FastifyInstance,
  opts: DashboardOptions,
): Promise<UpgradeHandler | null> {
  process.env.NEXT_TELEMETRY_DISABLED = "1";
  // Next is the dashboard's dependency: resolve it from there, as `next build` did.
  const requireFromWeb = createRequire(join(opts.dir, "package.json"));
  const next = requireFromWeb("next") as NextFactory | { default: NextFactory };
  const factory = typeof next === "function" ? next : next.default;
  // Next attaches its 'upgrade' listener (dev hot reload) to the server it is given, otherwise to
  // the request's server, i.e. ours, where it would see every agent and browser socket. It gets a
  // stand-in instead, and only the upgrades under /_next/ are handed to it (see the return value).
  const upgrades = new EventEmitter();
  const conf = opts.dev ? null : builtConfig(opts.dir);
  // What Next's own standalone server sets: every part of Next then takes this configuration.
  if (conf !== null) process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(conf);
  const nextApp = factory({
    dev: opts.dev,
    dir: opts.dir,
    quiet: !opts.dev,
    httpServer: upgrades,
    ...(conf === null ? {} : { conf }),
  });
  await nextApp.prepare();
  // Next registers that listener lazily, on its first page request; a browser reconnecting its
  // hot-reload socket after a server restart would find none. Register it now where possible.
  const eager = (nextApp as { setupWebSocketHandler?: (server: EventEmitter) => void }).setupWebSocketHandler;
  if (typeof eager === "function") eager.call(nextApp, upgrades);
  const handle = nextApp.getRequestHandler();

  await app.register(async (scope) => {
    // Next reads request bodies itself: leave the stream untouched.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null));
    scope.route({
      method: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      url: "/*",
      // Pages and assets are public; every page reads its data from /api, which decides access.
      config: { access: "public" },
      handler: async (request, reply) => {
        reply.hijack();
        const res = reply.raw;
        try {
          await handle(request.raw, res);
        } catch (err) {
          request.log.error({ err }, "dashboard request failed");
          if (!res.headersSent) {
            res.statusCode = 500;
            res.setHeader("content-type", "text/plain; charset=utf-8");
            res.end("internal server error\n");
          } else {
            res.destroy();
          }
        }
      },
    });
  });
  app.addHook("onClose", async () => {
    // Next's development server can keep watchers open past close(); do not let it hold up shutdown.
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_LIMIT_MS);
      timer.unref();
    });
    await Promise.race([nextApp.close(), limit]);
    clearTimeout(timer);
  });

  // A production build has no WebSocket of its own: its listener would neither answer nor close
  // the socket, and every such upgrade would hold a file descriptor until the process ran out.
  if (!opts.dev) return null;
  return (request, socket, head) => {
    if (!upgrades.emit("upgrade", request, socket, head)) socket.destroy();
  };
}

/** The dashboard's WebSocket upgrades (Next dev hot reload) live under this prefix. */
export const DASHBOARD_UPGRADE_PREFIX = "/_next/";

/**
 * The configuration `next build` resolved and wrote beside its output, as Next's own standalone
 * server passes it: Next then does not load next.config.ts again, whose TypeScript would otherwise
 * be compiled in this process at every start (and stay in its memory).
 */
function builtConfig(dir: string): unknown {
  const path = join(dir, ".next", "required-server-files.json");
  return (JSON.parse(readFileSync(path, "utf8")) as { config: unknown }).config;
}
