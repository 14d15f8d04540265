import { Username } from "@crowsnest/protocol";
import { CLI_ACTOR } from "../auth/audit-trail.ts";
import { type CliCommand, usageOf, withStore } from "./command.ts";
import { readOrGeneratePassword } from "./password-input.ts";
import { userAdminForCli } from "./user-admin-for-cli.ts";

/** `user reset-password <username>`: sets a new password and ends the user's sessions. */
export const userResetPassword: CliCommand = {
  name: "user reset-password",
  args: "<username>",
  summary: "sets a new password (piped on stdin, or generated and printed once) and ends the user's sessions",
  async run(args, config, json) {
    const username = Username.safeParse(args[0]);
    if (args.length !== 1 || !username.success) throw new Error(usageOf(userResetPassword));
    const { password, generated } = await readOrGeneratePassword();
    await withStore(config, async (store) => {
      await userAdminForCli(config, store).resetPassword(username.data, password, CLI_ACTOR);
      const shown = generated ? password : null;
      if (json) {
        process.stdout.write(`${JSON.stringify({ username: username.data, generatedPassword: shown })}\n`);
        return;
      }
      process.stdout.write(`new password set for "${username.data}"; their sessions were ended\n`);
      if (shown) process.stdout.write(`password (shown only this once): ${shown}\n`);
    });
  },
};
