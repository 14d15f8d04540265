import type { CreateUserRequest, UpdateUserRequest, User } from "@crowsnest/protocol";
import { AppError } from "../errors/app-error.ts";
import type { UserChange, UserRecord, UserRepository } from "../store/user-repository.ts";
import type { AuditActor, AuditTrail } from "./audit-trail.ts";
import type { PasswordHasher } from "./password.ts";
import type { SessionManager } from "./sessions.ts";
import { signOutEverywhere, type UserSocketCloser } from "./sign-out.ts";

export interface UserAdminDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  sessions: SessionManager;
  sockets: UserSocketCloser;
  audit: AuditTrail;
  now: () => number;
}

/**
 * Account management shared by the admin REST routes and the CLI. Every change is audited, with
 * its actor, whether it succeeded or failed (a taken username, the last ADMIN, no such user).
 */
export class UserAdmin {
  readonly #deps: UserAdminDeps;

  constructor(deps: UserAdminDeps) {
    this.#deps = deps;
  }

  async list(): Promise<User[]> {
    return (await this.#deps.users.list()).map(toUser);
  }

  async create(request: CreateUserRequest, actor: AuditActor): Promise<User> {
    const event = {
      action: "user.create",
      target: { id: null, name: request.username },
      detail: `role ${request.role}`,
    } as const;
    const work = async () => {
      const passwordHash = await this.#deps.hasher.hash(request.password);
      const user = await this.#deps.users.create({
        username: request.username,
        role: request.role,
        passwordHash,
        createdAt: this.#deps.now(),
      });
      if (!user) throw new AppError("conflict", `the username "${request.username}" is taken`);
      return toUser(user);
    };
    return this.#deps.audit.run(actor, event, work, (user) => ({
      target: { id: user.id, name: user.username },
    }));
  }

  /**
   * Applies a role, disabled or password change. Any of them ends the user's sessions and closes
   * their live sockets, so that the change takes effect at once everywhere.
   */
  async update(id: string, request: UpdateUserRequest, actor: AuditActor): Promise<User> {
    const before = await this.#deps.users.get(id);
    const event = {
      action: "user.update",
      target: { id, name: before?.username ?? null },
      detail: describeUpdate(before, request),
    } as const;
    return this.#deps.audit.run(actor, event, async () => {
      const passwordHash =
        request.password === undefined ? undefined : await this.#deps.hasher.hash(request.password);
      const change = await this.#deps.users.update(id, {
        ...(request.role === undefined ? {} : { role: request.role }),
        ...(request.disabled === undefined ? {} : { disabled: request.disabled }),
        ...(passwordHash === undefined ? {} : { passwordHash }),
      });
      const user = expectDone(change, id, "demote or disable");
      await signOutEverywhere(this.#deps.sessions, this.#deps.sockets, id, "your account was changed");
      return toUser(user);
    });
  }

  async delete(id: string, actor: AuditActor): Promise<void> {
    const before = await this.#deps.users.get(id);
    const event = { action: "user.delete", target: { id, name: before?.username ?? null } } as const;
    await this.#deps.audit.run(actor, event, async () => {
      expectDone(await this.#deps.users.delete(id), id, "delete");
      // The sessions went with the row (ON DELETE CASCADE); the sockets must be closed by hand.
      this.#deps.sockets.closeUser(id, "your account was deleted");
    });
  }

  /** For the CLI: sets a new password by username and signs the user out everywhere. */
  async resetPassword(username: string, password: string, actor: AuditActor): Promise<User> {
    const user = await this.#deps.users.findByUsername(username);
    if (!user) throw new AppError("not_found", `no user "${username}"`);
    return this.update(user.id, { password }, actor);
  }
}

/** What an update asks for, for the audit log: e.g. `role VIEWER → ADMIN, disabled, password changed`. */
function describeUpdate(before: UserRecord | null, request: UpdateUserRequest): string {
  const parts: string[] = [];
  if (request.role !== undefined) parts.push(`role ${before ? `${before.role} → ` : ""}${request.role}`);
  if (request.disabled !== undefined) parts.push(request.disabled ? "disabled" : "enabled");
  if (request.password !== undefined) parts.push("password changed");
  return parts.length === 0 ? "nothing changed" : parts.join(", ");
}

function expectDone(change: UserChange, id: string, verb: string): UserRecord {
  if (change.kind === "not_found") throw new AppError("not_found", `no user with id "${id}"`);
  if (change.kind === "last_admin") {
    throw new AppError("conflict", `cannot ${verb} the last active ADMIN: make another user ADMIN first`);
  }
  return change.user;
}

function toUser(record: UserRecord): User {
  return {
    id: record.id,
    username: record.username,
    role: record.role,
    disabled: record.disabled,
    createdAt: record.createdAt,
  };
}
