import http from "node:http";
import type { DockerEndpoint } from "./docker-host.ts";

/** Query parameters; undefined ones are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** A complete answer: status and body text. */
export interface HttpAnswer {
  status: number;
  body: string;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * HTTP/1.1 over the Engine's socket (or TCP address) with node:http and a keep-alive pool. Only
 * SocketEngine uses it: it resolves with any status, and rejects only when no answer came
 * (connection refused or reset, timeout, abort, a body over 64 MiB).
 */
export class HttpTransport {
  readonly #endpoint: DockerEndpoint;
  readonly #agent = new http.Agent({ keepAlive: true });

  constructor(endpoint: DockerEndpoint) {
    this.#endpoint = endpoint;
  }

  /** Sends a request and reads the whole body. */
  async request(method: string, path: string, query: Query, signal: AbortSignal): Promise<HttpAnswer> {
    const res = await this.open(method, path, query, signal);
    return { status: res.statusCode ?? 0, body: await readBody(res) };
  }

  /** Sends a request and resolves with the response once its head arrived; the caller reads the body. */
  open(method: string, path: string, query: Query, signal: AbortSignal): Promise<http.IncomingMessage> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    const target = search.size > 0 ? `${path}?${search}` : path;
    const where =
      this.#endpoint.kind === "unix"
        ? { socketPath: this.#endpoint.socketPath }
        : { host: this.#endpoint.host, port: this.#endpoint.port };
    return new Promise((resolve, reject) => {
      const req = http.request({ ...where, method, path: target, agent: this.#agent, signal }, resolve);
      req.on("error", (err) => reject(new Error(`Docker ${method} ${path}: ${err.message}`, { cause: err })));
      req.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The body as text, at most 64 MiB. */
export async function readBody(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      res.destroy();
      throw new Error(`Docker response larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
