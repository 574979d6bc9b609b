export type Ordering = 'ascending' | 'descending';

export interface PageRequest {
  limit: number;
  /** An id to continue after; a leading '-' walks backwards from it (Svix's prevIterator). */
  iterator?: string | null;
  order?: Ordering;
}

export interface Page<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

/**
 * Builds a page from `limit + 1` rows fetched in walk order. The extra row only tells whether more
 * exist; rows fetched while walking backwards are returned in the list's own order.
 */
export function toPage<T>(rows: T[], request: PageRequest, keyOf: (row: T) => string): Page<T> {
  const backwards = request.iterator?.startsWith('-') ?? false;
  const more = rows.length > request.limit;
  const data = more ? rows.slice(0, request.limit) : rows;
  if (backwards) data.reverse();
  const first = data[0];
  const last = data[data.length - 1];
  return {
    data,
    iterator: last ? keyOf(last) : (request.iterator?.replace(/^-/, '') ?? null),
    prevIterator: first ? '-' + keyOf(first) : null,
    done: backwards ? false : !more,
  };
}

/** Where a page query starts and which way it walks, from the request. */
export function pageCursor(request: PageRequest): { after: string | null; descending: boolean } {
  const descending = request.order === 'descending';
  const iterator = request.iterator ?? null;
  if (iterator?.startsWith('-')) return { after: iterator.slice(1), descending: !descending };
  return { after: iterator, descending };
}
