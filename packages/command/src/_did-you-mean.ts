/**
 * "Did you mean": the nearest valid names for a word the CLI would not take, for options, operations and
 * services. Kebab-case names are compared word by word, with verbs the AWS APIs use interchangeably treated as
 * one (`list-instances` → `describe-instances`), then by edit distance for typos (`--instance-id` →
 * `--instance-ids`).
 */

import { loadSnapshotCliModel } from './cli-model.js';

/** Verbs that mean the same to a person asking, one group per row. */
const verbGroups: readonly (readonly string[])[] = [
  ['list', 'describe', 'get', 'show', 'read', 'fetch', 'view', 'lookup', 'search'],
  ['create', 'add', 'put', 'new', 'make', 'register', 'run', 'start', 'launch'],
  ['delete', 'remove', 'rm', 'deregister', 'destroy', 'terminate', 'drop'],
  ['update', 'modify', 'set', 'change', 'edit', 'put'],
  ['stop', 'halt', 'cancel'],
];

function verbGroup(word: string): number {
  return verbGroups.findIndex((group) => group.includes(word));
}

/** Damerau–Levenshtein distance (optimal string alignment), bounded: stops early past `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous2: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (previous2[j - 2] as number) + 1);
      }
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous2 = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

/** How far `candidate` is from what was `written`; lower is nearer, undefined is not near at all. */
function distance(written: string, candidate: string): number | undefined {
  if (written === candidate) return 0;
  const typo = editDistance(written, candidate, Math.max(2, Math.floor(candidate.length / 4)));
  if (typo <= Math.max(2, Math.floor(candidate.length / 4))) return typo;
  if (candidate.startsWith(written) || written.startsWith(candidate))
    return 3 + Math.abs(candidate.length - written.length) / 10;
  const writtenWords = written.split('-');
  const candidateWords = candidate.split('-');
  const [writtenVerb, ...writtenRest] = writtenWords;
  const [candidateVerb, ...candidateRest] = candidateWords;
  const sameVerb =
    writtenVerb === candidateVerb ||
    (verbGroup(writtenVerb ?? '') !== -1 && verbGroup(writtenVerb ?? '') === verbGroup(candidateVerb ?? ''));
  const restWritten = writtenRest.join('-');
  const restCandidate = candidateRest.join('-');
  if (sameVerb && restWritten !== '' && editDistance(restWritten, restCandidate, 2) <= 2) {
    return 4 + editDistance(restWritten, restCandidate, 2);
  }
  const shared = writtenWords.filter((word) => word.length > 2 && candidateWords.includes(word)).length;
  if (shared > 0 && shared >= Math.ceil(writtenWords.length / 2)) {
    return 8 + candidateWords.length - shared + (sameVerb ? 0 : 1);
  }
  return undefined;
}

/** A name near what was written, with how near (0 is the same name; lower is nearer). */
export interface NearName {
  name: string;
  distance: number;
}

/**
 * Up to `limit` names from `candidates` nearest to `written`, nearest first (ties by name), each with its
 * distance; none when nothing is near. The one did-you-mean ranking: the parse's refusals and the catalog's
 * suggestions both use it.
 */
export function rankNames(written: string, candidates: Iterable<string>, limit = 3): NearName[] {
  const scored: NearName[] = [];
  const plain = written.toLowerCase();
  for (const candidate of candidates) {
    const score = distance(plain, candidate.toLowerCase());
    if (score !== undefined) scored.push({ name: candidate, distance: score });
  }
  scored.sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name));
  return scored.slice(0, limit);
}

/** Up to `limit` names from `candidates` nearest to `written`, nearest first; none when nothing is near. */
export function suggestNames(written: string, candidates: Iterable<string>, limit = 3): string[] {
  return rankNames(written, candidates, limit).map((near) => near.name);
}

/**
 * What to write on a CLI without the AWS CLI v2 commands, one row per command only v2 has (the v2 model says
 * which exist; a row says what v1 offers instead, and why).
 */
const versionOneWays: Readonly<Record<string, string>> = {
  'logs tail':
    'read the events with `aws logs filter-log-events --log-group-name NAME --start-time EPOCH_MS` (repeat with a later --start-time to follow)',
  ddb: 'use `aws dynamodb scan`, `query` or `put-item`',
  'ddb select': 'use `aws dynamodb scan` or `aws dynamodb query`',
  'ddb put': 'use `aws dynamodb put-item`',
  'configure list-profiles':
    'v1 lists no profiles: `aws configure list` shows the one in use, and the profiles are the sections of the AWS config and credentials files',
  'configure sso': 'v1 cannot sign in with SSO: the user signs in with AWS CLI v2, or configures credentials',
  'configure sso-session':
    'v1 cannot sign in with SSO: the user signs in with AWS CLI v2, or configures credentials',
  'sso login': 'v1 cannot sign in with SSO: the user runs `aws sso login` with AWS CLI v2 in a terminal',
  'configure import': 'set each key with `aws configure set`',
  'configure export-credentials': 'v1 has no command that prints credentials',
};

/** ` `aws logs tail` is an AWS CLI v2 command…`, when `command` (`aws logs tail`, `ddb`) is one v2 has. */
function versionTwoNote(command: string): string {
  const path = command.replace(/^aws /, '').split(' ');
  const [service = '', operation] = path;
  if (path.length > 2 || service.startsWith('-')) return '';
  const v2 = loadSnapshotCliModel(2);
  if (!v2.index.services.includes(service)) return '';
  if (operation !== undefined && !Object.hasOwn(v2.loadService(service)?.commands ?? {}, operation))
    return '';
  const key = path.join(' ');
  const instead = Object.hasOwn(versionOneWays, key) ? versionOneWays[key] : undefined;
  return ` \`aws ${key}\` is an AWS CLI v2 command, which this CLI does not have${instead === undefined ? '' : `: ${instead}`}.`;
}

/**
 * ` Did you mean `a` or `b`?` (with a leading space), or an empty string when there is nothing near. A command only
 * AWS CLI v2 has (`aws logs tail` on a v1 CLI) is said to be one first, with what to write instead.
 */
export function didYouMean(
  written: string,
  candidates: Iterable<string>,
  format: (name: string) => string = (name) => name,
): string {
  const names = suggestNames(written, candidates);
  const note = versionTwoNote(format(written));
  if (names.length === 0) return note;
  return `${note} Did you mean ${names.map((name) => `\`${format(name)}\``).join(' or ')}?`;
}
