// Writes docs/asyncapi/asyncapi.json and one JSON Schema per event from libs/contracts.
// With --check, fails (exit 1) when the checked-in files differ from what the contracts generate.
import { mkdirSync, readFileSync, readdirSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { asyncApiDocument, jsonSchemas } from '../src';

const root = join(__dirname, '../../..');
const outDir = join(root, 'docs/asyncapi');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;

const files = new Map<string, string>();
files.set('asyncapi.json', JSON.stringify(asyncApiDocument(version), null, 2) + '\n');
for (const [id, schema] of Object.entries(jsonSchemas())) {
  files.set(
    `schemas/${id}.schema.json`,
    JSON.stringify({ $id: `${id}.schema.json`, ...schema }, null, 2) + '\n',
  );
}

if (process.argv.includes('--check')) {
  const existing = existsSync(join(outDir, 'schemas'))
    ? readdirSync(join(outDir, 'schemas')).map((f) => `schemas/${f}`)
    : [];
  const stale = [...files].filter(
    ([file, text]) => !existsSync(join(outDir, file)) || readFileSync(join(outDir, file), 'utf8') !== text,
  );
  const extra = existing.filter((file) => !files.has(file));
  if (stale.length || extra.length) {
    console.error(
      `docs/asyncapi is out of date (${[...stale.map(([f]) => f), ...extra].join(', ')}): run npm run asyncapi`,
    );
    process.exit(1);
  }
  console.log(`docs/asyncapi matches the contracts (${files.size} files)`);
} else {
  rmSync(join(outDir, 'schemas'), { recursive: true, force: true });
  mkdirSync(join(outDir, 'schemas'), { recursive: true });
  for (const [file, text] of files) writeFileSync(join(outDir, file), text);
  console.log(`wrote ${files.size} files to docs/asyncapi`);
}
