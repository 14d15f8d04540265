import type { CreateUserRequest, UpdateUserRequest, User } from "@crowsnest/protocol";
import { AppError } from "../errors/app-error.ts";
import type { UserChange, UserRecord, UserRepository } from "../store/user-repository.ts";
import type { PasswordHasher } from "./password.ts";
import type { SessionManager } from "./sessions.ts";
import { signOutEverywhere, type UserSocketCloser } from "./sign-out.ts";

export interface UserAdminDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  sessions: SessionManager;
  sockets: UserSocketCloser;
  now: () => number;
}

/** Account management shared by the admin REST routes and the CLI. */
export class UserAdmin {
  readonly #deps: UserAdminDeps;

  constructor(deps: UserAdminDeps) {
    this.#deps = deps;
  }

  async list(): Promise<User[]> {
    return (await this.#deps.users.list()).map(toUser);
  }

  async create(request: CreateUserRequest): Promise<User> {
    const passwordHash = await this.#deps.hasher.hash(request.password);
    const user = await this.#deps.users.create({
      username: request.username,
      role: request.role,
      passwordHash,
      createdAt: this.#deps.now(),
    });
    if (!user) throw new AppError("conflict", `the username "${request.username}" is taken`);
    return toUser(user);
  }

  /**
   * Applies a role, disabled or password change. Any of them ends the user's sessions and closes
   * their live sockets, so that the change takes effect at once everywhere.
   */
  async update(id: string, request: UpdateUserRequest): Promise<User> {
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
  }

  async delete(id: string): Promise<void> {
    expectDone(await this.#deps.users.delete(id), id, "delete");
    // The sessions went with the row (ON DELETE CASCADE); the sockets must be closed by hand.
    this.#deps.sockets.closeUser(id, "your account was deleted");
  }

  /** For the CLI: sets a new password by username and signs the user out everywhere. */
  async resetPassword(username: string, password: string): Promise<User> {
    const user = await this.#deps.users.findByUsername(username);
    if (!user) throw new AppError("not_found", `no user "${username}"`);
    return this.update(user.id, { password });
  }
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
