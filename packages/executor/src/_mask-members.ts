import { maskedValue } from './mask-secrets.js';

type Step = { name: string; suffixes: Array<'[]' | '{}'> };
type Slot = { container: Record<string, unknown> | unknown[]; key: string | number };

/** `Functions[].Environment.Variables` → members with their list `[]` and map `{}` suffixes. */
function parseMemberPath(path: string): Step[] {
  return path.split('.').map((part) => {
    const suffixes: Array<'[]' | '{}'> = [];
    let name = part;
    while (name.endsWith('[]') || name.endsWith('{}')) {
      suffixes.unshift(name.slice(-2) as '[]' | '{}');
      name = name.slice(0, -2);
    }
    return { name, suffixes };
  });
}

function read(slot: Slot): unknown {
  return (slot.container as Record<string | number, unknown>)[slot.key];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expand(slot: Slot, suffixes: Step['suffixes']): Slot[] {
  let slots = [slot];
  for (const suffix of suffixes) {
    const following: Slot[] = [];
    for (const each of slots) {
      const value = read(each);
      if (suffix === '[]' && Array.isArray(value)) {
        for (let index = 0; index < value.length; index += 1)
          following.push({ container: value, key: index });
      } else if (suffix === '{}' && isRecord(value)) {
        for (const key of Object.keys(value)) following.push({ container: value, key });
      }
    }
    slots = following;
  }
  return slots;
}

/** Masks every non-empty string under a slot, keeping the names of maps and structures; returns what it masked. */
function maskLeaves(root: Slot, found: string[]): void {
  const stack = [root];
  while (stack.length > 0) {
    const slot = stack.pop() as Slot;
    const value = read(slot);
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index += 1) stack.push({ container: value, key: index });
    } else if (isRecord(value)) for (const key of Object.keys(value)) stack.push({ container: value, key });
    else if (typeof value === 'string' && value !== '' && value !== maskedValue) {
      found.push(value);
      (slot.container as Record<string | number, unknown>)[slot.key] = maskedValue;
    }
  }
}

/**
 * Masks, in place, the members of a parsed response that the paths name (the classification's `secretOutput`:
 * `.` between members, `[]` list items, `{}` map values; `*` is ignored, it is the whole output). The same walk as
 * the launcher's (`launcher/aws-launcher.py`), for a CLI whose Python cannot be imported. Returns the values masked
 * and the paths that held any.
 */
export function maskResponseMembers(
  response: unknown,
  paths: string[],
): { values: string[]; members: string[] } {
  const values: string[] = [];
  const members: string[] = [];
  for (const path of paths) {
    if (path === '*') continue;
    let slots: Slot[] = [{ container: { '': response }, key: '' }];
    for (const step of parseMemberPath(path)) {
      const following: Slot[] = [];
      for (const slot of slots) {
        const value = read(slot);
        if (isRecord(value) && Object.hasOwn(value, step.name)) {
          following.push(...expand({ container: value, key: step.name }, step.suffixes));
        }
      }
      slots = following;
    }
    const before = values.length;
    for (const slot of slots) maskLeaves(slot, values);
    if (values.length > before) members.push(path);
  }
  return { values, members };
}
