import { NotFoundError, type Application } from '@herald/core';
import type { ApplicationChanges, NewApplication, Page, PageRequest } from '@herald/storage';
import { Params, queryPage, uniqueViolation, type Queryable } from '../sql.ts';
import { toApplication, type ApplicationRow } from '../rows.ts';

export async function createApplication(db: Queryable, input: NewApplication, now: number): Promise<Application> {
  try {
    const { rows } = await db.query<ApplicationRow>(`INSERT INTO applications (id, uid, name, throttle_rate, metadata, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *`,
    [input.id, input.uid, input.name, input.throttleRate, JSON.stringify(input.metadata), now]);
    return toApplication(rows[0]!);
  } catch (error) {
    throw uniqueViolation(error, `An application with uid "${input.uid}" already exists.`);
  }
}

export async function getApplication(db: Queryable, idOrUid: string): Promise<Application | undefined> {
  const { rows } = await db.query<ApplicationRow>('SELECT * FROM applications WHERE id = $1 OR uid = $1 LIMIT 1', [idOrUid]);
  return rows[0] && toApplication(rows[0]);
}

/** The applications at each of these ids or uids, by the key that found them: an id match first. */
export async function applicationsByKey(db: Queryable, keys: string[]): Promise<Map<string, ApplicationRow[]>> {
  const { rows } = await db.query<ApplicationRow>('SELECT * FROM applications WHERE id = ANY($1::text[]) OR uid = ANY($1::text[])', [keys]);
  const found = new Map<string, ApplicationRow[]>();
  for (const key of keys) {
    const row = rows.find((candidate) => candidate.id === key) ?? rows.find((candidate) => candidate.uid === key);
    if (row) found.set(key, [row]);
  }
  return found;
}

export function listApplications(db: Queryable, request: PageRequest): Promise<Page<Application>> {
  return queryPage(db, 'SELECT * FROM applications', [], new Params(), 'id', request, toApplication, (app) => app.id);
}

export async function updateApplication(db: Queryable, id: string, changes: ApplicationChanges, now: number): Promise<Application> {
  const current = await getApplication(db, id);
  if (!current) throw new NotFoundError('Application');
  const next = { ...current, ...changes };
  try {
    const { rows } = await db.query<ApplicationRow>(`UPDATE applications SET uid = $1, name = $2, throttle_rate = $3, metadata = $4,
      updated_at = $5 WHERE id = $6 RETURNING *`,
    [next.uid, next.name, next.throttleRate, JSON.stringify(next.metadata), now, current.id]);
    if (!rows[0]) throw new NotFoundError('Application');
    return toApplication(rows[0]);
  } catch (error) {
    throw uniqueViolation(error, `An application with uid "${next.uid}" already exists.`);
  }
}

export async function deleteApplication(db: Queryable, id: string): Promise<boolean> {
  return ((await db.query('DELETE FROM applications WHERE id = $1', [id])).rowCount ?? 0) > 0;
}
