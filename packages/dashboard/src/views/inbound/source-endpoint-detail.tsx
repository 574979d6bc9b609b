import { useState } from 'react';
import { errorText } from '../../api/client.ts';
import type { IngestEndpointOut } from '../../api/inbound-types.ts';
import { LoadState } from '../../components/load-state.tsx';
import { useNotice } from '../../components/notice.tsx';
import { EnabledBadge } from '../../components/status-badge.tsx';
import { useDashboard } from '../../context.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { hrefOf, navigate } from '../../routing.ts';
import { IngestEndpointForm, type IngestEndpointFields } from './ingest-endpoint-form.tsx';
import { SourceHeader, sourcePath, useSource } from './source-header.tsx';

/** One endpoint of a source: its filter (tested as you type), its state, its secret; delete. */
export function SourceEndpointDetail({ sourceId, endpointId }: { sourceId: string; endpointId: string }) {
  const { ingest } = useDashboard();
  const { notify } = useNotice();
  const source = useSource(sourceId);
  const path = `${sourcePath(sourceId)}/endpoint/${encodeURIComponent(endpointId)}`;
  const endpoint = useResource(() => ingest.get<IngestEndpointOut>(path), `ingest-endpoint:${path}`);
  const [secret, setSecret] = useState<string | null>(null);

  // PUT is the whole IngestEndpointUpdate: fields the form does not edit are sent as they are.
  const save = async (current: IngestEndpointOut, fields: Partial<IngestEndpointFields> & { disabled?: boolean }, done: string) => {
    try {
      await ingest.send('PUT', path, {
        url: current.url, description: current.description, uid: current.uid, disabled: current.disabled, metadata: current.metadata,
        rateLimit: current.rateLimit, filter: current.filter, forwardHeaders: current.forwardHeaders, ...fields,
      });
      notify(done);
      endpoint.reload();
      return true;
    } catch (failure) {
      notify(`Could not save the endpoint: ${errorText(failure)}`, 'error');
      return false;
    }
  };
  const remove = async () => {
    if (!window.confirm('Delete this endpoint? Requests are no longer routed to it.')) return;
    try {
      await ingest.send('DELETE', path);
      notify('Endpoint deleted.');
      navigate({ view: 'source', sourceId });
    } catch (failure) {
      notify(`Could not delete the endpoint: ${errorText(failure)}`, 'error');
    }
  };

  return (
    <>
      <SourceHeader sourceId={sourceId} source={source} section="endpoints" />
      <p className="breadcrumb"><a href={hrefOf({ view: 'source', sourceId })}>Endpoints</a> /</p>
      <LoadState resource={endpoint} what="the endpoint" />
      {endpoint.data && (
        <>
          <div className="title-row">
            <h2 className="break">{endpoint.data.url}</h2>
            <EnabledBadge disabled={endpoint.data.disabled} />
            <button type="button" onClick={() => save(endpoint.data!, { disabled: !endpoint.data!.disabled },
              endpoint.data!.disabled ? 'Endpoint enabled.' : 'Endpoint disabled: requests are recorded as “endpoint disabled”.')}>
              {endpoint.data.disabled ? 'Enable endpoint' : 'Disable endpoint'}
            </button>
          </div>
          <p className="muted"><code>{endpoint.data.id}</code>{endpoint.data.description && ` — ${endpoint.data.description}`}</p>

          <section className="card" aria-labelledby="edit-ingest-endpoint-title">
            <h2 id="edit-ingest-endpoint-title">Edit endpoint</h2>
            <IngestEndpointForm key={endpoint.data.updatedAt} sourceId={sourceId} idPrefix="edit-ingest-endpoint" initial={endpoint.data}
              submitLabel="Save changes" onSubmit={(fields) => save(endpoint.data!, fields, 'Endpoint saved.')} />
          </section>

          <div className="grid">
            <section className="card" aria-labelledby="ingest-secret-title">
              <h2 id="ingest-secret-title">Signing secret</h2>
              <p>Forwards carry Standard Webhooks headers signed with this endpoint&rsquo;s own secret.</p>
              <p className="secret">{secret === null ? <span className="muted">Hidden</span> : <code data-testid="ingest-endpoint-secret">{secret}</code>}</p>
              <button type="button" onClick={async () => {
                if (secret !== null) return setSecret(null);
                try {
                  setSecret((await ingest.get<{ key: string }>(`${path}/secret`)).key);
                } catch (failure) {
                  notify(`Could not read the secret: ${errorText(failure)}`, 'error');
                }
              }}>{secret === null ? 'Reveal secret' : 'Hide secret'}</button>
            </section>
            <section className="card" aria-labelledby="delete-ingest-endpoint-title">
              <h2 id="delete-ingest-endpoint-title">Delete endpoint</h2>
              <p>Requests already forwarded keep their delivery history.</p>
              <button type="button" onClick={remove}>Delete endpoint</button>
            </section>
          </div>
        </>
      )}
    </>
  );
}
