/**
 * "Did you mean": the nearest valid names for a word the CLI would not take, for options, operations and
 * services. Kebab-case names are compared word by word, with verbs the AWS APIs use interchangeably treated as
 * one (`list-instances` → `describe-instances`), then by edit distance for typos (`--instance-id` →
 * `--instance-ids`).
 */

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

/** ` Did you mean `a` or `b`?` (with a leading space), or an empty string when there is nothing near. */
export function didYouMean(
  written: string,
  candidates: Iterable<string>,
  format: (name: string) => string = (name) => name,
): string {
  const names = suggestNames(written, candidates);
  if (names.length === 0) return '';
  return ` Did you mean ${names.map((name) => `\`${format(name)}\``).join(' or ')}?`;
}
