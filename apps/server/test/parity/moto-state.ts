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

/**
 * Fields moto makes anew at every dump while nothing is called, per model: the instances are compared without them,
 * so a new or removed instance still counts. One row per model, with what was seen.
 */
export const transientFields: Record<string, { fields: readonly string[]; seen: string }> = {
  'sts.AssumedRole': {
    fields: ['user_id'],
    seen:
      'after `sts assume-role-with-web-identity` for a role moto’s IAM does not hold, two dumps 2 s apart with ' +
      'nothing called differ only in `user_id` (`AROA…:session`): moto draws the role id at random each time',
  },
};

function withoutTransientFields(name: string, instances: unknown[]): unknown[] {
  const transient = transientFields[name];
  if (transient === undefined) return instances;
  return instances.map((instance) => {
    if (typeof instance !== 'object' || instance === null) return instance;
    const kept: Record<string, unknown> = { ...instance };
    for (const field of transient.fields) delete kept[field];
    return kept;
  });
}

/** The models whose instances changed between two state dumps of moto, as `service.Model`. */
export function changedModels(before: MotoState, after: MotoState): string[] {
  const changed: string[] = [];
  for (const service of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[service] ?? {};
    const b = after[service] ?? {};
    for (const model of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const name = `${service}.${model}`;
      if (name in transientModels) continue;
      const was = withoutTransientFields(name, a[model] ?? []);
      const now = withoutTransientFields(name, b[model] ?? []);
      if (!isDeepStrictEqual(was, now)) changed.push(name);
    }
  }
  return changed;
}
