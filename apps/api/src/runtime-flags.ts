/**
 * The Node.js flags crowsnest-server runs with, whichever way it is started: `npm start`, its `bin`,
 * `node` on the bundle (scripts/build-server.ts) or the container image. main.ts applies them by
 * re-executing the process (execWithNodeFlags, which says where it cannot), so they are defined
 * here and nowhere else. Measured under figure 3's ingest: BENCHMARKS.md, "The server's memory".
 */
export const NODE_FLAGS: readonly string[] = [
  // The main thread decodes every agent batch, and nearly all it allocates dies young. V8 let its
  // young generation grow to 128 MiB of new space under that load, most of the server's resident
  // memory beyond its idle size; capped at 8 MiB semi-spaces (16 MiB of new space) scavenges come
  // more often and each is smaller. The flag is the whole process's: the telemetry writer's thread
  // gets the same 16 MiB of new space, what its own limit (WRITER_YOUNG_GENERATION_MB) gives it
  // where the flag does not apply.
  "--max-semi-space-size=8",
  // After each full collection V8 lets the old generation grow to a factor of what survived it,
  // chosen between 1.1 and 4 from how fast it collects; rows that wait for the writer survive
  // scavenges and die old, so while the writer is behind the heap grew to several times its live
  // size (a heap snapshot found 53 MiB live on the main thread of a server resident at 356 MiB).
  // The flag fixes the factor at 1.5 on both threads, in every mode of V8's heap controller (also
  // where it would choose less, near a heap limit). A V8 flag, not Node's: an operator's own value
  // goes on the command line (`--heap-growing-percent=0` is V8's choice again), NODE_OPTIONS refuses it.
  "--heap-growing-percent=50",
];

/**
 * Environment variables crowsnest-server runs with, each where the operator has not set it: main.ts
 * passes them to execWithNodeFlags with NODE_FLAGS. Measured under figure 3's ingest: BENCHMARKS.md,
 * "glibc's arenas".
 */
export const NODE_ENVIRONMENT: Readonly<Record<string, string>> = {
  // glibc's malloc gives each thread that allocates its own arena, up to 8 per core of the machine
  // (not of a container's CPU quota), and an arena keeps what it once held. The server's threads
  // (the main one, the telemetry writer, V8's and libuv's pools) held 42–54 MiB in arenas under
  // ingest. With two, the samples' 75 s holds peaked 13–24 MiB lower (the lines' moved less, not
  // consistently), at the same CPU per row stored within the bench's noise. Read once, at the
  // process's start; other C libraries (musl) ignore it.
  MALLOC_ARENA_MAX: "2",
};
