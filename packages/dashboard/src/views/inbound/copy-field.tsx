import { useRef } from 'react';
import { useNotice } from '../../components/notice.tsx';

/** A read-only value with a Copy button: the ingest URL a user pastes into the provider's settings. */
export function CopyField({ id, label, value }: { id: string; label: string; value: string }) {
  const { notify } = useNotice();
  const input = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      notify(`${label} copied.`);
    } catch {
      // No clipboard permission (an insecure origin, or a browser policy): select it for Ctrl-C instead.
      input.current?.select();
      notify(`${label} selected: press Ctrl-C (⌘-C) to copy it.`);
    }
  };
  return (
    <div className="field copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input id={id} ref={input} readOnly value={value} onFocus={(event) => event.target.select()} />
        <button type="button" onClick={copy} aria-label={`Copy ${label}`}>Copy</button>
      </div>
    </div>
  );
}
