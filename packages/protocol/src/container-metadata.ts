import { z } from "zod";
import { ContainerEvent, ContainerInfo, type Labels, Port } from "./container.ts";
import { LIMITS } from "./limits.ts";
import { isProtected } from "./protection.ts";

/**
 * The one rule for a container's metadata that is larger than the protocol allows (labels, names,
 * ports and every other text come from containers we do not control): the agent applies it before
 * sending, the server again on what it receives. Nothing is refused for its size: long texts are
 * cut with a marker, surplus entries are left out, and `metadataNote` says what was cut.
 */

/** Longest label key quoted in a `metadataNote`. */
const NOTED_KEY_CHARS = 64;

/** Whether `key` is a spelling of the protected label, by the shared rule: the key alone (an empty value) protects. */
const isProtectionKey = (key: string): boolean => isProtected({ [key]: "" });

/**
 * `text` cut to at most `max` UTF-16 units, ending with a marker that gives the original length:
 * `xxxx…[cut from 9000 chars]`. A text that fits comes back unchanged, so cutting twice is cutting
 * once. A surrogate pair is never split. `max` must leave room for the marker (about 30 units).
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = `…[cut from ${text.length} chars]`;
  let keep = Math.max(0, max - marker.length);
  const last = text.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep--;
  return text.slice(0, keep) + marker;
}

/** A port as a peer may send it: the address of any length (cut by capContainerInfo). */
const UncappedPort = Port.extend({ ip: z.string().nullable() });
type UncappedPort = z.infer<typeof UncappedPort>;

/** ContainerInfo's shape without its size limits: what a peer may send, before capContainerInfo. */
export const UncappedContainerInfo = ContainerInfo.extend({
  names: z.array(z.string()),
  image: z.string(),
  status: z.string(),
  labels: z.record(z.string(), z.string()),
  ports: z.array(UncappedPort),
  composeProject: z.string().nullable(),
  composeService: z.string().nullable(),
  metadataNote: z.string().optional(),
  logs: z.object({ driver: z.string(), unreadable: z.string().nullable() }).optional(),
});
export type UncappedContainerInfo = z.infer<typeof UncappedContainerInfo>;

/**
 * The container within every limit of `ContainerInfo` (LIMITS in limits.ts), whatever its size:
 * - names, image, status, compose project and service: each cut to `shortText` chars, at most
 *   `namesPerContainer` names;
 * - labels: values cut to `labelValueChars`; a key longer than `labelKeyChars` is left out (a cut
 *   key would be another label); at most `labelsPerContainer` labels and `labelCharsPerContainer`
 *   chars of keys and values together, every label under a spelling of the protected label
 *   (`com.docker.dashboard.Protected` too, whatever its value) taken first so that it is never the
 *   one left out;
 * - ports: consecutive ports of one protocol, address and binding summarised as one range entry
 *   (`privatePortEnd`), as `docker ps` shows them; at most `portsPerContainer` entries.
 * - logs: the driver's name and the reason it is unreadable, each cut to `shortText` chars.
 * What was cut is added to `metadataNote` (itself at most `shortText` chars). Pure; applying it
 * to its own result changes nothing.
 */
export function capContainerInfo(info: UncappedContainerInfo): ContainerInfo {
  const cuts: string[] = [];
  const text = (what: string, value: string, into = cuts): string => {
    const out = cutText(value, LIMITS.shortText);
    if (out !== value) into.push(`${what} (${value.length} chars)`);
    return out;
  };
  const optionalText = (what: string, value: string | null) => (value === null ? null : text(what, value));
  const cutNames: string[] = [];
  const names = info.names
    .slice(0, LIMITS.namesPerContainer)
    .map((name, i) => text(`name ${i + 1}`, name, cutNames));
  cuts.push(...firstAndCount(cutNames, "names"));
  const extraNames = info.names.length - names.length;
  if (extraNames > 0) cuts.push(`${extraNames} names past ${LIMITS.namesPerContainer} left out`);
  const capped: ContainerInfo = {
    id: info.id,
    names,
    image: text("image", info.image),
    state: info.state,
    status: text("status", info.status),
    created: info.created,
    startedAt: info.startedAt,
    finishedAt: info.finishedAt,
    exitCode: info.exitCode,
    restartCount: info.restartCount,
    health: info.health,
    labels: capLabels(info.labels, cuts),
    ports: capPorts(info.ports, cuts),
    composeProject: optionalText("compose project", info.composeProject),
    composeService: optionalText("compose service", info.composeService),
    tty: info.tty,
  };
  if (info.oomKilled !== undefined) capped.oomKilled = info.oomKilled;
  if (info.logs !== undefined) {
    capped.logs = {
      driver: text("log driver", info.logs.driver),
      unreadable: optionalText("why the logs are unreadable", info.logs.unreadable),
    };
  }
  const notes = cuts.length === 0 ? [] : [`cut to fit the protocol's limits: ${cuts.join(", ")}`];
  if (info.metadataNote !== undefined) notes.unshift(info.metadataNote);
  if (notes.length > 0) capped.metadataNote = cutText(notes.join("; "), LIMITS.shortText);
  return capped;
}

/** The first of several cuts of one kind named, the others counted: a note stays short however much is cut. */
function firstAndCount(items: readonly string[], kind: string): string[] {
  return items.length <= 1 ? [...items] : [`${items[0]} and ${items.length - 1} more ${kind}`];
}

function capLabels(labels: Readonly<Record<string, string>>, cuts: string[]): Labels {
  const out = Object.create(null) as Labels;
  const keys = Object.keys(labels);
  let count = 0;
  let chars = 0;
  let longKeys = 0;
  let past = 0;
  const cutValues: string[] = [];
  // Protection keys first, and among them those whose own value protects: however many spellings
  // saying "false" fill the budget, a label that protects is never the one left out (fail closed).
  const protecting = (k: string): boolean => isProtected({ [k]: labels[k] ?? "" });
  const protectionKeys = keys.filter(isProtectionKey);
  const ordered = [
    ...protectionKeys.filter(protecting),
    ...protectionKeys.filter((k) => !protecting(k)),
    ...keys.filter((k) => !isProtectionKey(k)),
  ];
  for (const written of ordered) {
    const raw = labels[written] ?? "";
    // A protection key padded past the limit with spaces still protects, under its trimmed spelling.
    const key = written.length > LIMITS.labelKeyChars && isProtectionKey(written) ? written.trim() : written;
    if (key.length > LIMITS.labelKeyChars || Object.hasOwn(out, key)) {
      longKeys++;
      continue;
    }
    const value = cutText(raw, LIMITS.labelValueChars);
    if (
      count === LIMITS.labelsPerContainer ||
      chars + key.length + value.length > LIMITS.labelCharsPerContainer
    ) {
      past++;
      continue;
    }
    out[key] = value;
    count++;
    chars += key.length + value.length;
    if (key !== written) cuts.push(`label key ${JSON.stringify(key)} (${written.length} chars) trimmed`);
    if (value !== raw)
      cutValues.push(`label ${JSON.stringify(cutText(key, NOTED_KEY_CHARS))} (${raw.length} chars)`);
  }
  cuts.push(...firstAndCount(cutValues, "labels"));
  if (longKeys > 0) cuts.push(`${longKeys} labels with keys over ${LIMITS.labelKeyChars} chars left out`);
  if (past > 0) {
    cuts.push(
      `${past} labels past ${LIMITS.labelsPerContainer} labels or ${LIMITS.labelCharsPerContainer} chars left out`,
    );
  }
  return out;
}

/** A port entry being summarised: the range it covers so far. */
interface PortRun {
  port: Port;
  end: number;
}

function capPorts(ports: readonly UncappedPort[], cuts: string[]): Port[] {
  const summary = summarisePorts(ports);
  const longIps = ports.filter((p) => p.ip !== null && p.ip.length > LIMITS.portIpChars).length;
  if (longIps > 0) cuts.push(`${longIps} port addresses over ${LIMITS.portIpChars} chars`);
  const extra = summary.length - LIMITS.portsPerContainer;
  if (extra > 0) cuts.push(`${extra} port entries past ${LIMITS.portsPerContainer} left out`);
  return summary.slice(0, LIMITS.portsPerContainer);
}

/**
 * Ports sorted by private port, consecutive ones of the same protocol and address, either all
 * unbound or bound to consecutive public ports, merged into one entry whose `privatePortEnd` is
 * the last private port (absent for a single port). Entries that already are ranges merge too.
 */
function summarisePorts(ports: readonly UncappedPort[]): Port[] {
  const group = (p: Port) => `${p.protocol} ${p.ip ?? ""} ${p.publicPort === null ? "unbound" : "bound"}`;
  const sorted = ports
    .map((p): Port => ({ ...p, ip: p.ip === null ? null : cutText(p.ip, LIMITS.portIpChars) }))
    .sort((a, b) => group(a).localeCompare(group(b)) || a.privatePort - b.privatePort);
  const runs: PortRun[] = [];
  for (const port of sorted) {
    const end = Math.max(port.privatePort, port.privatePortEnd ?? port.privatePort);
    const run = runs.at(-1);
    if (run !== undefined && group(run.port) === group(port) && port.privatePort === run.end + 1) {
      const nextPublic =
        run.port.publicPort === null ? null : run.port.publicPort + (run.end - run.port.privatePort) + 1;
      if (port.publicPort === nextPublic) {
        run.end = end;
        continue;
      }
    }
    runs.push({ port, end });
  }
  return runs
    .map(({ port, end }): Port => {
      const { privatePort, publicPort, protocol, ip } = port;
      return end > privatePort
        ? { privatePort, privatePortEnd: end, publicPort, protocol, ip }
        : { privatePort, publicPort, protocol, ip };
    })
    .sort((a, b) => a.privatePort - b.privatePort || group(a).localeCompare(group(b)));
}

/** A container the server could not read at all (not a size problem): left out, the rest of its message kept. */
export interface RefusedContainer {
  /** Its id when that much was readable. */
  containerId: string | null;
  reason: string;
}

/** What a receiver set aside while reading one message; absent when nothing was. */
export interface Refusals {
  refused?: RefusedContainer[];
}

/** One container as received: validated on its own and capped, or refused with the reason. */
export function readContainer(value: unknown): { container: ContainerInfo } | { refused: RefusedContainer } {
  const parsed = UncappedContainerInfo.safeParse(value);
  if (parsed.success) return { container: capContainerInfo(parsed.data) };
  const id = (value as { id?: unknown } | null)?.id;
  const issue = parsed.error.issues[0];
  return {
    refused: {
      containerId: typeof id === "string" ? id.slice(0, 64) : null,
      reason:
        issue === undefined
          ? "invalid"
          : `${issue.path.map(String).join(".")}: ${issue.message}`.slice(0, 256),
    },
  };
}

/** `refused` only when something was, so that a message without refusals keeps its shape. */
function withRefusals<T extends object>(message: T, refused: RefusedContainer[]): T & Refusals {
  return refused.length === 0 ? message : { ...message, refused };
}

/**
 * A container list as received: each entry read by `readContainer`, so that one container that
 * cannot be read is refused alone and one larger than the limits is cut, never failing the list.
 */
export function readContainerList<T extends object>(
  message: T & { containers: readonly unknown[] },
): Omit<T, "containers"> & { containers: ContainerInfo[] } & Refusals {
  const containers: ContainerInfo[] = [];
  const refused: RefusedContainer[] = [];
  for (const value of message.containers) {
    const read = readContainer(value);
    if ("container" in read) containers.push(read.container);
    else refused.push(read.refused);
  }
  return withRefusals({ ...message, containers }, refused);
}

/** A container event as received: its container still unread (see readEventList). */
export const ReceivedContainerEvent = ContainerEvent.extend({ container: z.unknown() });

/**
 * Events as received: each event's container read by `readContainer`; an event whose container
 * cannot be read is refused alone (null stays null: the container is gone).
 */
export function readEventList<T extends object>(
  message: T & { events: readonly z.infer<typeof ReceivedContainerEvent>[] },
): Omit<T, "events"> & { events: ContainerEvent[] } & Refusals {
  const events: ContainerEvent[] = [];
  const refused: RefusedContainer[] = [];
  for (const event of message.events) {
    if (event.container === null) {
      events.push({ ...event, container: null });
      continue;
    }
    const read = readContainer(event.container);
    if ("container" in read) events.push({ ...event, container: read.container });
    else refused.push({ ...read.refused, containerId: event.containerId });
  }
  return withRefusals({ ...message, events }, refused);
}
