import { readdir, readFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * One recorded (or hand-checked) Engine answer: the request it answered (`METHOD path?query`),
 * its status, and its JSON body, or for a stream (events, stats) its JSON lines.
 */
interface RecordedAnswer {
  request: string;
  status: number;
  body?: unknown;
  lines?: unknown[];
}

/**
 * Replays a folder of recorded Engine answers over HTTP on a unix socket, for testing the
 * parsing of SocketEngine on answers of Engines we do not run. A request is answered by the
 * answer recorded for exactly it, else by one for its method and path (whatever the query);
 * anything else gets Docker's 404. Each request is logged, and
 * the most requests it had in flight at once (each answer waits `delayMs`).
 */
export class EngineReplay {
  readonly socketPath = join(tmpdir(), `crowsnest-engine-replay-${process.pid}-${Date.now()}.sock`);
  readonly requests: string[] = [];
  maxInFlight = 0;
  readonly #answers = new Map<string, RecordedAnswer>();
  readonly #server: http.Server;
  readonly #delayMs: number;
  #inFlight = 0;

  private constructor(answers: RecordedAnswer[], delayMs: number) {
    for (const answer of answers) {
      this.#answers.set(answer.request, answer);
      this.#answers.set(answer.request.split("?")[0] ?? "", answer);
    }
    this.#delayMs = delayMs;
    this.#server = http.createServer((req, res) => void this.#answer(req, res));
  }

  /** Serves every `*.json` answer of the folders (a later folder's answer replaces an earlier one's). */
  static async start(folders: string[], delayMs = 0): Promise<EngineReplay> {
    const answers: RecordedAnswer[] = [];
    for (const folder of folders) {
      for (const file of (await readdir(folder)).filter((f) => f.endsWith(".json")).sort()) {
        answers.push(JSON.parse(await readFile(join(folder, file), "utf8")) as RecordedAnswer);
      }
    }
    const replay = new EngineReplay(answers, delayMs);
    await new Promise<void>((resolve) => replay.#server.listen(replay.socketPath, resolve));
    return replay;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = `${req.method} ${req.url ?? ""}`;
    this.requests.push(target);
    this.#inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    await new Promise((resolve) => setTimeout(resolve, this.#delayMs));
    this.#inFlight--;
    const answer = this.#answers.get(target) ?? this.#answers.get(target.split("?")[0] ?? "");
    if (answer === undefined) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `No such container: replay has no answer for ${target}` }));
      return;
    }
    res.writeHead(answer.status, { "content-type": "application/json" });
    if (answer.lines !== undefined) res.end(answer.lines.map((line) => `${JSON.stringify(line)}\n`).join(""));
    else res.end(answer.body === null || answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }
}
