// A DPoP client built on panva's `dpop` (RFC 9449), run against a live server by
// tests/live/test_dpop_client.py. It signs in bound to a fresh key, calls the API,
// refreshes, and tries what a thief or a buggy client would. It prints one JSON
// object: for each step, the HTTP status, the error codes, the WWW-Authenticate
// header and what the step returned. The Python test asserts on it.
//
// Usage: node client.mjs <graphql URL> <username> <password>
import { calculateThumbprint, generateKeyPair, generateProof } from 'dpop';

const [graphqlUrl, username, password] = process.argv.slice(2);
const TOKEN_AUTH = `mutation($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) {
    token refreshToken claims { dpopKeyThumbprint }
  }
}`;
const REFRESH = `mutation($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { token refreshToken claims { dpopKeyThumbprint } }
}`;
const ME = '{ me { username } }';

async function call(query, variables, { authorization, proof } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (authorization) headers.Authorization = authorization;
  if (proof) headers.DPoP = proof;
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  return {
    status: response.status,
    codes: (body.errors ?? []).map((error) => error.extensions?.code),
    wwwAuthenticate: response.headers.get('www-authenticate'),
    data: body.data ?? null,
  };
}

const proofFor = (keypair, accessToken, { htu = graphqlUrl, htm = 'POST' } = {}) =>
  generateProof(keypair, htu, htm, undefined, accessToken);
const dpopCall = async (keypair, token, options) =>
  call(ME, {}, { authorization: `DPoP ${token}`, proof: await proofFor(keypair, token, options) });

const results = {};
const key = await generateKeyPair('ES256');
results.thumbprint = await calculateThumbprint(key.publicKey);

// A valid client: sign in bound to the key, call the API, refresh, call again.
const signIn = await call(TOKEN_AUTH, { username, password }, { proof: await proofFor(key) });
results.signIn = signIn;
const { token, refreshToken } = signIn.data.tokenAuth;
results.me = await dpopCall(key, token);

// A replayed proof.
const used = await proofFor(key, token);
results.firstUse = await call(ME, {}, { authorization: `DPoP ${token}`, proof: used });
results.replayed = await call(ME, {}, { authorization: `DPoP ${token}`, proof: used });

// A proof made for another URL, and for another method.
results.otherUrl = await dpopCall(key, token, { htu: new URL('/admin/', graphqlUrl).href });
results.otherMethod = await dpopCall(key, token, { htm: 'GET' });

// The token used with another key (a thief's), and sent as a plain Bearer token.
const thief = await generateKeyPair('ES256');
results.otherKey = await dpopCall(thief, token);
results.asBearer = await call(ME, {}, { authorization: `Bearer ${token}` });

// Refresh: another key is refused and ends nothing; the right key works.
results.refreshOtherKey = await call(REFRESH, { refreshToken }, { proof: await proofFor(thief) });
results.refresh = await call(REFRESH, { refreshToken }, { proof: await proofFor(key) });
const refreshed = results.refresh.data.refreshToken;
results.meAfterRefresh = await dpopCall(key, refreshed.token);
results.refreshAgain = await call(
  REFRESH,
  { refreshToken: refreshed.refreshToken },
  { proof: await proofFor(key) },
);

// Another algorithm: an Ed25519 key (RFC 9864's `alg: Ed25519`).
const edKey = await generateKeyPair('Ed25519');
const edSignIn = await call(TOKEN_AUTH, { username, password }, { proof: await proofFor(edKey) });
results.ed25519 = await dpopCall(edKey, edSignIn.data.tokenAuth.token);
results.ed25519Thumbprint = await calculateThumbprint(edKey.publicKey);
results.ed25519SignIn = edSignIn;

console.log(JSON.stringify(results));
