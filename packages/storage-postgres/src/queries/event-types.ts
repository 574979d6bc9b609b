import { NotFoundError, type EventType } from '@herald/core';
import type { EventTypeChanges, NewEventType, Page, PageRequest } from '@herald/storage';
import { Params, queryPage, uniqueViolation, type Queryable } from '../sql.ts';
import { jsonOrNull, toEventType, type EventTypeRow } from '../rows.ts';

export async function createEventType(db: Queryable, input: NewEventType, now: number): Promise<EventType> {
  try {
    const { rows } = await db.query<EventTypeRow>(`INSERT INTO event_types (name, description, archived, deprecated, feature_flag,
      schemas, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *`,
    [input.name, input.description, input.archived, input.deprecated, input.featureFlag, jsonOrNull(input.schemas), now]);
    return toEventType(rows[0]!);
  } catch (error) {
    throw uniqueViolation(error, `An event type named "${input.name}" already exists.`);
  }
}

export async function getEventType(db: Queryable, name: string): Promise<EventType | undefined> {
  const { rows } = await db.query<EventTypeRow>('SELECT * FROM event_types WHERE name = $1', [name]);
  return rows[0] && toEventType(rows[0]);
}

export function listEventTypes(db: Queryable, request: PageRequest & { includeArchived: boolean }): Promise<Page<EventType>> {
  const where = request.includeArchived ? [] : ['NOT archived'];
  return queryPage(db, 'SELECT * FROM event_types', where, new Params(), 'name', request, toEventType, (type) => type.name);
}

export async function updateEventType(db: Queryable, name: string, changes: EventTypeChanges, now: number): Promise<EventType> {
  const current = await getEventType(db, name);
  if (!current) throw new NotFoundError('Event type');
  const next = { ...current, ...changes };
  const { rows } = await db.query<EventTypeRow>(`UPDATE event_types SET description = $1, archived = $2, deprecated = $3,
    feature_flag = $4, schemas = $5, updated_at = $6 WHERE name = $7 RETURNING *`,
  [next.description, next.archived, next.deprecated, next.featureFlag, jsonOrNull(next.schemas), now, name]);
  if (!rows[0]) throw new NotFoundError('Event type');
  return toEventType(rows[0]);
}

export async function deleteEventType(db: Queryable, name: string, expunge: boolean, now: number): Promise<boolean> {
  const result = expunge
    ? await db.query('DELETE FROM event_types WHERE name = $1', [name])
    : await db.query('UPDATE event_types SET archived = true, updated_at = $1 WHERE name = $2', [now, name]);
  return (result.rowCount ?? 0) > 0;
}

export async function existingEventTypes(db: Queryable, names: string[]): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>('SELECT name FROM event_types WHERE NOT archived AND name = ANY($1::text[])', [names]);
  return rows.map((row) => row.name);
}
