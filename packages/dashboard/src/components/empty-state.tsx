import type { ReactNode } from 'react';

/** What a new user sees instead of an empty table: what this is, and what to do next. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="empty-state" role="status">
      <h3>{title}</h3>
      <div>{children}</div>
    </div>
  );
}
