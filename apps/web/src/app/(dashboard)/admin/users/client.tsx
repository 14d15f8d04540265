"use client";
import { Role, User } from "@crowsnest/protocol";
import { type FormEvent, useState } from "react";
import { AdminOnly } from "../../../../components/admin-only.tsx";
import { ConfirmButton } from "../../../../components/confirm.tsx";
import { type Column, DataTable } from "../../../../components/data-table.tsx";
import { Loaded, noItems } from "../../../../components/loaded.tsx";
import { OutcomeMessage } from "../../../../components/outcome-message.tsx";
import { useSession } from "../../../../components/session.tsx";
import { request } from "../../../../lib/api.ts";
import { formatTime } from "../../../../lib/format.ts";
import { NoContent, UserList } from "../../../../lib/schemas.ts";
import { useOutcome } from "../../../../lib/use-outcome.ts";
import { useRead } from "../../../../lib/use-read.ts";

const COLUMNS: Column[] = [
  { label: "User" },
  { label: "Role" },
  { label: "Status" },
  { label: "Created", wide: true },
  { label: "Actions" },
];

type Run = ReturnType<typeof useOutcome>["run"];

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
  const { outcome, run } = useOutcome();
  // Every change reloads the list: the server decides what it came to (e.g. the last ADMIN).
  const change: Run = async (what, operation, describe) => {
    const ok = await run(what, operation, describe);
    users.reload();
    return ok;
  };
  return (
    <div className="stack">
      <h1>Users</h1>
      <CreateUser run={change} />
      <OutcomeMessage outcome={outcome} testId="users-message" />
      <section className="card" aria-label="All users">
        <Loaded read={users} what="users" isEmpty={noItems} empty="No users.">
          {(list) => (
            <DataTable columns={COLUMNS} stackOnPhone testId="users-table">
              {list.map((u) => (
                <UserRow key={u.id} user={u} self={u.id === me?.id} run={change} />
              ))}
            </DataTable>
          )}
        </Loaded>
      </section>
    </div>
  );
}

function UserRow({ user, self, run }: { user: User; self: boolean; run: Run }) {
  const [password, setPassword] = useState("");
  const path = `/api/users/${encodeURIComponent(user.id)}`;
  const patch = (what: string, body: { role?: Role; disabled?: boolean; password?: string }) =>
    run(what, () => request(User, path, { method: "PATCH", body }));
  return (
    <tr data-testid="user-row" data-user={user.username}>
      <td>
        {user.username} {self && <span className="badge">you</span>}
      </td>
      <td>
        <RoleSelect
          label={`Role of ${user.username}`}
          value={user.role}
          onChange={(role) => void patch(`Changed ${user.username}'s role to ${role}`, { role })}
          testId="user-role-select"
        />
      </td>
      <td>
        <span className={`state-badge ${user.disabled ? "st-exited" : "st-running"}`}>
          {user.disabled ? "disabled" : "active"}
        </span>
      </td>
      <td className="hide-sm">{formatTime(user.createdAt)}</td>
      <td>
        <div className="row wrap">
          <button
            type="button"
            onClick={() =>
              void patch(`${user.disabled ? "Enabled" : "Disabled"} ${user.username}`, {
                disabled: !user.disabled,
              })
            }
            data-testid="user-toggle-disabled"
          >
            {user.disabled ? "Enable" : "Disable"}
          </button>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              void patch(`Reset ${user.username}'s password`, { password }).then(
                (ok) => ok && setPassword(""),
              );
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
          <ConfirmButton
            label="Delete"
            question={
              <>
                Delete user <strong>{user.username}</strong>?
              </>
            }
            onConfirm={() =>
              void run(`Deleted ${user.username}`, () => request(NoContent, path, { method: "DELETE" }))
            }
            danger
            testId="user-delete"
          />
        </div>
      </td>
    </tr>
  );
}

function CreateUser({ run }: { run: Run }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("VIEWER");
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = { username, password, role };
    const created = await run(`Created ${username} (${role})`, () =>
      request(User, "/api/users", { method: "POST", body }),
    );
    if (created) {
      setUsername("");
      setPassword("");
    }
  };
  return (
    <form className="card row wrap" onSubmit={(e) => void submit(e)} aria-label="Create user">
      <input
        placeholder="username"
        aria-label="Username"
        autoComplete="off"
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
      <RoleSelect label="Role" value={role} onChange={setRole} testId="new-user-role" />
      <button type="submit" className="primary" data-testid="new-user-submit">
        Create user
      </button>
    </form>
  );
}

function RoleSelect({
  label,
  value,
  onChange,
  testId,
}: {
  label: string;
  value: Role;
  onChange: (role: Role) => void;
  testId: string;
}) {
  return (
    <select
      aria-label={label}
      value={value}
      onChange={(e) => onChange(Role.parse(e.target.value))}
      data-testid={testId}
    >
      {Role.options.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  );
}
