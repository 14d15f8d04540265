/**
 * Node.js flags that a Crowsnest program runs with, whichever way it is started (its bin, `node` on
 * a bundle, a container image, a systemd unit, `npm run …`). Each program lists its own in a
 * runtime-flags module and its entry point calls execWithNodeFlags before loading the rest of its
 * code, so that no launcher has to repeat them.
 */

/** A flag's name with `_` read as `-`, as V8 does: "--max-semi-space-size" for "--max_semi_space_size=1". */
function flagName(flag: string): string {
  return (flag.split("=")[0] ?? flag).replaceAll("_", "-");
}

/** A name an environment can hold: POSIX's portable set (letters, digits, `_`; no digit first). */
const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces this process (same pid, standard streams: `process.execve`) with the same script
 * started with those of `flags` it lacks, in `env` (this process's environment by default) with
 * those of `defaults` it lacks: variables read before any of the program's code runs, such as
 * glibc's malloc settings. A flag the operator gave, on the command line or in NODE_OPTIONS (where
 * Node.js allows it there: not V8's own tuning flags), is kept with the operator's value, and so is
 * a variable set in `env`. Throws TypeError for a name in `defaults` that no environment can hold.
 * Returns, and the program runs without them, when every flag and variable already applies; when
 * the process has an IPC channel (started by `fork()`, `node --watch` or a process manager), which
 * an image put in place by execve would lose; and where execve is refused: on Windows
 * (ERR_FEATURE_UNAVAILABLE_ON_PLATFORM) or under Node's permission model without child processes
 * allowed (ERR_ACCESS_DENIED). A module that NODE_OPTIONS preloads (`--require`, `--import`) runs
 * in both images.
 */
export function execWithNodeFlags(
  proc: NodeJS.Process,
  flags: readonly string[],
  env: NodeJS.ProcessEnv = proc.env,
  defaults: Readonly<Record<string, string>> = {},
): void {
  const given = new Set([...proc.execArgv, ...(proc.env.NODE_OPTIONS ?? "").split(/\s+/)].map(flagName));
  const missing = flags.filter((flag) => !given.has(flagName(flag)));
  const unset = Object.entries(defaults).filter(([name]) => env[name] === undefined);
  // A name no environment can hold would be missing from every new image: a re-execution loop.
  const unholdable = unset.find(([name]) => !ENVIRONMENT_NAME.test(name));
  if (unholdable) throw new TypeError(`not an environment variable's name: ${JSON.stringify(unholdable[0])}`);
  if ((missing.length === 0 && unset.length === 0) || proc.send !== undefined) return;
  const script = proc.argv.slice(1);
  try {
    proc.execve?.(proc.execPath, [proc.execPath, ...missing, ...proc.execArgv, ...script], {
      ...env,
      ...Object.fromEntries(unset),
    });
  } catch {
    // Refused before anything was replaced: the program runs on as it was started.
  }
}
