import { parseArgs } from "node:util";
import { Role, Username } from "@crowsnest/protocol";
import { CLI_ACTOR } from "../auth/audit-trail.ts";
import type { Config } from "../config.ts";
import { type CliCommand, usageOf, withStore } from "./command.ts";
import { readOrGeneratePassword } from "./password-input.ts";
import { userAdminForCli } from "./user-admin-for-cli.ts";

const ROLES = Role.options.join(", ");

/** `--role`'s value in any case (`admin`, `Admin`), or an error naming the roles. */
function roleOf(value: string | undefined): Role {
  if (value === undefined) throw new Error(`--role is required: one of ${ROLES}\n${usageOf(userAdd)}`);
  const role = Role.safeParse(value.toUpperCase());
  if (!role.success) throw new Error(`--role: "${value}" is not a role: one of ${ROLES}`);
  return role.data;
}

/** `user add <username> --role R`: creates a user; a generated password is printed once. */
export const userAdd: CliCommand = {
  name: "user add",
  args: "<username> --role ADMIN|OPERATOR|VIEWER",
  summary: "creates a user (password: the first line piped on stdin, or generated and printed once)",
  async run(args: readonly string[], config: Config, json: boolean): Promise<void> {
    const { positionals, values } = parseArgs({
      args: [...args],
      options: { role: { type: "string" } },
      allowPositionals: true,
    });
    const username = Username.safeParse(positionals[0]);
    if (positionals.length !== 1 || !username.success) throw new Error(usageOf(userAdd));
    const role = roleOf(values.role);
    const { password, generated } = await readOrGeneratePassword();
    await withStore(config, async (store) => {
      const user = await userAdminForCli(config, store).create(
        { username: username.data, password, role },
        CLI_ACTOR,
      );
      const shown = generated ? password : null;
      if (json) {
        process.stdout.write(`${JSON.stringify({ ...user, generatedPassword: shown })}\n`);
        return;
      }
      process.stdout.write(`created ${user.role} "${user.username}" (id ${user.id})\n`);
      if (shown) process.stdout.write(`password (shown only this once): ${shown}\n`);
    });
  },
};
