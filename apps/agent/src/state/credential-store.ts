import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic-file.ts";

/**
 * The bearer credential: the long-lived host credential the server handed out (kept in the state
 * dir, owner-only), or until then the configured enrolment / pre-shared token.
 */
export class CredentialStore {
  readonly #path: string;
  readonly #token: string | null;

  constructor(stateDir: string, token: string | null) {
    this.#path = join(stateDir, "credential");
    this.#token = token;
  }

  async current(): Promise<string | null> {
    try {
      const saved = (await readFile(this.#path, "utf8")).trim();
      if (saved !== "") return saved;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    return this.#token;
  }

  async save(credential: string): Promise<void> {
    await writeFileAtomic(this.#path, `${credential}\n`, 0o600);
  }
}
