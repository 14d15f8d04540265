import { PROTECTED_LABEL } from "./container.ts";

/** The only values that leave a container unprotected, compared trimmed and in lower case. */
const UNPROTECTING_VALUES: ReadonlySet<string> = new Set(["false", "0", "no", "off"]);

/** One label as the container carries it, spelling, case and spaces kept. */
export interface WrittenLabel {
  key: string;
  value: string;
}

/**
 * The labels that make a container protected, as written: every key equal to
 * `com.docker.dashboard.protected` once trimmed and lower-cased, whose value, trimmed and
 * lower-cased, is anything but `false`, `0`, `no` or `off`. A key with an empty value (Docker's
 * `--label com.docker.dashboard.protected`) protects. Empty when the container is not protected.
 */
export function protectingLabels(labels: Readonly<Record<string, string>>): WrittenLabel[] {
  return Object.entries(labels)
    .filter(
      ([key, value]) =>
        key.trim().toLowerCase() === PROTECTED_LABEL && !UNPROTECTING_VALUES.has(value.trim().toLowerCase()),
    )
    .map(([key, value]) => ({ key, value }));
}

/**
 * Whether only an ADMIN may stop, restart, kill or pause the container. The one rule shared by
 * the server's policy, the agent's re-check at execution time and the dashboard. It fails closed:
 * whoever wrote `TRUE`, ` true`, `1`, `yes` or `com.docker.dashboard.Protected` meant protection,
 * so only an explicit `false`, `0`, `no` or `off` under every spelling of the key lifts it.
 */
export function isProtected(labels: Readonly<Record<string, string>>): boolean {
  return protectingLabels(labels).length > 0;
}

/** `key=value` as the label was written, the value quoted so that spaces and control characters show. */
export function writtenLabelText(label: WrittenLabel): string {
  return `${label.key}=${JSON.stringify(label.value)}`;
}
