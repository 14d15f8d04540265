/**
 * The Node.js flags crowsnest-server runs with, whichever way it is started: `npm start`, its `bin`,
 * `node` on the bundle (scripts/build-server.ts) or the container image. main.ts applies them by
 * re-executing the process (execWithNodeFlags, which says where it cannot), so they are defined
 * here and nowhere else, beside the environment it runs in. Measured under figure 3's ingest: BENCHMARKS.md, "The server's memory".
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
  // size (a heap snapshot found 53 MiB live on the main thread of a server resident at 356 MiB). A fixed 1.5 collects them sooner.
  "--heap-growing-percent=50",
];

/**
 * Environment variables the server runs with unless the operator set them (NodeStart.envDefaults).
 * glibc's malloc gives each thread that allocates its own arena, up to 8 a core, and frees into it
 * without returning the pages: the main thread, the telemetry writer, libuv's pool and V8's helper
 * threads each kept tens of MiB of freed buffers (frames, structured clones for the writer, SQLite's
 * pages). Two arenas hold it to the two that allocate most. Other C libraries ignore the variable.
 */
export const ENV_DEFAULTS: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };
