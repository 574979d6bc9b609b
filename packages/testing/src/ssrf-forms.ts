/**
 * The SSRF table: URL forms that Herald must refuse when an endpoint is created or updated, and
 * again when it sends. `{port}` is replaced by a canary receiver's port where the form reaches
 * loopback, so a test can show that the refusal happened before any connection.
 */

/** Hosts that name a private or reserved place, however they are spelled. */
const BLOCKED_HOSTS = [
  // IPv4 ranges: first, a typical and last address
  '0.0.0.0', '0.1.2.3', '0.255.255.255', '10.0.0.0', '10.0.0.1', '10.255.255.255', '100.64.0.0', '100.64.0.1',
  '100.127.255.255', '127.0.0.1', '127.1.2.3', '127.255.255.254', '169.254.0.0', '169.254.169.254', '169.254.255.255',
  '172.16.0.0', '172.16.0.1', '172.31.255.255', '192.0.0.8', '192.0.2.1', '192.168.0.0', '192.168.1.1',
  '192.168.255.255', '198.18.0.0', '198.18.0.1', '198.19.255.255', '198.51.100.7', '203.0.113.9', '224.0.0.1',
  '239.255.255.250', '240.0.0.1', '254.255.255.255', '255.255.255.255', '168.63.129.16',
  // the same places spelled in decimal, octal, hex, short forms and mixtures (WHATWG URL reads them all)
  '2130706433', '0x7f000001', '0X7F000001', '017700000001', '0177.0.0.1', '0177.0.0.01', '0x7f.0.0.1', '0x7f.1',
  '127.1', '127.0.1', '0x7f.0x0.0x0.0x1', '0000177.0.0.1', '127.000.000.001', '0x7f.0.0x0.1', '2852039166',
  '0xa9fea9fe', '0251.0376.0251.0376', '0xa9.0xfe.0xa9.0xfe', '169.254.43518', '169.16689662', '167772161',
  '0xa000001', '012.0.0.1', '10.1', '0xa.1', '3232235777', '0xc0a80101', '0300.0250.1.1', '192.168.257',
  '0xc0.0xa8.1.1', '0', '0x0', '00', '0.0', '0.0.0', '2886729729', '0xac100001', '4294967295', '0xffffffff',
  '1681915905', // 100.64.0.1
  '2822734096', // 168.63.129.16
  // trailing dots, percent-encoding, full-width digits and ideographic full stops
  '127.0.0.1.', '169.254.169.254.', '10.0.0.1.', '2130706433.', '127.0.0.1%2e', '%31%32%37.0.0.1',
  '\uff11\uff12\uff17.\uff10.\uff10.\uff11', '127\u30020\u30020\u30021', '169\uff0e254\uff0e169\uff0e254',
  // IPv6: loopback, unspecified, link-local, unique-local, multicast, documentation, discard
  '[::1]', '[0:0:0:0:0:0:0:1]', '[::0:1]', '[0000::1]', '[::]', '[0::]', '[0:0:0:0:0:0:0:0]', '[fe80::1]',
  '[fe80::]', '[febf:ffff::1]', '[FE80::1]', '[fc00::1]', '[fd00::1]', '[fd00:ec2::254]', '[fdff:ffff::1]',
  '[ff02::1]', '[ff05::1:3]', '[ff0e::1]', '[2001:db8::1]', '[100::1]', '[3fff::1]',
  // IPv4 inside IPv6: mapped, compatible, SIIT, NAT64 (well-known and local-use), 6to4, Teredo
  '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::FFFF:7F00:1]', '[0:0:0:0:0:ffff:127.0.0.1]', '[::ffff:10.0.0.1]',
  '[::ffff:192.168.1.1]', '[::ffff:172.16.0.1]', '[::ffff:100.64.0.1]', '[::ffff:169.254.169.254]',
  '[::ffff:a9fe:a9fe]', '[::ffff:0.0.0.0]', '[::ffff:255.255.255.255]', '[::ffff:168.63.129.16]',
  '[::ffff:198.18.0.1]', '[::ffff:224.0.0.1]', '[::ffff:240.0.0.1]', '[::127.0.0.1]', '[::7f00:1]',
  '[::169.254.169.254]', '[::10.0.0.1]', '[::ffff:0:7f00:1]', '[64:ff9b::7f00:1]', '[64:ff9b::127.0.0.1]',
  '[64:ff9b::a9fe:a9fe]', '[64:ff9b::10.0.0.1]', '[64:ff9b::c0a8:101]', '[64:ff9b:1::7f00:1]',
  '[64:ff9b:1::808:808]', '[2002:7f00:1::]', '[2002:7f00:1::1]', '[2002:a9fe:a9fe::]', '[2002:c0a8:101::1]',
  '[2002:a00:1::]', '[2002:ac10:1::1]', '[2001:0:4136:e378:8000:63bf:80ff:fffe]',
  '[2001:0:4136:e378:8000:63bf:f5ff:fffe]', '[2001:0:4136:e378:8000:63bf:5601:5601]',
  // names that only mean something locally, in any case, with trailing dots, percent-encoded
  'localhost', 'localhost.', 'localhost..', 'LOCALHOST', 'LocalHost', '%6c%6f%63%61%6c%68%6f%73%74', 'app.localhost',
  'app.localhost.', 'printer.local', 'db.cluster.local', 'metadata.google.internal', 'metadata', 'intranet',
  'db.internal', 'db.internal.', 'router.home.arpa', 'x.localdomain', 'localhost.localdomain', 'kubernetes',
  'nas.lan', 'files.corp', 'wiki.home', 'vault.private', 'portal.intranet',
];

/** Whole URLs: user-info tricks, parser quirks, and every scheme that is not http(s). */
const REFUSED_URL_FORMS = [
  'http://user:pass@example.com/', 'http://user@example.com/', 'https://:secret@example.com/',
  'http://example.com@127.0.0.1:{port}/', 'http://example.com:80@127.0.0.1:{port}/', 'http://%40example.com@127.0.0.1:{port}/',
  'http://127.0.0.1:{port}#@example.com/', 'http://127.0.0.1:{port}?@example.com/', 'http://127.0.0.1:{port}\\@example.com/',
  'http://example.com:{port}@localhost:{port}/', 'https://hooks.example.com@169.254.169.254/latest/meta-data/',
  'http:127.0.0.1:{port}/', 'http:/127.0.0.1:{port}/', 'http:\\\\127.0.0.1:{port}\\', 'HTTP://127.0.0.1:{port}/',
  ' http://127.0.0.1:{port}/ ', 'http://127.0.0.1\t:{port}/', 'http://12\n7.0.0.1:{port}/', 'http://169.254.169.254/latest/meta-data/',
  'http://[fd00:ec2::254]/latest/meta-data/', 'http://metadata.google.internal/computeMetadata/v1/',
  'ftp://example.com/', 'file:///etc/passwd', 'gopher://example.com/', 'ws://example.com/', 'wss://example.com/',
  'data:text/plain,hi', 'javascript:alert(1)', 'dict://127.0.0.1:11211/', 'ldap://example.com/', 'sftp://example.com/',
  'jar:http://example.com!/', 'blob:https://example.com/0f6c', 'view-source:http://example.com/', 'tel:+15551234',
  'mailto:hooks@example.com', 'not a url', '', '//example.com/', '/relative/path', 'http://./', 'http://../',
  'http://[::1/', 'http://[1.2.3.4]/', 'http://127.0.0.1%00.example.com/', 'http://[fe80::1%25eth0]/',
];

/** Every refused form as a URL; loopback forms point at `port`. */
export function refusedUrls(port: number): string[] {
  const hostForms = BLOCKED_HOSTS.flatMap((host) => [`http://${host}:${port}/hook`, `https://${host}/hook`]);
  return [...hostForms, ...REFUSED_URL_FORMS.map((form) => form.replaceAll('{port}', String(port)))];
}

/** How many distinct spellings the table holds (each host is also tried with http and https). */
export const SSRF_FORM_COUNT = BLOCKED_HOSTS.length + REFUSED_URL_FORMS.length;

/**
 * The count SECURITY.md promises. Tests assert the table holds exactly this many, all distinct, so
 * that a form deleted or duplicated by a careless edit fails a test instead of going unnoticed.
 */
export const SSRF_FORMS_PROMISED = 212;

/** How many URLs `refusedUrls` must give: every host form twice (http with the port, https), each URL form once. */
export const SSRF_URL_COUNT = BLOCKED_HOSTS.length * 2 + REFUSED_URL_FORMS.length;

/** Public controls, several right next to a blocked range: these must be accepted. */
export const PUBLIC_URLS = [
  'https://example.com/hook', 'http://93.184.216.34/x?y=1', 'https://[2606:4700:4700::1111]/', 'https://hooks.example.co.uk:8443/a/b',
  'https://example.com./hook', 'http://134744072/', 'http://[::ffff:8.8.8.8]/', 'http://[64:ff9b::808:808]/',
  'http://[2002:808:808::1]/', 'http://8.8.8.8/', 'http://100.63.255.255/', 'http://100.128.0.0/', 'http://172.15.255.255/',
  'http://172.32.0.0/', 'http://192.169.0.0/', 'http://198.20.0.0/', 'http://11.0.0.0/', 'http://168.63.129.17/',
  'https://localhost.example.com/', 'https://internal.example.com/', 'https://xn--bcher-kva.example/', 'https://EXAMPLE.com/',
];
