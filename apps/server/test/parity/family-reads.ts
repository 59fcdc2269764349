import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadSnapshotCatalog } from '@aws-mcp/command';

const here = dirname(fileURLToPath(import.meta.url));

/** Reads with thousands of rows of moto's built-in data: never picked to read a family back. */
export const slowReads =
  /^describe-(instance-types|images|spot-price-history|instance-type-offerings|regions)$/;

/** What `minimal-input.py` says of one operation. */
export interface GeneratedOperation {
  service: string;
  operation: string;
  botocoreService: string;
  motoModule: string;
  implemented: boolean;
  argv?: string[];
  skip?: string;
}

/** The catalog's operations of `services` (all when undefined) that take input, as minimal-input.py rows. */
export async function generateMinimalInputs(options: {
  python: string;
  services?: readonly string[];
}): Promise<{ motoDir: string; operations: GeneratedOperation[] }> {
  const catalog = loadSnapshotCatalog();
  const wanted: [string, string][] = [];
  for (const service of options.services ?? catalog.serviceNames) {
    for (const operation of catalog.getService(service)?.values() ?? []) {
      if (!operation.customization && !operation.outfile) wanted.push([service, operation.name]);
    }
  }
  const generator = execFile(options.python, [join(here, 'minimal-input.py')], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = new Promise<string>((resolve, reject) => {
    let text = '';
    generator.stdout?.on('data', (chunk) => {
      text += chunk;
    });
    generator.on('error', reject);
    generator.on('close', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`minimal-input.py: exit ${code}`)),
    );
  });
  generator.stdin?.end(JSON.stringify(wanted));
  return JSON.parse(await output) as { motoDir: string; operations: GeneratedOperation[] };
}

/**
 * Per service, the reads that list a family without arguments (`list-*`/`describe-*` the catalog calls a read,
 * moto implements, and minimal-input.py gives no argument), the candidates {@link familyRead} picks from.
 */
export function listFamilyReads(operations: readonly GeneratedOperation[]): Map<string, string[]> {
  const catalog = loadSnapshotCatalog();
  const reads = new Map<string, string[]>();
  for (const each of operations) {
    if (!each.implemented) continue;
    const operation = catalog.getService(each.service)?.get(each.operation);
    if (
      operation?.accessClass === 'read' &&
      each.argv?.length === 0 &&
      /^(list|describe)-/.test(each.operation) &&
      !slowReads.test(each.operation)
    ) {
      reads.set(each.service, [...(reads.get(each.service) ?? []), each.operation]);
    }
  }
  return reads;
}

/** The read that lists the family an operation names (`delete-security-group` → `describe-security-groups`). */
export function familyRead(operation: string, noArgumentReads: readonly string[]): string | undefined {
  const noun = operation.split('-').slice(1).join('-');
  if (noun === '') return undefined;
  const plurals = [noun, `${noun}s`, `${noun}es`, `${noun.replace(/y$/, '')}ies`];
  const matches = noArgumentReads.filter((read) => {
    const rest = read.split('-').slice(1).join('-');
    return plurals.includes(rest) || rest.startsWith(`${noun}-`);
  });
  return matches.sort((a, b) => a.length - b.length)[0];
}

/** One botocore process answering family reads (`botocore-reads.py`): a CLI start per read would cost seconds. */
export interface FamilyReader {
  /** The read's answer as JSON text without its metadata, or `error: Code`. */
  read(botocoreService: string, operation: string): Promise<string>;
  stop(): void;
}

export function startFamilyReader(options: {
  python: string;
  endpoint: string;
  env: Record<string, string>;
}): FamilyReader {
  const waiting: ((answer: string) => void)[] = [];
  const reader: ChildProcess = spawn(options.python, [join(here, 'botocore-reads.py'), options.endpoint], {
    env: options.env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  createInterface({ input: reader.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const answer = JSON.parse(line) as { answer?: string; error?: string };
    waiting.shift()?.(answer.answer ?? `error: ${answer.error}`);
  });
  return {
    read(botocoreService, operation) {
      const answer = new Promise<string>((resolve) => waiting.push(resolve));
      reader.stdin?.write(`${JSON.stringify({ service: botocoreService, operation })}\n`);
      return answer;
    },
    stop() {
      reader.stdin?.end();
    },
  };
}
