// The inspector page: polls its bin for new captures and shows them. Plain browser JavaScript,
// served as is (no build step). Captured requests come from anyone who has the URL, so every
// value is put in the page as text, never as HTML.

const POLL_MS = 1000;
const token = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const requestsUrl = `/inspect/${encodeURIComponent(token)}/requests`;
const list = /** @type {HTMLOListElement} */ (document.getElementById('requests'));
const statusLine = /** @type {HTMLElement} */ (document.getElementById('status'));
const secretInput = /** @type {HTMLInputElement} */ (document.getElementById('secret'));

/** @type {Array<{ capture: Capture, body: Uint8Array, signatureLine: HTMLElement }>} */
const shown = [];
let lastSeq = 0;

/** @typedef {{ seq: number, method: string, path: string, headers: [string, string][], bodyBase64: string, sourceIp: string, receivedAt: string }} Capture */

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function toBase64(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Pretty JSON when it is JSON, the text when it is UTF-8, otherwise base64 of the bytes. */
function describeBody(bytes) {
  if (bytes.length === 0) return { kind: 'empty', text: '' };
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { kind: `binary, shown as base64`, text: toBase64(bytes) };
  }
  try {
    return { kind: 'JSON', text: JSON.stringify(JSON.parse(text), null, 2) };
  } catch {
    return { kind: 'text', text };
  }
}

function header(capture, ...names) {
  for (const name of names) {
    const found = capture.headers.find(([key]) => key === name);
    if (found) return found[1];
  }
  return undefined;
}

/**
 * Standard Webhooks: HMAC-SHA256 over `id.timestamp.body` with the secret's base64 key; the header
 * holds one or more space-separated `v1,<base64>` signatures (several during secret rotation).
 */
async function checkSignature(capture, body, secret) {
  const id = header(capture, 'webhook-id', 'svix-id');
  const timestamp = header(capture, 'webhook-timestamp', 'svix-timestamp');
  const signatures = header(capture, 'webhook-signature', 'svix-signature');
  if (!id || !timestamp || !signatures) return { state: 'unsigned', text: 'No signature headers' };
  if (!secret) return { state: 'unchecked', text: 'Signed: paste the endpoint secret above to check it' };
  if (!globalThis.crypto?.subtle) return { state: 'unavailable', text: 'Checking needs WebCrypto: open this page over HTTPS or on localhost' };
  let key;
  try {
    const keyBytes = fromBase64(secret.startsWith('whsec_') ? secret.slice(6) : secret);
    key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  } catch {
    return { state: 'bad-secret', text: 'That secret is not valid base64 (expected whsec_…)' };
  }
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  const expected = toBase64(new Uint8Array(await crypto.subtle.sign('HMAC', key, signed)));
  const matches = signatures.split(' ').some((part) => part.startsWith('v1,') && part.slice(3) === expected);
  return matches ? { state: 'valid', text: 'Signature valid' } : { state: 'invalid', text: 'Signature invalid' };
}

let checkGeneration = 0;
async function checkAll() {
  const generation = ++checkGeneration;
  const secret = secretInput.value.trim();
  for (const entry of shown) {
    const verdict = await checkSignature(entry.capture, entry.body, secret);
    if (generation !== checkGeneration) return;
    entry.signatureLine.dataset.signature = verdict.state;
    entry.signatureLine.textContent = verdict.text;
  }
}

function render(capture) {
  const body = fromBase64(capture.bodyBase64);
  const described = describeBody(body);
  const titleId = `capture-${capture.seq}`;
  const headerRows = capture.headers.map(([name, value]) =>
    element('tr', {}, element('th', { scope: 'row', class: 'mono' }, name), element('td', { class: 'mono' }, value)));
  const signatureLine = element('p', { class: 'signature', 'data-signature': 'pending' }, 'Checking signature…');
  const item = element('li', { 'aria-labelledby': titleId, 'data-seq': String(capture.seq) },
    element('h3', { id: titleId }, element('span', { class: 'method' }, capture.method), element('span', { class: 'mono' }, capture.path)),
    element('p', { class: 'meta' }, `${new Date(capture.receivedAt).toLocaleString()} · from ${capture.sourceIp} · ${body.length} bytes`),
    signatureLine,
    element('details', { open: '' },
      element('summary', {}, `Headers (${capture.headers.length})`),
      element('table', {}, element('caption', { class: 'muted' }, 'Request headers in arrival order'), element('tbody', {}, ...headerRows))),
    element('details', { open: '' },
      element('summary', {}, `Body (${described.kind})`),
      element('pre', { class: 'body', tabindex: '0', 'aria-label': 'Request body' }, described.text)),
  );
  list.prepend(item);
  shown.push({ capture, body, signatureLine });
}

function showBin(bin) {
  document.getElementById('capture-url').textContent = bin.captureUrl;
  document.getElementById('expiry').textContent = `This inspector keeps the last 100 requests and expires ${new Date(bin.expiresAt).toLocaleString()}.`;
}

async function poll() {
  try {
    const response = await fetch(`${requestsUrl}?after=${lastSeq}`, { cache: 'no-store' });
    if (response.status === 404) {
      statusLine.textContent = 'This inspector does not exist or has expired.';
      return;
    }
    if (!response.ok) throw new Error(`status ${response.status}`);
    const { bin, data } = await response.json();
    showBin(bin);
    for (const capture of data) {
      lastSeq = Math.max(lastSeq, capture.seq);
      render(capture);
    }
    if (data.length > 0) {
      // The server keeps the newest 100; so does the page.
      while (list.children.length > 100) list.lastElementChild?.remove();
      shown.splice(0, Math.max(0, shown.length - 100));
      const newest = data[data.length - 1];
      statusLine.textContent = `${shown.length} request${shown.length === 1 ? '' : 's'}; newest: ${newest.method} ${newest.path}`;
      await checkAll();
    }
  } catch {
    statusLine.textContent = 'Lost contact with Herald; retrying…';
  }
  setTimeout(poll, POLL_MS);
}

secretInput.addEventListener('input', () => void checkAll());
document.getElementById('copy-url').addEventListener('click', async () => {
  await navigator.clipboard?.writeText(document.getElementById('capture-url').textContent ?? '');
});
void poll();
