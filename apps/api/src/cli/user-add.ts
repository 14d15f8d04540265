import { parseArgs } from "node:util";
import { Role, Username } from "@crowsnest/protocol";
import { CLI_ACTOR } from "../auth/audit-trail.ts";
import type { Config } from "../config.ts";
import { openStore } from "../store/open-store.ts";
import { readOrGeneratePassword } from "./password-input.ts";
import { userAdminForCli } from "./user-admin-for-cli.ts";

const USAGE =
  "usage: user add <username> --role ADMIN|OPERATOR|VIEWER  (password: piped on stdin, or generated)";

/** `user add <username> --role R`: creates a user; a generated password is printed once. */
export async function userAdd(args: readonly string[], config: Config, json: boolean): Promise<void> {
  const { positionals, values } = parseArgs({
    args: [...args],
    options: { role: { type: "string" } },
    allowPositionals: true,
  });
  const username = Username.safeParse(positionals[0]);
  const role = Role.safeParse(values.role);
  if (positionals.length !== 1 || !username.success || !role.success) throw new Error(USAGE);
  const { password, generated } = await readOrGeneratePassword();
  const store = await openStore(config);
  try {
    const user = await userAdminForCli(config, store).create(
      { username: username.data, password, role: role.data },
      CLI_ACTOR,
    );
    const shown = generated ? password : null;
    if (json) {
      process.stdout.write(`${JSON.stringify({ ...user, generatedPassword: shown })}\n`);
      return;
    }
    process.stdout.write(`created ${user.role} "${user.username}" (id ${user.id})\n`);
    if (shown) process.stdout.write(`password (shown only this once): ${shown}\n`);
  } finally {
    await store.close();
  }
}
