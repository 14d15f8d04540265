import { randomBytes } from "node:crypto";
import { cliCommand } from "../cli-command.ts";
import type { UserRepository } from "../store/user-repository.ts";
import type { PasswordHasher } from "./password.ts";

export const FIRST_ADMIN_USERNAME = "admin";

/**
 * On a server with no users at all, creates the `admin` account: with CROWSNEST_ADMIN_PASSWORD
 * when it is set, or else a generated password that is handed to `announce` exactly once
 * (it is never stored in clear, so it cannot be shown again: use `user reset-password`).
 */
export async function ensureFirstAdmin(
  users: UserRepository,
  hasher: PasswordHasher,
  configuredPassword: string | null,
  announce: (message: string) => void,
  now: number,
): Promise<void> {
  if ((await users.count()) > 0) return;
  const password = configuredPassword ?? randomBytes(15).toString("base64url");
  const created = await users.create({
    username: FIRST_ADMIN_USERNAME,
    role: "ADMIN",
    passwordHash: await hasher.hash(password),
    createdAt: now,
  });
  if (!created) return; // another process created it between the count and the insert
  announce(
    configuredPassword === null
      ? `created the first user "${FIRST_ADMIN_USERNAME}" with the generated password: ${password}\n` +
          `  (shown only this once; change it with \`${cliCommand()} user reset-password admin\`)`
      : `created the first user "${FIRST_ADMIN_USERNAME}" with the password from CROWSNEST_ADMIN_PASSWORD`,
  );
}
