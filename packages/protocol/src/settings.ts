/**
 * Settings of a program as one declarative table (name, flag, environment variable, kind, default,
 * help) from which parsing, the one-line refusal of a bad value, `--help` and the README's table
 * are all derived. Node-only (it parses argv), so it is its own entry: `@crowsnest/protocol/settings`.
 */
import { isIP } from "node:net";
import { parseArgs } from "node:util";
import { z } from "zod";

/** A setting refused at start; the message is one line naming the setting, its value and what is allowed. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** `--help` was given: the program prints its help text instead of starting. */
export class HelpRequested extends Error {
  override name = "HelpRequested";
}

/** How a setting's text becomes its value, and how what it accepts is described. */
export interface Kind<T> {
  /** Text (from a flag or the environment, trimmed) to value. */
  readonly schema: z.ZodType<T, string>;
  /** What is accepted, for the refusal, `--help` and the README: "a whole number from 1 to 5" ("" for any text). */
  readonly allowed: string;
  /** The flag's placeholder in `--help`: N, URL, FILE. */
  readonly placeholder: string;
  /** A value as the documentation shows it. */
  readonly show: (value: T) => string;
  /** A flag without a value (`--web-dev`); its variable takes 1/0/true/false. */
  readonly isSwitch?: boolean;
}

/** One row of a program's table; see setting(). */
export interface Setting<V> {
  readonly flag: string | null;
  readonly env: string | null;
  readonly help: string;
  readonly allowed: string;
  readonly placeholder: string;
  readonly isSwitch: boolean;
  /** The value is never repeated in a refusal (a password, a token). */
  readonly secret: boolean;
  /** The default as documented ("required" when there is none). */
  readonly defaultText: string;
  /** The value when neither the flag nor the variable is given; null: the setting is required. */
  readonly fallback: { readonly value: V } | null;
  readonly parse: (text: string) => { ok: true; value: V } | { ok: false };
}

interface SettingSpec<T> {
  /** The flag without its dashes; absent: environment only. */
  flag?: string;
  env?: string;
  help: string;
  kind: Kind<T>;
  secret?: boolean;
  /** The default as the documentation should show it, when `kind.show` would not say it well. */
  defaultText?: string;
}

/** A setting with a default, with none (`default: null`), or one that must be given (`required: true`). */
export function setting<T>(spec: SettingSpec<T> & { default: NoInfer<T> }): Setting<T>;
export function setting<T>(spec: SettingSpec<T> & { default: null }): Setting<T | null>;
export function setting<T>(spec: SettingSpec<T> & { required: true }): Setting<T>;
export function setting<T>(
  spec: SettingSpec<T> & { default?: T | null; required?: true },
): Setting<T | null> {
  const { kind } = spec;
  const fallback = spec.required === true ? null : { value: spec.default ?? null };
  const shownDefault =
    fallback === null ? "required" : fallback.value === null ? "none" : kind.show(fallback.value);
  return {
    flag: spec.flag ?? null,
    env: spec.env ?? null,
    help: spec.help,
    allowed: kind.allowed,
    placeholder: kind.placeholder,
    isSwitch: kind.isSwitch === true,
    secret: spec.secret === true,
    defaultText: spec.defaultText ?? shownDefault,
    fallback,
    parse: (text) => {
      const parsed = kind.schema.safeParse(text);
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false };
    },
  };
}

/** A program's settings by the name its code uses. */
export type SettingsTable = Readonly<Record<string, Setting<unknown>>>;

/** The values a table parses to. */
export type SettingValues<S extends SettingsTable> = {
  [K in keyof S]: S[K] extends Setting<infer V> ? V : never;
};

/** Where a value came from; a flag wins over the environment. */
export type SettingSource = "flag" | "env" | "default";

/**
 * Parses argv and the environment against the table. Throws HelpRequested for `--help` and a
 * ConfigError (one line) for an unknown flag, a missing required setting or a refused value.
 */
export function parseSettings<S extends SettingsTable>(
  table: S,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { values: SettingValues<S>; sources: Record<keyof S, SettingSource> } {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const s of Object.values(table)) {
    if (s.flag !== null) options[s.flag] = { type: s.isSwitch ? "boolean" : "string" };
  }
  let flags: Record<string, string | boolean | undefined>;
  try {
    ({ values: flags } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError((err as Error).message.split("\n")[0] ?? "bad arguments");
  }
  if (flags.help === true) throw new HelpRequested("--help");
  const values: Record<string, unknown> = {};
  const sources: Record<string, SettingSource> = {};
  for (const [key, s] of Object.entries(table)) {
    const flag = s.flag === null ? undefined : flags[s.flag];
    const fromFlag = typeof flag === "boolean" ? String(flag) : nonEmpty(flag);
    const fromEnv = s.env === null ? undefined : nonEmpty(env[s.env]);
    const text = fromFlag ?? fromEnv;
    if (text === undefined) {
      if (s.fallback === null) throw new ConfigError(`${settingName(s)} is required`);
      values[key] = s.fallback.value;
      sources[key] = "default";
      continue;
    }
    const parsed = s.parse(text);
    if (!parsed.ok) {
      const name = fromFlag !== undefined ? `--${s.flag}` : s.env;
      const shown = s.secret ? "(hidden)" : JSON.stringify(text);
      throw new ConfigError(`${name}=${shown} is not allowed: ${s.allowed}`);
    }
    values[key] = parsed.value;
    sources[key] = fromFlag !== undefined ? "flag" : "env";
  }
  return { values: values as SettingValues<S>, sources: sources as Record<keyof S, SettingSource> };
}

/** `--flag (or VARIABLE)`, whichever of the two the setting has. */
function settingName(s: Setting<unknown>): string {
  if (s.flag === null) return s.env ?? "";
  return s.env === null ? `--${s.flag}` : `--${s.flag} (or ${s.env})`;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

/**
 * For a program's entry point: runs `load` (which parses with parseSettings); after `--help` prints
 * `help` and exits 0, after a ConfigError prints its one line and exits 2.
 */
export function loadOrExit<T>(program: string, help: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(help);
      process.exit(0);
    }
    if (err instanceof ConfigError) exitWithConfigError(program, err);
    throw err;
  }
}

/** Bad configuration: one line on stderr, no stack, exit code 2. */
export function exitWithConfigError(program: string, err: ConfigError): never {
  process.stderr.write(`${program}: ${err.message} (--help lists the settings)\n`);
  process.exit(2);
}

/** What is allowed and the default, as --help shows them after the setting's help. */
function allowedAndDefault(s: Setting<unknown>): string {
  const parts = [s.allowed, s.fallback === null ? "required" : `default ${s.defaultText}`];
  return parts.filter((part) => part !== "").join("; ");
}

/** `--help`: a header, then per setting its flag and variable, and under them its help, what is allowed and the default. */
export function helpText(header: string, table: SettingsTable): string {
  const rows = Object.values(table).map((s) => {
    const flag = s.flag === null ? null : `--${s.flag}${s.isSwitch ? "" : ` ${s.placeholder}`}`;
    const names = [flag, s.env].filter((name) => name !== null).join(", ");
    return `  ${names}\n      ${s.help} (${allowedAndDefault(s)})`;
  });
  return `${header}\n\n${rows.join("\n")}\n  --help\n      show this text\n`;
}

/** The README's table of a program's settings. */
export function markdownTable(table: SettingsTable): string {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  const code = (text: string | null) => (text === null ? "" : `\`${text}\``);
  const rows = Object.values(table).map(
    (s) =>
      `| ${code(s.env)} | ${code(s.flag === null ? null : `--${s.flag}`)} | ${cell(s.defaultText)} | ${cell(s.allowed)} | ${cell(s.help)} |`,
  );
  return [
    "| variable | flag | default | allowed | what it sets |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

// ---- kinds ----------------------------------------------------------------

const MS_UNITS: readonly [number, string][] = [
  [86_400_000, "d"],
  [3_600_000, "h"],
  [60_000, "min"],
  [1_000, "s"],
];
const BYTE_UNITS: readonly [number, string][] = [
  [2 ** 40, "TiB"],
  [2 ** 30, "GiB"],
  [2 ** 20, "MiB"],
  [2 ** 10, "KiB"],
];

/** "86400000 (1 d)": the number, and in the largest unit that divides it, when there is one. */
function withUnit(n: number, units: readonly [number, string][] | null): string {
  const unit = units?.find(([size]) => n >= size && n % size === 0);
  return unit === undefined ? String(n) : `${n} (${n / unit[0]} ${unit[1]})`;
}

/**
 * A whole number from `min` to `max` (no upper bound when absent); `unit` says what it counts and
 * shows milliseconds and bytes in readable units too.
 */
export function integer(min: number, max?: number, unit?: "ms" | "bytes" | "s" | "lines/s"): Kind<number> {
  const units = unit === "ms" ? MS_UNITS : unit === "bytes" ? BYTE_UNITS : null;
  const show = (n: number) => withUnit(n, units);
  const range = max === undefined ? `, at least ${show(min)}` : ` from ${show(min)} to ${show(max)}`;
  return {
    schema: z
      .string()
      .regex(/^\d+$/)
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(min)
          .max(max ?? Number.MAX_SAFE_INTEGER),
      ),
    allowed: `a whole number${unit === undefined ? "" : ` of ${unit}`}${range}`,
    placeholder: unit === "ms" ? "MS" : unit === "s" ? "SECONDS" : "N",
    show,
  };
}

/** How a program writes its log lines: readable in a terminal and JSON otherwise (`auto`), or always one. */
export const LOG_FORMATS = ["auto", "json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** CROWSNEST_LOG_FORMAT, the same row in the server's and the agent's tables. */
export function logFormatSetting(): Setting<LogFormat> {
  return setting({
    flag: "log-format",
    env: "CROWSNEST_LOG_FORMAT",
    help: "auto: readable lines (time, level, message) in a terminal, JSON lines otherwise; json or pretty: always that",
    kind: oneOf(LOG_FORMATS, "FORMAT"),
    default: "auto",
  });
}

/**
 * Whether log lines written to `stream` are readable ones rather than JSON: `pretty`, or `auto`
 * and the stream is a terminal (a person reads it; a pipe or a file goes to a log shipper).
 */
export function readableLogs(format: LogFormat, stream: { isTTY?: boolean }): boolean {
  return format === "pretty" || (format === "auto" && stream.isTTY === true);
}

/** One of the given words. */
export function oneOf<const T extends string>(choices: readonly [T, ...T[]], placeholder: string): Kind<T> {
  return { schema: z.enum(choices), allowed: `one of ${choices.join(", ")}`, placeholder, show: String };
}

/** Any text; `placeholder` says what it is (DIR, FILE, TOKEN). */
export function text(placeholder: string): Kind<string> {
  return { schema: z.string(), allowed: "", placeholder, show: String };
}

/** A URL with one of the schemes, kept as given. */
export function url(schemes: readonly string[]): Kind<string> {
  const names = schemes.map((s) => `${s}://`).join(" or ");

  return {
    schema: z.string().refine((raw) => schemes.some((s) => URL.parse(raw)?.protocol === `${s}:`)),
    allowed: `a URL starting with ${names}`,
    placeholder: "URL",
    show: String,
  };
}

/**
 * The URL of a network service with one of the schemes and a host (`nats://10.0.0.5:4222`), kept
 * as given; credentials in it are allowed (mark the setting `secret`).
 */
export function serviceUrl(schemes: readonly string[], example: string): Kind<string> {
  const names = schemes.map((s) => `${s}://`).join(" or ");
  return {
    schema: z.string().refine((raw) => {
      const parsed = URL.parse(raw);
      return parsed !== null && schemes.some((s) => parsed.protocol === `${s}:`) && parsed.hostname !== "";
    }),
    allowed: `a URL starting with ${names} and naming a host, e.g. ${example}`,
    placeholder: "URL",
    show: String,
  };
}

/** A comma-separated list of IP addresses and CIDR ranges. */
export function addressList(): Kind<string[]> {
  const entry = z
    .string()
    .trim()
    .refine((item) => {
      const [address = "", bits, ...rest] = item.split("/");
      const family = isIP(address);
      const maxBits = family === 6 ? 128 : 32;
      const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
      return family !== 0 && bitsOk && rest.length === 0;
    });
  return {
    schema: z
      .string()
      .transform((raw) => raw.split(","))
      .pipe(z.array(entry)),
    allowed: "IP addresses or CIDR ranges, separated by commas",
    placeholder: "LIST",
    show: (list) => list.join(","),
  };
}

/** On or off: a flag without a value, or the variable set to 1/true or 0/false. */
export function onOff(): Kind<boolean> {
  return {
    schema: z.enum(["1", "true", "0", "false"]).transform((v) => v === "1" || v === "true"),
    allowed: "1, true, 0 or false",
    placeholder: "",
    show: (on) => (on ? "on" : "off"),
    isSwitch: true,
  };
}

/** A text checked by the given schema; `allowed` says what the schema accepts. */
export function checked(
  schema: z.ZodType<string, string>,
  allowed: string,
  placeholder: string,
): Kind<string> {
  return { schema, allowed, placeholder, show: String };
}
