// Splices benchmark results into docs/benchmarks.md: each <name>.md in the report directory (written by report()
// in bench/harness.ts) replaces what stands between `<!-- bench:<name> -->` and `<!-- /bench:<name> -->`, and the
// document is formatted as the repository formats it (prettier; a fragment's prose wrapped to the print width).
//   npx tsx bench/update-docs.ts <reportDir> [doc=docs/benchmarks.md]
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { format, resolveConfig } from 'prettier';

async function main(): Promise<boolean> {
  const [reportDir, doc = join(__dirname, '../docs/benchmarks.md')] = process.argv.slice(2);
  if (!reportDir) {
    console.error('usage: tsx bench/update-docs.ts <reportDir> [doc]');
    return false;
  }
  const config = { ...(await resolveConfig(doc)), filepath: doc };
  let text = readFileSync(doc, 'utf8');
  const missing: string[] = [];
  for (const file of readdirSync(reportDir)
    .filter((f) => f.endsWith('.md'))
    .sort()) {
    const name = basename(file, '.md');
    const open = `<!-- bench:${name} -->`;
    const close = `<!-- /bench:${name} -->`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (start < 0 || end < start) {
      missing.push(name);
      continue;
    }
    const fragment = await format(readFileSync(join(reportDir, file), 'utf8'), {
      ...config,
      proseWrap: 'always',
    });
    text = `${text.slice(0, start + open.length)}\n\n${fragment.trim()}\n\n${text.slice(end)}`;
    console.log(`docs: ${name} updated`);
  }
  writeFileSync(doc, await format(text, config));
  // A report without its markers would be lost silently.
  if (missing.length)
    console.error(`docs: no <!-- bench:NAME --> markers for ${missing.join(', ')} in ${doc}`);
  return missing.length === 0;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
