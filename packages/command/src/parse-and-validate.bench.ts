import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import { validateFilterStage } from './_filters.js';
import { splitCommandLine } from './_tokenize.js';
import {
  createCatalog,
  indexFrozenCliModel,
  loadCliModel,
  loadFrozenCliModel,
  loadSnapshotCatalog,
  loadSnapshotCliModel,
  parseCommandLine,
  validatePipeline,
} from './index.js';

const line =
  "aws ec2 describe-instances --region eu-west-1 --query 'Reservations[].Instances[]' | jq -r '.[].InstanceId' | sort";
loadSnapshotCatalog();
// Warm: the model's index and the services the lines use, as in a running server.
const model = loadSnapshotCliModel(1);
const upload = "aws s3 cp report.txt s3://bucket/reports/ --sse AES256 --exclude '.*'";
const awkProgram =
  '$3 > 1000 && $1 ~ /^i-[0-9a-f]+$/ { n++; printf "%s\\t%d\\n", $1, ($3 > 5000) } END { print n }';
const jqProgram =
  '.Reservations[].Instances[] | select(.State.Name == "running") | "\\(.InstanceId) \\(.Tags // [] | map(.Key) | join(","))"';

// A frozen v2 (no Python to import) is read from its own botocore models; Debian's v2 models stand in for a bundle's.
const bundle = '/usr/lib/python3/dist-packages/awscli/botocore/data';
const frozen = {
  dataDirectory: bundle,
  cliVersion: '2.9.19',
  cacheDirectory: mkdtempSync(join(tmpdir(), 'bench-')),
};
if (existsSync(bundle)) await indexFrozenCliModel(frozen);

// The target is the steady state of a running server: warm the JIT first, then measure long enough that
// the median is not the first, unoptimized calls.
const steady = { warmupIterations: 3000, warmupTime: 500, time: 2000 };

describe('command', () => {
  bench(
    'parse + validate a typical pipeline',
    () => {
      validatePipeline(parseCommandLine(line), { mode: 'read-only' }, { workdir: '/w' });
    },
    steady,
  );
  bench(
    'parse + validate an s3 upload (a customization)',
    () => {
      validatePipeline(parseCommandLine(upload, { model }), { mode: 'confirm-writes' }, { workdir: '/w' });
    },
    steady,
  );
  bench('split a typical command line into stages and words', () => {
    splitCommandLine(line);
  });
  bench('check a jq and an awk program (their lexers and rules)', () => {
    validateFilterStage(['jq', '-r', jqProgram]);
    validateFilterStage(['awk', '-F', '\t', awkProgram]);
  });
  bench('load the CLI model index and ec2 on first use (the largest service)', () => {
    loadCliModel(new URL('../cli-model/v1/', import.meta.url)).loadService('ec2');
  });
  bench.skipIf(!existsSync(bundle))(
    'frozen v2: load the model with its operations index, and ec2 on first use',
    () => {
      loadFrozenCliModel(frozen).loadService('ec2');
    },
  );
  bench.skipIf(!existsSync(bundle))(
    'frozen v2: the same without the index (parses the 3 MB ec2 model)',
    () => {
      loadFrozenCliModel({ dataDirectory: bundle, cliVersion: '2.9.19' }).loadService('ec2');
    },
  );
  bench('load the catalog snapshot (read + parse + first service)', () => {
    const data = JSON.parse(readFileSync(new URL('../catalog/catalog.json', import.meta.url), 'utf8'));
    createCatalog(data).getService('ec2');
  });
});
