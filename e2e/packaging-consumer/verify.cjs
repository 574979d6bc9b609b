// The same as verify.mjs with `require`, as an Express or NestJS app that is not an ES module does.
const { createVerifier, InvalidSignatureError } = require('@herald/receiver');

const { secret, body, headers } = JSON.parse(process.env.SIGNED);
const verify = createVerifier(secret);
const verified = verify(body, headers);
let refused = 'accepted';
try {
  verify(body.replace('}', ' }'), headers);
} catch (error) {
  refused = error instanceof InvalidSignatureError ? error.code : String(error);
}
console.log(JSON.stringify({ resolved: require.resolve('@herald/receiver'), id: verified.id, body: verified.body, refused }));
