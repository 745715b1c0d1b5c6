// Fails when src/generated/ is not what `npm run codegen` would write now
// (schema.graphql, src/operations.graphql or codegen.ts changed without a re-run).
import { readFile } from "node:fs/promises";

import { generate, loadContext } from "@graphql-codegen/cli";

const context = await loadContext("codegen.ts");
context.updateConfig({ silent: true });
const outputs = await generate(context, false);
let stale = 0;
for (const { filename, content } of outputs) {
  const committed = await readFile(filename, "utf8").catch(() => null);
  if (committed !== content) {
    stale += 1;
    console.error(`${filename} is out of date: run \`npm run codegen\` and commit it`);
  }
}
if (stale === 0) console.log(`codegen: ${outputs.length} generated file(s) up to date`);
process.exitCode = stale === 0 ? 0 : 1;
