import { useState, type FormEvent } from 'react';
import { errorText } from '../api/client.ts';
import type { EndpointOut, EventTypeOut } from '../api/types.ts';
import { useNotice } from '../components/notice.tsx';
import { useDashboard } from '../context.ts';
import { isoFromLocalInput, localInputFromDate } from '../format.ts';
import { useResource } from '../hooks/use-resource.ts';

interface ActionProps {
  path: string;
  endpoint: EndpointOut;
  changed(): void;
}

export function SecretPanel({ path }: { path: string }) {
  const { api } = useDashboard();
  const { notify } = useNotice();
  const [secret, setSecret] = useState<string | null>(null);
  const reveal = async () => setSecret((await api.get<{ key: string }>(`${path}/secret`)).key);
  const rotate = async () => {
    if (!window.confirm('Rotate the signing secret? The old secret keeps signing alongside the new one for 24 hours.')) return;
    try {
      await api.send('POST', `${path}/secret/rotate`, {});
      notify('Secret rotated. The old secret stays valid for 24 hours.');
      if (secret !== null) await reveal();
    } catch (failure) {
      notify(`Could not rotate the secret: ${errorText(failure)}`, 'error');
    }
  };
  return (
    <section className="card" aria-labelledby="secret-title">
      <h2 id="secret-title">Signing secret</h2>
      <p>Receivers verify the <code>webhook-signature</code> header with this secret.</p>
      <p className="secret">
        {secret === null ? <span className="muted">Hidden</span> : <code data-testid="endpoint-secret">{secret}</code>}
      </p>
      <div className="actions">
        <button type="button" onClick={() => (secret === null ? reveal() : setSecret(null))}>{secret === null ? 'Reveal secret' : 'Hide secret'}</button>
        <button type="button" onClick={rotate}>Rotate secret</button>
      </div>
    </section>
  );
}

export function TestEventPanel({ path }: { path: string }) {
  const { api } = useDashboard();
  const { notify } = useNotice();
  const types = useResource(() => api.page<EventTypeOut>('/event-type', { limit: 100 }), 'event-types');
  const [eventType, setEventType] = useState('');
  const names = types.data?.data.map((type) => type.name) ?? [];
  // herald.ping is Herald's own test event: every endpoint accepts it, whatever its event types.
  const chosen = eventType || 'herald.ping';
  const send = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const message = await api.send<{ id: string }>('POST', `${path}/send-example`, { eventType: chosen });
      notify(`Test event sent as message ${message.id}.`);
    } catch (failure) {
      notify(`Could not send a test event: ${errorText(failure)}`, 'error');
    }
  };
  return (
    <form className="card" onSubmit={send} aria-labelledby="test-title">
      <h2 id="test-title">Send a test event</h2>
      <div className="field">
        <label htmlFor="test-event-type">Event type</label>
        <input id="test-event-type" list="test-event-types" value={eventType} placeholder={chosen}
          onChange={(event) => setEventType(event.target.value)} />
        <datalist id="test-event-types">{names.map((name) => <option key={name} value={name} />)}</datalist>
      </div>
      <button type="submit">Send test event</button>
    </form>
  );
}

export function RecoverPanel({ path, changed }: Omit<ActionProps, 'endpoint'>) {
  const { api } = useDashboard();
  const { notify } = useNotice();
  const [since, setSince] = useState(() => localInputFromDate(new Date(Date.now() - 24 * 3_600_000)));
  const recover = async (event: FormEvent) => {
    event.preventDefault();
    const iso = isoFromLocalInput(since);
    if (!iso) return notify('Choose a valid date and time to recover from.', 'error');
    try {
      await api.send('POST', `${path}/recover`, { since: iso });
      notify('Failed messages since then are being sent again.');
      changed();
    } catch (failure) {
      notify(`Could not recover: ${errorText(failure)}`, 'error');
    }
  };
  return (
    <form className="card" onSubmit={recover} aria-labelledby="recover-title">
      <h2 id="recover-title">Recover failed messages</h2>
      <p>Send again every message that failed for this endpoint since a time (e.g. after fixing an outage).</p>
      <div className="field">
        <label htmlFor="recover-since">Since</label>
        <input id="recover-since" type="datetime-local" required value={since} onChange={(event) => setSince(event.target.value)} />
      </div>
      <button type="submit">Recover</button>
    </form>
  );
}

export function EnableToggle({ path, endpoint, changed }: ActionProps) {
  const { api } = useDashboard();
  const { notify } = useNotice();
  const toggle = async () => {
    try {
      await api.send('PATCH', path, { disabled: !endpoint.disabled });
      notify(endpoint.disabled ? 'Endpoint enabled.' : 'Endpoint disabled: no messages will be sent to it.');
      changed();
    } catch (failure) {
      notify(`Could not change the endpoint: ${errorText(failure)}`, 'error');
    }
  };
  return <button type="button" onClick={toggle}>{endpoint.disabled ? 'Enable endpoint' : 'Disable endpoint'}</button>;
}
