import { Username } from "@crowsnest/protocol";
import { AuditTrail, CLI_ACTOR } from "../auth/audit-trail.ts";
import { LoginThrottle } from "../auth/login-throttle.ts";
import { type CliCommand, usageOf, withStore } from "./command.ts";

/**
 * `user unlock <username>`: forgets the account's failed logins, from every address, so its
 * owner can sign in at once. A running server sees it on the next attempt: the counters live
 * in the store. Audited as `user.unlock` by the CLI.
 */
export const userUnlock: CliCommand = {
  name: "user unlock",
  args: "<username>",
  summary: "forgets the account's failed sign-ins, so its owner can sign in at once",
  async run(args, config, json) {
    const username = Username.safeParse(args[0]);
    if (args.length !== 1 || !username.success) throw new Error(usageOf(userUnlock));
    await withStore(config, async (store) => {
      const user = await store.users.findByUsername(username.data);
      const cleared = await new AuditTrail(store.audit).run(
        CLI_ACTOR,
        { action: "user.unlock", target: { id: user?.id ?? null, name: user?.username ?? username.data } },
        () => new LoginThrottle(store.loginFailures, config.auth.loginThrottle).unlock(username.data),
        (count) => ({ detail: `${count} failed-sign-in counters cleared` }),
      );
      if (json) {
        process.stdout.write(`${JSON.stringify({ username: username.data, clearedCounters: cleared })}\n`);
        return;
      }
      process.stdout.write(
        cleared > 0
          ? `"${username.data}" unlocked: its failed sign-ins are forgotten\n`
          : `"${username.data}" had no failed sign-ins to forget\n`,
      );
    });
  },
};
