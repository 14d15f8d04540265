import { closeSync, openSync, readFileSync, readSync } from "node:fs";

/** What reading a kept descriptor can fail with once its file is gone: reopened by path, once. */
const STALE = new Set(["EBADF", "ENODEV", "ESRCH", "ENOENT"]);
/** Out of descriptors: the file is read by path instead of kept open. */
const NO_DESCRIPTORS = new Set(["EMFILE", "ENFILE"]);
/** Kept in place of a descriptor for a file that does not exist. */
const ABSENT = -1;

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
    return this.#read(owner, path, false) as string;
  }

  /**
   * The file's whole text now, or null when it does not exist. An absent file is remembered until
   * the owner's files are closed, and not looked for again: the files of a cgroup directory are set
   * when it is made, so one the kernel does not have (io.stat without the io controller, the CFQ
   * counters under another I/O scheduler) would otherwise cost a failed open per container and sample.
   */
  readIfExists(owner: string, path: string): string | null {
    return this.#read(owner, path, true);
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

  /** With `optional`, a file that does not exist is remembered as absent and null returned; else ENOENT is thrown. */
  #read(owner: string, path: string, optional: boolean): string | null {
    let files = this.#fds.get(owner);
    if (files === undefined) {
      files = new Map();
      this.#fds.set(owner, files);
    }
    const kept = files.get(path);
    if (kept === ABSENT) return null;
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
      const code = (err as NodeJS.ErrnoException).code ?? "";
      if (NO_DESCRIPTORS.has(code)) return readFileSync(path, "utf8");
      if (code !== "ENOENT" || !optional) throw err;
      files.set(path, ABSENT);
      return null;
    }
    files.set(path, fd);
    return this.#readAll(fd);
  }

  /**
   * Reads from offset 0 to the end. A kernel seq_file fills as much of the buffer as it has text
   * for, so a read that leaves room is the whole file: reading on to get 0 would make the kernel
   * generate the file a second time (a pread at an offset walks it from the start). A full buffer
   * is doubled and the read continues.
   */
  #readAll(fd: number): string {
    let length = 0;
    for (;;) {
      if (length === this.#buffer.length) {
        const larger = Buffer.allocUnsafe(this.#buffer.length * 2);
        this.#buffer.copy(larger);
        this.#buffer = larger;
      }
      const room = this.#buffer.length - length;
      const read = readSync(fd, this.#buffer, length, room, length);
      length += read;
      if (read < room) return this.#buffer.toString("utf8", 0, length);
    }
  }
}

function closeQuietly(fd: number): void {
  if (fd === ABSENT) return;
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}
