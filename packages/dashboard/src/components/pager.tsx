import type { PagedList } from '../hooks/use-paged-list.ts';

export function Pager<T>({ list, label }: { list: PagedList<T>; label: string }) {
  if (!list.hasPrevious && !list.hasNext) return null;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={list.previous} disabled={!list.hasPrevious}>← Newer</button>
      <span aria-live="polite">Page {list.pageNumber}</span>
      <button type="button" onClick={list.next} disabled={!list.hasNext}>Older →</button>
    </nav>
  );
}
