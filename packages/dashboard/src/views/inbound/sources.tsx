import { useState, type FormEvent } from 'react';
import { errorText } from '../../api/client.ts';
import type { SourceOut } from '../../api/inbound-types.ts';
import { EmptyState } from '../../components/empty-state.tsx';
import { LoadState } from '../../components/load-state.tsx';
import { useNotice } from '../../components/notice.tsx';
import { Pager } from '../../components/pager.tsx';
import { EnabledBadge } from '../../components/status-badge.tsx';
import { useDashboard } from '../../context.ts';
import { formatTime } from '../../format.ts';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { HMAC_EXAMPLE, IP_PRESETS, SOURCE_TYPE_GROUPS, addressList, sourceTypeChoice } from '../../inbound-source-types.ts';
import { hrefOf, navigate } from '../../routing.ts';

export function Sources() {
  const { ingest } = useDashboard();
  const list = usePagedList((iterator) => ingest.page<SourceOut>('/source', { limit: 50, iterator }), 'sources', 5000);
  const sources = list.data?.data ?? [];
  return (
    <>
      <h1>Sources</h1>
      <p className="lead">
        A source is a URL you give a provider (GitHub, Stripe, …). Herald checks each request&rsquo;s signature, stores it before answering,
        and routes it to the source&rsquo;s endpoints by its content.
      </p>
      <CreateSource onCreated={(source) => navigate({ view: 'source', sourceId: source.id })} />
      <LoadState resource={list} what="sources" />
      {list.data && sources.length === 0 && (
        <EmptyState title="No sources yet">
          Create one above for each provider that sends you webhooks, then paste its ingest URL into the provider&rsquo;s webhook settings.
        </EmptyState>
      )}
      {sources.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Sources</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Ingest URL</th><th scope="col">State</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {sources.map((source) => (
                <tr key={source.id}>
                  <td><a href={hrefOf({ view: 'source', sourceId: source.id })}>{source.name}</a></td>
                  <td>{sourceTypeChoice(source.type)?.label ?? source.type}</td>
                  <td className="break"><code>{source.ingestUrl ?? '—'}</code></td>
                  <td><EnabledBadge disabled={source.disabled} /></td>
                  <td>{formatTime(source.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Sources" />
    </>
  );
}

/** The type's config from the form's fields; a JSON config is parsed here so a typo is caught before the request. */
function configOf(type: string, fields: { secret: string; username: string; password: string; key: string; keyHeader: string; json: string }): Record<string, unknown> {
  switch (sourceTypeChoice(type)?.fields) {
    case 'none': return {};
    case 'optional-secret': return fields.secret ? { secret: fields.secret } : {};
    case 'basic-auth': return { username: fields.username, password: fields.password };
    case 'api-key': return { key: fields.key, header: fields.keyHeader || 'x-api-key' };
    case 'json': {
      const parsed: unknown = JSON.parse(fields.json);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the config must be a JSON object');
      return parsed as Record<string, unknown>;
    }
    default: return { secret: fields.secret };
  }
}

function CreateSource({ onCreated }: { onCreated(source: SourceOut): void }) {
  const { ingest } = useDashboard();
  const { notify } = useNotice();
  const [name, setName] = useState('');
  const [uid, setUid] = useState('');
  const [type, setType] = useState('github');
  const [secret, setSecret] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const [keyHeader, setKeyHeader] = useState('x-api-key');
  const [json, setJson] = useState(HMAC_EXAMPLE);
  const [allowedIps, setAllowedIps] = useState('');
  const [ipPreset, setIpPreset] = useState('');
  const [busy, setBusy] = useState(false);
  const choice = sourceTypeChoice(type);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const config = configOf(type, { secret, username, password, key, keyHeader, json });
      const addresses = addressList(allowedIps);
      const source = await ingest.send<SourceOut>('POST', '/source', {
        name, uid: uid || undefined, type, config,
        allowedIps: addresses.length > 0 ? addresses : undefined, ipPreset: ipPreset || undefined,
      });
      notify(`Source ${source.name} created: give the provider its ingest URL.`);
      onCreated(source);
    } catch (failure) {
      notify(`Could not create the source: ${errorText(failure)}`, 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="create-source-title">
      <h2 id="create-source-title">New source</h2>
      <div className="fields">
        <div className="field">
          <label htmlFor="source-name">Name</label>
          <input id="source-name" required value={name} onChange={(event) => setName(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="source-uid">UID <span className="muted">(optional, your own id)</span></label>
          <input id="source-uid" value={uid} pattern="[a-zA-Z0-9\-_.]+" onChange={(event) => setUid(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="source-type">Type</label>
          <select id="source-type" value={type} onChange={(event) => setType(event.target.value)}>
            {SOURCE_TYPE_GROUPS.map((group) => (
              <optgroup key={group.label} label={group.label}>
                {group.types.map((option) => <option key={option.type} value={option.type}>{option.label}</option>)}
              </optgroup>
            ))}
          </select>
        </div>
      </div>
      <div className="fields">
        {(choice?.fields === 'secret' || choice?.fields === 'optional-secret') && (
          <div className="field grow">
            <label htmlFor="source-secret">Signing secret{choice.fields === 'optional-secret' && <span className="muted"> (optional)</span>}</label>
            <input id="source-secret" type="password" autoComplete="off" required={choice.fields === 'secret'} value={secret}
              aria-describedby={choice.hint ? 'source-secret-hint' : undefined} onChange={(event) => setSecret(event.target.value)} />
            {choice.hint && <small id="source-secret-hint">{choice.hint}</small>}
          </div>
        )}
        {choice?.fields === 'basic-auth' && (
          <>
            <div className="field grow">
              <label htmlFor="source-username">Username</label>
              <input id="source-username" required autoComplete="off" value={username} onChange={(event) => setUsername(event.target.value)} />
            </div>
            <div className="field grow">
              <label htmlFor="source-password">Password</label>
              <input id="source-password" type="password" required autoComplete="off" value={password} onChange={(event) => setPassword(event.target.value)} />
            </div>
          </>
        )}
        {choice?.fields === 'api-key' && (
          <>
            <div className="field grow">
              <label htmlFor="source-key">API key</label>
              <input id="source-key" type="password" required autoComplete="off" value={key} onChange={(event) => setKey(event.target.value)} />
            </div>
            <div className="field grow">
              <label htmlFor="source-key-header">Header</label>
              <input id="source-key-header" required value={keyHeader} onChange={(event) => setKeyHeader(event.target.value)} />
            </div>
          </>
        )}
        {choice?.fields === 'json' && (
          <div className="field grow">
            <label htmlFor="source-config">Config (JSON)</label>
            <textarea id="source-config" rows={7} spellCheck={false} value={json} aria-describedby="source-config-hint"
              onChange={(event) => setJson(event.target.value)} />
            <small id="source-config-hint">
              <code>secret</code>, <code>header</code>, <code>algorithm</code> (sha256, sha512, sha1), <code>encoding</code> (hex, base64);
              optional <code>prefix</code>, <code>signedString</code> with <code>{'{body}'}</code> and <code>{'{timestamp}'}</code>, <code>timestampHeader</code>, <code>toleranceSeconds</code>.
            </small>
          </div>
        )}
      </div>
      <div className="fields">
        <div className="field grow">
          <label htmlFor="source-allowed-ips">Allowed addresses <span className="muted">(optional)</span></label>
          <input id="source-allowed-ips" value={allowedIps} placeholder="192.0.2.0/24, 2001:db8::/32" aria-describedby="source-allowed-ips-hint"
            onChange={(event) => setAllowedIps(event.target.value)} />
          <small id="source-allowed-ips-hint">Comma-separated CIDR blocks; requests from elsewhere get 403 and are recorded. Empty: any address.</small>
        </div>
        <div className="field">
          <label htmlFor="source-ip-preset">Provider addresses</label>
          <select id="source-ip-preset" value={ipPreset} onChange={(event) => setIpPreset(event.target.value)}>
            <option value="">None</option>
            {IP_PRESETS.map((preset) => <option key={preset} value={preset}>{preset}</option>)}
          </select>
        </div>
      </div>
      <button type="submit" className="primary" disabled={busy}>Create source</button>
    </form>
  );
}
