import { once } from "node:events";
import net from "node:net";

/**
 * A unix-socket pass-through to the real Docker socket that records each HTTP request line,
 * so a test can prove what the agent did (and did not) ask Docker for. `path` is the Engine path
 * without the API version prefix (`/containers/json` for `/v1.41/containers/json`), `version`
 * that prefix's version ("" for an unversioned request).
 */
export class RecordingProxy {
  readonly requests: { at: number; method: string; path: string; version: string }[] = [];
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  constructor(upstream = "/var/run/docker.sock") {
    this.#server = net.createServer((client) => {
      const docker = net.connect(upstream);
      this.#sockets.add(client).add(docker);
      client.on("data", (chunk: Buffer) => {
        for (const match of chunk
          .toString("latin1")
          .matchAll(/^(GET|POST|DELETE|PUT|HEAD) (\S+) HTTP\/1\.[01]\r$/gm)) {
          const [, version = "", path = ""] = /^(?:\/v(\d+\.\d+))?(.*)$/.exec(match[2] ?? "") ?? [];
          this.requests.push({ at: Date.now(), method: match[1] ?? "", path, version });
        }
      });
      client.pipe(docker).pipe(client);
      const close = () => {
        client.destroy();
        docker.destroy();
      };
      client.on("error", close).on("close", close);
      docker.on("error", close).on("close", close);
    });
  }

  async listen(path: string): Promise<void> {
    this.#server.listen(path);
    await once(this.#server, "listening");
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
