import { closeSync, openSync, readFileSync, readSync } from "node:fs";

/** What reading a kept descriptor can fail with once its file is gone: reopened by path, once. */
const STALE = new Set(["EBADF", "ENODEV", "ESRCH", "ENOENT"]);
/** Out of descriptors: the file is read by path instead of kept open. */
const NO_DESCRIPTORS = new Set(["EMFILE", "ENFILE"]);

/**
 * Kernel pseudo-files kept open and re-read from offset 0 (`pread`), instead of opened, read and
 * closed at every sample: the kernel regenerates a cgroup or /proc file's text on each read from
 * offset 0. Files are grouped by owner (a container) so that a container's descriptors close with it.
 */
export class OpenFiles {
  readonly #fds = new Map<string, Map<string, number>>();
  #buffer = Buffer.allocUnsafe(16 * 1024);

  /**
   * The file's whole text now. A descriptor that went stale (the container's cgroup was removed, its
   * process exited) is reopened by path once, so a missing file still fails with ENOENT.
   */
  read(owner: string, path: string): string {
    let files = this.#fds.get(owner);
    if (files === undefined) {
      files = new Map();
      this.#fds.set(owner, files);
    }
    const kept = files.get(path);
    if (kept !== undefined) {
      try {
        return this.#readAll(kept);
      } catch (err) {
        files.delete(path);
        closeQuietly(kept);
        if (!STALE.has((err as NodeJS.ErrnoException).code ?? "")) throw err;
      }
    }
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (err) {
      if (NO_DESCRIPTORS.has((err as NodeJS.ErrnoException).code ?? "")) return readFileSync(path, "utf8");
      throw err;
    }
    files.set(path, fd);
    return this.#readAll(fd);
  }

  /** Closes every descriptor kept for the owner (a container that went away). */
  closeOwner(owner: string): void {
    for (const fd of this.#fds.get(owner)?.values() ?? []) closeQuietly(fd);
    this.#fds.delete(owner);
  }

  /** Closes every descriptor. */
  closeAll(): void {
    for (const owner of [...this.#fds.keys()]) this.closeOwner(owner);
  }

  /** Reads from offset 0 to the end: a kernel seq_file hands out at most a page per read. */
  #readAll(fd: number): string {
    let length = 0;
    for (;;) {
      if (length === this.#buffer.length) {
        const larger = Buffer.allocUnsafe(this.#buffer.length * 2);
        this.#buffer.copy(larger);
        this.#buffer = larger;
      }
      const read = readSync(fd, this.#buffer, length, this.#buffer.length - length, length);
      if (read === 0) return this.#buffer.toString("utf8", 0, length);
      length += read;
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}
