import { useState, type FormEvent } from 'react';
import { errorText } from '../../api/client.ts';
import type { SourceOut } from '../../api/inbound-types.ts';
import { useNotice } from '../../components/notice.tsx';
import { useDashboard } from '../../context.ts';
import { IP_PRESETS, addressList, sourceTypeChoice } from '../../inbound-source-types.ts';
import { sourcePath, sourceUpdate } from './source-header.tsx';

interface SettingsProps {
  source: SourceOut;
  changed(): void;
}

/** What a source accepts: its signing secret, its ingest URL's token, and the addresses it listens to. */
export function SourceSettings({ source, changed }: SettingsProps) {
  const fields = sourceTypeChoice(source.type)?.fields;
  return (
    <>
      <div className="grid">
        {(fields === 'secret' || fields === 'optional-secret') && <SecretPanel source={source} changed={changed} />}
        <RotateUrlPanel source={source} changed={changed} />
      </div>
      <AllowlistPanel source={source} changed={changed} />
    </>
  );
}

/**
 * Herald never shows a source's secret (the API's Out leaves it out); it can only be replaced,
 * e.g. after a typo, and then "Verify again and route" on a rejected request tries the new one.
 */
function SecretPanel({ source, changed }: SettingsProps) {
  const { ingest } = useDashboard();
  const { notify } = useNotice();
  const [secret, setSecret] = useState('');
  const save = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await ingest.send('PUT', sourcePath(source.id), sourceUpdate(source, { config: { ...source.config, secret } }));
      notify('Signing secret replaced.');
      setSecret('');
      changed();
    } catch (failure) {
      notify(`Could not replace the secret: ${errorText(failure)}`, 'error');
    }
  };
  return (
    <form className="card" onSubmit={save} aria-labelledby="source-secret-title">
      <h2 id="source-secret-title">Signing secret</h2>
      <p>Herald keeps the provider&rsquo;s secret sealed and never shows it. Enter a new one to replace it.</p>
      <div className="field">
        <label htmlFor="source-new-secret">New signing secret</label>
        <input id="source-new-secret" type="password" autoComplete="off" required value={secret} onChange={(event) => setSecret(event.target.value)} />
      </div>
      <p><button type="submit">Replace secret</button></p>
    </form>
  );
}

function RotateUrlPanel({ source, changed }: SettingsProps) {
  const { ingest } = useDashboard();
  const { notify } = useNotice();
  const rotate = async () => {
    if (!window.confirm('Give this source a new ingest URL? The current one keeps working for 24 hours, time to update the provider.')) return;
    try {
      await ingest.send('POST', `${sourcePath(source.id)}/token/rotate`, {});
      notify('New ingest URL made: update the provider. The old one works for 24 more hours.');
      changed();
    } catch (failure) {
      notify(`Could not rotate the ingest URL: ${errorText(failure)}`, 'error');
    }
  };
  return (
    <section className="card" aria-labelledby="rotate-url-title">
      <h2 id="rotate-url-title">Replace the ingest URL</h2>
      <p>The URL holds a random token: anyone who has it can send requests (which must still pass the signature check). If it leaked, replace it.</p>
      <button type="button" onClick={rotate}>Rotate ingest URL</button>
    </section>
  );
}

function AllowlistPanel({ source, changed }: { source: SourceOut; changed(): void }) {
  const { ingest } = useDashboard();
  const { notify } = useNotice();
  const [addresses, setAddresses] = useState((source.allowedIps ?? []).join(', '));
  const [preset, setPreset] = useState(source.ipPreset ?? '');
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const list = addressList(addresses);
    try {
      await ingest.send('PUT', sourcePath(source.id), sourceUpdate(source, { allowedIps: list.length > 0 ? list : null, ipPreset: preset || null }));
      notify(list.length === 0 && !preset ? 'Requests are accepted from any address.' : 'Allowed addresses saved.');
      changed();
    } catch (failure) {
      notify(`Could not save the allowed addresses: ${errorText(failure)}`, 'error');
    }
  };
  return (
    <form className="card" onSubmit={save} aria-labelledby="allowlist-title">
      <h2 id="allowlist-title">Allowed addresses</h2>
      <p>Requests from other addresses are answered 403 and recorded as rejected. Leave both empty to accept any address.</p>
      <div className="fields">
        <div className="field grow">
          <label htmlFor="allowlist-addresses">Addresses (CIDR)</label>
          <input id="allowlist-addresses" value={addresses} placeholder="192.0.2.0/24, 2001:db8::/32" onChange={(event) => setAddresses(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="allowlist-preset">Provider addresses</label>
          <select id="allowlist-preset" value={preset} onChange={(event) => setPreset(event.target.value)}>
            <option value="">None</option>
            {IP_PRESETS.map((name) => <option key={name} value={name}>{name}</option>)}
          </select>
        </div>
      </div>
      <button type="submit">Save allowed addresses</button>
    </form>
  );
}
