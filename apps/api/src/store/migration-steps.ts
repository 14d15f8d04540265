/** One schema step of a backend. Versions are consecutive from 1 and never edited once released. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The migrations to apply, in order, over a schema at version `current`: those newer than it, each
 * checked, as it comes, to follow the one before (versions are consecutive from 1). Throws before
 * the first when the schema is newer than the newest migration this server knows. Each backend
 * applies what it is given and records the version in its own way.
 */
export function* migrationsAfter<M extends { version: number; name: string }>(
  current: number,
  migrations: readonly M[],
): Generator<M, void, undefined> {
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this server (${latest})`);
  }
  let reached = current;
  for (const migration of migrations) {
    if (migration.version <= reached) continue;
    if (migration.version !== reached + 1) {
      throw new Error(
        `migration ${migration.version} (${migration.name}) does not follow version ${reached}`,
      );
    }
    yield migration;
    reached = migration.version;
  }
}
