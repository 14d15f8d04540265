import http from "node:http";
import type { DockerEndpoint } from "./docker-host.ts";

/** A non-2xx answer from the Engine, with Docker's own message. */
export class DockerError extends Error {
  override name = "DockerError";
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface DockerResponse {
  status: number;
  body: string;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** The Engine API over node:http: short requests, and long-lived streams (logs, events, stats). */
export class DockerClient {
  readonly #endpoint: DockerEndpoint;
  readonly #agent = new http.Agent({ keepAlive: true });

  constructor(endpoint: DockerEndpoint) {
    this.#endpoint = endpoint;
  }

  /** Sends a request and resolves with any status; only transport failures reject. */
  async request(
    method: string,
    path: string,
    query: Query = {},
    timeoutMs = 60_000,
  ): Promise<DockerResponse> {
    const res = await this.#open(method, path, query, AbortSignal.timeout(timeoutMs));
    return { status: res.statusCode ?? 0, body: await readBody(res) };
  }

  /** GETs JSON; a non-2xx status becomes a DockerError. */
  async json(path: string, query: Query = {}): Promise<unknown> {
    const res = await this.request("GET", path, query);
    if (res.status < 200 || res.status > 299) throw toDockerError(res);
    return JSON.parse(res.body) as unknown;
  }

  /** Opens a streaming GET; the caller consumes the body and aborts with the signal. */
  async stream(path: string, query: Query, signal: AbortSignal): Promise<http.IncomingMessage> {
    const res = await this.#open("GET", path, query, signal);
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) throw toDockerError({ status, body: await readBody(res) });
    return res;
  }

  close(): void {
    this.#agent.destroy();
  }

  #open(method: string, path: string, query: Query, signal: AbortSignal): Promise<http.IncomingMessage> {
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
}

export function toDockerError(res: DockerResponse): DockerError {
  let message = res.body.trim();
  try {
    const parsed = JSON.parse(res.body) as { message?: unknown };
    if (typeof parsed.message === "string") message = parsed.message;
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the raw text as the message.
  }
  return new DockerError(res.status, message === "" ? `HTTP ${res.status}` : message);
}

async function readBody(res: http.IncomingMessage): Promise<string> {
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
