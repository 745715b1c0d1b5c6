// graphql-http's server audits (the GraphQL-over-HTTP spec, as its authors test it)
// against a live endpoint. Prints one line per audit and a JSON summary as the last
// line; exits 1 on any MUST or SHOULD failure (MAY failures are reported only).
//
//   node audit.mjs http://127.0.0.1:18500/graphql/
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <url of the GraphQL endpoint>');
  process.exit(2);
}

const levels = ['MUST', 'SHOULD', 'MAY'];
const counts = Object.fromEntries(levels.map((level) => [level, { pass: 0, fail: 0 }]));
const failures = [];

for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const result = await audit.fn();
  const level = levels.find((candidate) => result.name.startsWith(candidate));
  const passed = result.status === 'ok';
  counts[level][passed ? 'pass' : 'fail'] += 1;
  console.log(`${passed ? 'ok  ' : 'FAIL'} ${result.id} ${result.name}`);
  if (!passed) {
    console.log(`       ${result.reason}`);
    failures.push({ id: result.id, name: result.name, reason: result.reason });
  }
}

const blocking = failures.filter((failure) => !failure.name.startsWith('MAY'));
console.log(JSON.stringify({ counts, failures }));
process.exit(blocking.length ? 1 : 0);
