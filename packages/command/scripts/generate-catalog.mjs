#!/usr/bin/env node
// Regenerates catalog/catalog.json and catalog/descriptions.json from the botocore models of the installed AWS CLI.
// Usage: pnpm build && node scripts/generate-catalog.mjs [botocore-data-dir] [cli-version]
// Without arguments it asks `aws --version` and python for the pip (v1) layout; pass the v2 bundle's
// `…/awscli/botocore/data` directory explicitly for a v2 CLI.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { buildCatalogFromBotocore } from '../dist/index.js';

const versionLine = execFileSync('aws', ['--version'], { encoding: 'utf8' }).trim();
const version = process.argv[3] ?? /aws-cli\/(\S+)/.exec(versionLine)?.[1];
const dataDirectory =
  process.argv[2] ??
  execFileSync(
    'python3',
    ['-c', 'import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), "data"))'],
    { encoding: 'utf8' },
  ).trim();
if (version === undefined) throw new Error(`Cannot read the CLI version from: ${versionLine}`);
const { data, descriptions } = buildCatalogFromBotocore({ dataDirectory, version, source: versionLine });

/** One service per line, so a CLI upgrade shows as a reviewable diff of the services it changed. */
function formatCatalog({ services, ...head }) {
  const fields = Object.entries(head).map(
    ([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)},`,
  );
  const lines = Object.entries(services).map(
    ([key, value]) => `    ${JSON.stringify(key)}: ${JSON.stringify(value)}`,
  );
  return `{\n${fields.join('\n')}\n  "services": {\n${lines.join(',\n')}\n  }\n}\n`;
}

const catalogDirectory = new URL('../catalog/', import.meta.url);
writeFileSync(new URL('catalog.json', catalogDirectory), formatCatalog(data));
writeFileSync(new URL('descriptions.json', catalogDirectory), `${JSON.stringify(descriptions, null, 0)}\n`);
const operations = Object.values(data.services).reduce((sum, line) => sum + line.split(' ').length, 0);
console.error(
  `catalog: ${Object.keys(data.services).length} services, ${operations} operations, CLI ${version}`,
);
