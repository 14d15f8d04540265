import { randomBytes } from "node:crypto";
import { text } from "node:stream/consumers";
import { Password } from "@crowsnest/protocol";

/**
 * A new password for the user commands: the first line of standard input when it is piped
 * (`echo "$PW" | … user add …`), or else (a terminal, or nothing piped) a generated one that the caller prints once.
 */
export async function readOrGeneratePassword(): Promise<{ password: string; generated: boolean }> {
  const piped = process.stdin.isTTY ? "" : await text(process.stdin);
  const firstLine = piped.split(/\r?\n/, 1)[0] ?? "";
  if (firstLine === "") return { password: randomBytes(15).toString("base64url"), generated: true };
  const parsed = Password.safeParse(firstLine);
  if (!parsed.success) throw new Error(`password from standard input: ${parsed.error.issues[0]?.message}`);
  return { password: parsed.data, generated: false };
}
