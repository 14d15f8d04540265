"use client";
import type { Role, User } from "@crowsnest/protocol";
import { type FormEvent, useState } from "react";
import { AdminOnly } from "../../../../components/admin-only.tsx";
import { useSession } from "../../../../components/session.tsx";
import { Empty, ErrorState, Loading } from "../../../../components/states.tsx";
import { ANY, errorText, request } from "../../../../lib/api.ts";
import { formatTime } from "../../../../lib/format.ts";
import { useRead } from "../../../../lib/hooks.ts";
import { UserList, UserOne } from "../../../../lib/schemas.ts";

const ROLES: Role[] = ["ADMIN", "OPERATOR", "VIEWER"];

export function UsersClient() {
  return (
    <AdminOnly>
      <Users />
    </AdminOnly>
  );
}

function Users() {
  const { me } = useSession();
  const users = useRead("users", (signal) => request(UserList, "/api/users", { signal }));
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const act = async (what: string, fn: () => Promise<unknown>) => {
    setMessage(null);
    try {
      await fn();
      setMessage({ ok: true, text: what });
      users.reload();
    } catch (err) {
      setMessage({ ok: false, text: `${what} failed: ${errorText(err)}` });
    }
  };

  return (
    <div className="stack">
      <h1>Users</h1>
      <CreateUser
        onCreated={(u) => {
          setMessage({ ok: true, text: `Created ${u.username}` });
          users.reload();
        }}
      />
      {message && (
        <output className={message.ok ? "result ok" : "result error"} data-testid="users-message">
          {message.text}
        </output>
      )}
      <section className="card" aria-label="All users">
        {users.state.status === "loading" ? (
          <Loading what="users" />
        ) : users.state.status === "error" && !users.state.data ? (
          <ErrorState error={users.state.error} onRetry={users.reload} />
        ) : (users.state.data ?? []).length === 0 ? (
          <Empty>No users.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="users-table">
              <thead>
                <tr>
                  <th>User</th>
                  <th>Role</th>
                  <th>Status</th>
                  <th className="hide-sm">Created</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {(users.state.data ?? []).map((u) => (
                  <UserRow key={u.id} user={u} self={u.id === me?.id} act={act} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function UserRow({
  user,
  self,
  act,
}: {
  user: User;
  self: boolean;
  act: (what: string, fn: () => Promise<unknown>) => Promise<void>;
}) {
  const [password, setPassword] = useState("");
  const path = `/api/users/${encodeURIComponent(user.id)}`;
  return (
    <tr data-testid="user-row" data-user={user.username}>
      <td>
        {user.username} {self && <span className="badge">you</span>}
      </td>
      <td>
        <select
          aria-label={`Role of ${user.username}`}
          value={user.role}
          onChange={(e) =>
            void act(`Changed ${user.username}'s role to ${e.target.value}`, () =>
              request(UserOne, path, { method: "PATCH", body: { role: e.target.value } }),
            )
          }
          data-testid="user-role-select"
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </td>
      <td>
        {user.disabled ? (
          <span className="state-badge st-exited">disabled</span>
        ) : (
          <span className="state-badge st-running">active</span>
        )}
      </td>
      <td className="hide-sm">{formatTime(user.createdAt)}</td>
      <td>
        <div className="row wrap">
          <button
            type="button"
            onClick={() =>
              void act(`${user.disabled ? "Enabled" : "Disabled"} ${user.username}`, () =>
                request(UserOne, path, { method: "PATCH", body: { disabled: !user.disabled } }),
              )
            }
            data-testid="user-toggle-disabled"
          >
            {user.disabled ? "Enable" : "Disable"}
          </button>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              void act(`Reset ${user.username}'s password`, () =>
                request(UserOne, path, { method: "PATCH", body: { password } }),
              ).then(() => setPassword(""));
            }}
          >
            <input
              type="password"
              autoComplete="new-password"
              placeholder="new password"
              aria-label={`New password for ${user.username}`}
              value={password}
              minLength={10}
              onChange={(e) => setPassword(e.target.value)}
              data-testid="user-new-password"
            />
            <button type="submit" disabled={password.length === 0} data-testid="user-reset-password">
              Reset password
            </button>
          </form>
          <button
            type="button"
            className="danger-outline"
            onClick={() => {
              if (window.confirm(`Delete user ${user.username}?`)) {
                void act(`Deleted ${user.username}`, () => request(ANY, path, { method: "DELETE" }));
              }
            }}
            data-testid="user-delete"
          >
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}

function CreateUser({ onCreated }: { onCreated: (u: User) => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("VIEWER");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const res = await request(UserOne, "/api/users", {
        method: "POST",
        body: { username, password, role },
      });
      setUsername("");
      setPassword("");
      onCreated(res);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form className="card row wrap" onSubmit={(e) => void submit(e)} aria-label="Create user">
      <input
        placeholder="username"
        aria-label="Username"
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        required
        data-testid="new-user-name"
      />
      <input
        type="password"
        autoComplete="new-password"
        placeholder="password (10+ characters)"
        aria-label="Password"
        value={password}
        minLength={10}
        onChange={(e) => setPassword(e.target.value)}
        required
        data-testid="new-user-password"
      />
      <select
        aria-label="Role"
        value={role}
        onChange={(e) => setRole(e.target.value as Role)}
        data-testid="new-user-role"
      >
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <button type="submit" className="primary" data-testid="new-user-submit">
        Create user
      </button>
      {error && (
        <p className="error" role="alert" data-testid="new-user-error">
          {error}
        </p>
      )}
    </form>
  );
}
