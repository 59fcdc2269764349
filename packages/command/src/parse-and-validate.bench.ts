import { readFileSync } from 'node:fs';
import { bench, describe } from 'vitest';
import { createCatalog, loadSnapshotCatalog, parseCommandLine, validatePipeline } from './index.js';

const line =
  "aws ec2 describe-instances --region eu-west-1 --query 'Reservations[].Instances[]' | jq -r '.[].InstanceId' | sort";
loadSnapshotCatalog();

describe('command', () => {
  bench('parse + validate a typical pipeline', () => {
    validatePipeline(parseCommandLine(line), { mode: 'read-only' }, { workdir: '/w' });
  });
  bench('load the catalog snapshot (read + parse + first service)', () => {
    const data = JSON.parse(readFileSync(new URL('../catalog/catalog.json', import.meta.url), 'utf8'));
    createCatalog(data).getService('ec2');
  });
});
