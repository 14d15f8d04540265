import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { promisify } from "node:util";
import { docker, dockerOutput } from "../../support/docker-cli.ts";
import { ROOT } from "../../support/processes.ts";

const execFileAsync = promisify(execFile);

export interface BuiltImage {
  tag: string;
  /** Wall time of `docker build`, ms. */
  buildMs: number;
  /** `docker image inspect`'s Size, bytes. */
  bytes: number;
  /** The install and build step came from the layer cache: buildMs is then no build time. */
  cached: boolean;
}

/** The project's base image (deploy/base-image.sh, which scripts/test-env.sh already ran: then reused). */
export async function baseImage(): Promise<string> {
  const { stdout } = await execFileAsync("bash", ["deploy/base-image.sh"], { cwd: ROOT });
  const tag = stdout.trim().split("\n").at(-1);
  if (!tag) throw new Error("deploy/base-image.sh printed no tag");
  return tag;
}

/**
 * The certificates this machine trusts beyond Node's own (NODE_EXTRA_CA_CERTS: here a TLS proxy in
 * front of the npm registry), for the build stage's `npm ci`; "" when there are none.
 */
export function extraCaCerts(): string {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return "";
  const known = new Set(rootCertificates.map((pem) => pem.replace(/\s+/g, "")));
  const blocks = readFileSync(file, "utf8").match(
    /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
  );
  return (blocks ?? []).filter((pem) => !known.has(pem.replace(/\s+/g, ""))).join("\n");
}

/**
 * `docker build` of deploy/<name>.Dockerfile on `base`. RUN steps get the network through
 * `--network host`: this Engine has no bridge, and the build reaches only the npm registry.
 */
export async function buildImage(name: "server" | "agent", base: string, tag: string): Promise<BuiltImage> {
  const app = name === "server" ? "api" : "agent";
  const { version } = JSON.parse(readFileSync(`${ROOT}/apps/${app}/package.json`, "utf8")) as {
    version: string;
  };
  const revision = (await execFileAsync("git", ["rev-parse", "HEAD"], { cwd: ROOT })).stdout.trim();
  const started = performance.now();
  const { stdout } = await execFileAsync(
    "docker",
    [
      "build",
      "--network",
      "host",
      "--file",
      `deploy/${name}.Dockerfile`,
      "--tag",
      tag,
      "--build-arg",
      `BASE=${base}`,
      "--build-arg",
      `EXTRA_CA_CERTS=${extraCaCerts()}`,
      "--build-arg",
      `VERSION=${version}`,
      "--build-arg",
      `REVISION=${revision}`,
      ".",
    ],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  const buildMs = performance.now() - started;
  const bytes = Number(await docker("image", "inspect", "--format", "{{.Size}}", tag));
  const cached = /Step \d+\/\d+ : RUN [^\n]*\n ---> Using cache/.test(stdout);
  return { tag, buildMs, bytes, cached };
}

/** Waits until Docker's own HEALTHCHECK reports the container healthy; fails on unhealthy or exit. */
export async function waitHealthy(container: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = await docker("inspect", "--format", "{{.State.Status}} {{.State.Health.Status}}", container);
    if (last === "running healthy") return;
    if (!last.startsWith("running") || last.endsWith("unhealthy")) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const logs = await dockerOutput("logs", "--tail", "30", container).then(
    (out) => out.stdout + out.stderr,
    (err: Error) => err.message,
  );
  const health = await docker("inspect", "--format", "{{json .State.Health}}", container);
  throw new Error(`${container} is "${last}", not healthy.\nhealth: ${health}\nlogs:\n${logs}`);
}
