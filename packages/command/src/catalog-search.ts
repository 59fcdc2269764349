import type { AccessClass } from './_classify-rules.js';
import type { Catalog } from './catalog.js';

/** One catalog line: a command with its class and one-line description. */
export interface CatalogMatch {
  service: string;
  operation: string;
  accessClass: AccessClass;
  description: string;
  /** Higher is better; only meaningful within one search. */
  score: number;
}

/** A "did you mean" candidate for a misspelled service or operation. */
export interface CommandSuggestion {
  service: string;
  operation?: string;
  distance: number;
}

/** Every CLI service name in the catalog with its one-line description, sorted by name. */
export function listCatalogServices(catalog: Catalog): { service: string; description: string }[] {
  return catalog.serviceNames.map((service) => ({
    service,
    description: catalog.describe(service)?.service ?? '',
  }));
}

/** The operations of a service (or alias) with class and description, or undefined for an unknown service. */
export function listCatalogOperations(catalog: Catalog, service: string): CatalogMatch[] | undefined {
  const operations = catalog.getService(service);
  const descriptions = catalog.describe(service);
  if (operations === undefined) return undefined;
  return [...operations.values()]
    .map((operation) => ({
      service,
      operation: operation.name,
      accessClass: operation.accessClass,
      description: descriptions?.operations.get(operation.name) ?? '',
      score: 0,
    }))
    .sort((left, right) => left.operation.localeCompare(right.operation));
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('es') && /(ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

const synonyms: Record<string, string> = {
  show: 'describe',
  display: 'describe',
  find: 'search',
  remove: 'delete',
  erase: 'delete',
  make: 'create',
  add: 'create',
  bucket: 's3',
  function: 'lambda',
  instance: 'ec2',
  vm: 'ec2',
  queue: 'sqs',
  topic: 'sns',
  secret: 'secretsmanager',
  table: 'dynamodb',
  role: 'iam',
  user: 'iam',
  log: 'logs',
  stack: 'cloudformation',
};

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 1)
    .map(stem);
}

/**
 * Free-text search over every command: "list lambda functions" → `lambda list-functions` first. Scores service
 * names, operation-name words and description words. Loads the descriptions on first use.
 */
export function searchCatalog(
  catalog: Catalog,
  query: string,
  options: { limit?: number } = {},
): CatalogMatch[] {
  const terms = words(query);
  if (terms.length === 0) return [];
  const expanded = terms.map((term) =>
    [term, synonyms[term]].filter((word): word is string => word !== undefined),
  );
  const services = new Set(catalog.serviceNames);
  const serviceHits = new Set<string>();
  for (const alternatives of expanded) {
    for (const word of alternatives) {
      if (services.has(word)) serviceHits.add(word);
      for (const service of catalog.serviceNames)
        if (service.split('-').includes(word)) serviceHits.add(service);
    }
  }
  if (serviceHits.has('s3')) serviceHits.add('s3api');
  const candidates = serviceHits.size > 0 ? [...serviceHits] : catalog.serviceNames;
  const matches: CatalogMatch[] = [];
  for (const service of candidates) {
    const operations = catalog.getService(service);
    const descriptions = catalog.describe(service);
    if (operations === undefined) continue;
    const serviceBonus = serviceHits.has(service) ? 3 : 0;
    for (const operation of operations.values()) {
      const nameWords = new Set(operation.name.split('-').map(stem));
      const description = descriptions?.operations.get(operation.name) ?? '';
      const descriptionWords = new Set(words(description));
      let score = serviceBonus;
      let matched = 0;
      for (const alternatives of expanded) {
        if (alternatives.some((word) => nameWords.has(word))) {
          score += 4;
          matched++;
        } else if (
          alternatives.some(
            (word) => service === word || service === `${word}api` || service.split('-').includes(word),
          )
        )
          matched++;
        else if (alternatives.some((word) => descriptionWords.has(word))) {
          score += 1;
          matched++;
        }
      }
      if (matched === 0) continue;
      // Shorter names win ties, so `list-functions` beats `list-functions-by-code-signing-config`.
      score -= nameWords.size * 0.1;
      if (operation.name.startsWith('list-') || operation.name.startsWith('describe-')) score += 0.2;
      matches.push({
        service,
        operation: operation.name,
        accessClass: operation.accessClass,
        description,
        score,
      });
    }
  }
  return matches.sort((left, right) => right.score - left.score).slice(0, options.limit ?? 10);
}

function distance(left: string, right: string): number {
  const previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row++) {
    let diagonal = previous[0] as number;
    previous[0] = row;
    for (let column = 1; column <= right.length; column++) {
      const above = previous[column] as number;
      const cost = left[row - 1] === right[column - 1] ? 0 : 1;
      previous[column] = Math.min(above + 1, (previous[column - 1] as number) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[right.length] as number;
}

function closest(
  name: string,
  candidates: Iterable<string>,
  limit: number,
): { name: string; distance: number }[] {
  const budget = Math.max(2, Math.floor(name.length / 3));
  const scored: { name: string; distance: number }[] = [];
  for (const candidate of candidates) {
    const edits = distance(name, candidate);
    const gap = edits > budget && (candidate.includes(name) || name.includes(candidate)) ? budget : edits;
    if (gap <= budget) scored.push({ name: candidate, distance: gap });
  }
  return scored
    .sort((left, right) => left.distance - right.distance || left.name.localeCompare(right.name))
    .slice(0, limit);
}

/**
 * "Did you mean" for a command the catalog does not know: close service names when the service is unknown, else
 * close operation names within the service. Returns an empty list when the command is known or nothing is close.
 */
export function suggestCommands(
  catalog: Catalog,
  command: { service: string; operation?: string },
  options: { limit?: number } = {},
): CommandSuggestion[] {
  const limit = options.limit ?? 3;
  const operations = catalog.getService(command.service);
  if (operations === undefined) {
    const names = [...catalog.serviceNames, ...Object.keys(catalog.aliases)];
    return closest(command.service, names, limit).map((hit) => ({
      service: hit.name,
      distance: hit.distance,
    }));
  }
  if (command.operation === undefined || operations.has(command.operation)) return [];
  return closest(command.operation, operations.keys(), limit).map((hit) => ({
    service: command.service,
    operation: hit.name,
    distance: hit.distance,
  }));
}
