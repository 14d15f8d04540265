import http from "node:http";
import type { DockerEndpoint } from "./docker-host.ts";
import { openStream, type StreamAnswer } from "./stream-answer.ts";

/** Query parameters; undefined ones are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** A complete answer: status and body text. */
export interface HttpAnswer {
  status: number;
  body: string;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * HTTP/1.1 over the Engine's socket (or TCP address): whole answers with node:http and a keep-alive
 * pool, streams each on a connection of its own (openStream). Only SocketEngine uses it: it resolves
 * with any status, and rejects only when no answer came (connection refused or reset, timeout,
 * abort, a body over 64 MiB).
 */
export class HttpTransport {
  readonly #endpoint: DockerEndpoint;
  readonly #agent = new http.Agent({ keepAlive: true });

  constructor(endpoint: DockerEndpoint) {
    this.#endpoint = endpoint;
  }

  /** Sends a request and reads the whole body. */
  async request(method: string, path: string, query: Query, signal: AbortSignal): Promise<HttpAnswer> {
    const where =
      this.#endpoint.kind === "unix"
        ? { socketPath: this.#endpoint.socketPath }
        : { host: this.#endpoint.host, port: this.#endpoint.port };
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(
        { ...where, method, path: target(path, query), agent: this.#agent, signal },
        resolve,
      );
      req.on("error", (err) => reject(transportError(method, path, err)));
      req.end();
    });
    return { status: res.statusCode ?? 0, body: await readBody({ body: res, close: () => res.destroy() }) };
  }

  /** Sends a GET and resolves with the answer once its head arrived; the caller reads the body. */
  async open(path: string, query: Query, signal: AbortSignal): Promise<StreamAnswer> {
    try {
      return await openStream(this.#endpoint, target(path, query), signal);
    } catch (err) {
      throw transportError("GET", path, err as Error);
    }
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The path with the query's defined parameters. */
function target(path: string, query: Query): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
  return search.size > 0 ? `${path}?${search}` : path;
}

/** A failure below HTTP, naming the request; the socket's error is its cause. */
function transportError(method: string, path: string, err: Error): Error {
  return new Error(`Docker ${method} ${path}: ${err.message}`, { cause: err });
}

/** The body as text, at most 64 MiB. */
export async function readBody(answer: Pick<StreamAnswer, "body" | "close">): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of answer.body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      answer.close();
      throw new Error(`Docker response larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
