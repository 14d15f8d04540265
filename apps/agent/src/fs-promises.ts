/**
 * What `node:fs/promises` is in the one-file agent (scripts/build-agent.ts aliases it here): the
 * functions the agent uses, made from node:fs's callback functions. Node.js's own fs/promises loads
 * its readline interface and REPL history modules with it (for `FileHandle.readLines()`), about
 * 0.8 MiB resident that an agent never uses (BENCHMARKS.md, "Agent footprint"). The sources, run
 * directly, import node:fs/promises itself; the functions here behave the same for what they are
 * given. A function not listed here fails the build, not the agent.
 */
import * as fs from "node:fs";
import type * as fsPromises from "node:fs/promises";
import { promisify } from "node:util";

/** fs/promises' access. */
export const access = promisify(fs.access) as typeof fsPromises.access;
/** fs/promises' mkdir. */
export const mkdir = promisify(fs.mkdir) as typeof fsPromises.mkdir;
/** fs/promises' readdir. */
export const readdir = promisify(fs.readdir) as typeof fsPromises.readdir;
/** fs/promises' readFile. */
export const readFile = promisify(fs.readFile) as typeof fsPromises.readFile;
/** fs/promises' rename. */
export const rename = promisify(fs.rename) as typeof fsPromises.rename;
/** fs/promises' rm. */
export const rm = promisify(fs.rm) as typeof fsPromises.rm;
/** fs/promises' writeFile. */
export const writeFile = promisify(fs.writeFile) as typeof fsPromises.writeFile;
