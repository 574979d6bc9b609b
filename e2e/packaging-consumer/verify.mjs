// Plain Node, ES modules, the installed tarball: verifies the request the test signed (in SIGNED),
// and refuses the same request with one byte of its body changed.
import { createVerifier, InvalidSignatureError } from '@herald/receiver';

const { secret, body, headers } = JSON.parse(process.env.SIGNED);
const verify = createVerifier(secret);
const verified = verify(body, headers);
let refused = 'accepted';
try {
  verify(body.replace('}', ' }'), headers);
} catch (error) {
  refused = error instanceof InvalidSignatureError ? error.code : String(error);
}
console.log(JSON.stringify({ resolved: import.meta.resolve('@herald/receiver'), id: verified.id, body: verified.body, refused }));
