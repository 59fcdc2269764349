import { isDeepStrictEqual } from 'node:util';

/** moto's `/moto-api/data.json`: service → model → instances. */
export type MotoState = Record<string, Record<string, unknown[]>>;

/**
 * Models whose instances moto makes while answering a read, so a count of them says nothing about the state: one
 * row per model, with what was seen.
 */
export const transientModels: Record<string, string> = {
  // moto reads the clock for these: a message received earlier turns visible again when its visibility timeout
  // passes, and the queue's message counts follow, between any two dumps (seen after an ssm read in CI).
  'sqs.Message': 'its visibility is computed from the clock, so it changes while nothing is called',
  'sqs.Queue': 'its message counts follow its messages’ clock-computed visibility',
  'dynamodb.Item':
    'a scan builds a tracked copy of each item it returns (one put-item, then one scan: 2 tracked items, 1 stored)',
};

/** The models whose instances changed between two state dumps of moto, as `service.Model`. */
export function changedModels(before: MotoState, after: MotoState): string[] {
  const changed: string[] = [];
  for (const service of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[service] ?? {};
    const b = after[service] ?? {};
    for (const model of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const name = `${service}.${model}`;
      if (!(name in transientModels) && !isDeepStrictEqual(a[model] ?? [], b[model] ?? []))
        changed.push(name);
    }
  }
  return changed;
}
