import type { Resource } from '../hooks/use-resource.ts';

/** Loading and error lines for a resource; errors are announced to screen readers. */
export function LoadState<T>({ resource, what }: { resource: Resource<T>; what: string }) {
  if (resource.error) return <p className="error" role="alert">Could not load {what}: {resource.error}</p>;
  if (resource.loading && resource.data === undefined) return <p className="muted" aria-busy="true">Loading {what}…</p>;
  return null;
}
