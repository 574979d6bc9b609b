import { errorText } from '../../api/client.ts';
import type { SourceOut } from '../../api/inbound-types.ts';
import { LoadState } from '../../components/load-state.tsx';
import { useNotice } from '../../components/notice.tsx';
import { EnabledBadge } from '../../components/status-badge.tsx';
import { useDashboard } from '../../context.ts';
import { useResource, type Resource } from '../../hooks/use-resource.ts';
import { sourceTypeChoice } from '../../inbound-source-types.ts';
import { hrefOf } from '../../routing.ts';
import { CopyField } from './copy-field.tsx';

export const sourcePath = (sourceId: string) => `/source/${encodeURIComponent(sourceId)}`;

export function useSource(sourceId: string): Resource<SourceOut> {
  const { ingest } = useDashboard();
  return useResource(() => ingest.get<SourceOut>(sourcePath(sourceId)), `source:${sourceId}`);
}

/**
 * PUT takes the whole IngestSourceIn; the Out's config lacks the secrets, and the server keeps the
 * stored ones when the type is unchanged, so a change of one field never wipes a secret.
 */
export function sourceUpdate(source: SourceOut, changes: Record<string, unknown>): Record<string, unknown> {
  return { name: source.name, uid: source.uid, metadata: source.metadata, type: source.type, config: source.config, ...changes };
}

/** The source's name, ingest URL (with a copy button), state and its two sections. */
export function SourceHeader({ sourceId, source, section }: { sourceId: string; source: Resource<SourceOut>; section: 'endpoints' | 'requests' }) {
  const { ingest } = useDashboard();
  const { notify } = useNotice();
  const data = source.data;
  const toggle = async () => {
    if (!data) return;
    try {
      await ingest.send('PUT', sourcePath(data.id), sourceUpdate(data, { disabled: !data.disabled }));
      notify(data.disabled ? 'Source enabled.' : 'Source disabled: its ingest URL answers 410 and requests are recorded, not routed.');
      source.reload();
    } catch (failure) {
      notify(`Could not change the source: ${errorText(failure)}`, 'error');
    }
  };
  return (
    <div className="app-header">
      <p className="breadcrumb"><a href={hrefOf({ view: 'sources' })}>Sources</a> /</p>
      <LoadState resource={source} what="the source" />
      <div className="title-row">
        <h1>{data?.name ?? sourceId}</h1>
        {data && <EnabledBadge disabled={data.disabled} />}
        {data && <button type="button" onClick={toggle}>{data.disabled ? 'Enable source' : 'Disable source'}</button>}
      </div>
      {data && (
        <>
          <p className="muted"><code>{data.id}</code> — {sourceTypeChoice(data.type)?.label ?? data.type}</p>
          {data.ingestUrl && <CopyField id="ingest-url" label="Ingest URL" value={data.ingestUrl} />}
        </>
      )}
      <nav className="tabs" aria-label="Source sections">
        <a href={hrefOf({ view: 'source', sourceId })} aria-current={section === 'endpoints' ? 'page' : undefined}>Endpoints</a>
        <a href={hrefOf({ view: 'source-requests', sourceId })} aria-current={section === 'requests' ? 'page' : undefined}>Requests</a>
      </nav>
    </div>
  );
}
