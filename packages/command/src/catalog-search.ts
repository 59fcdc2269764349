import { classifyForLabel } from './_catalog-label.js';
import type { AccessClass } from './_classify-rules.js';
import { commonServices } from './_common-services.js';
import { rankNames } from './_did-you-mean.js';
import { searchVocabulary } from './_search-vocabulary.js';
import type { Catalog } from './catalog.js';

/** One catalog line: a command with its class and one-line description. */
export interface CatalogMatch {
  service: string;
  operation: string;
  /** The class the server's policy gives the command without arguments (from the classification). */
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
      accessClass: classifyForLabel(service, operation.name),
      description: descriptions?.operations.get(operation.name) ?? '',
      score: 0,
    }))
    .sort((left, right) => left.operation.localeCompare(right.operation));
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && /(ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Words that say nothing about which command is meant. */
const stopWords = new Set(
  'a an the in of to for on at by from into with my me i am is are do does did have has this that these those all any aws how much it be new through our your their there please can could would using use'.split(
    ' ',
  ),
);

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0)
    .map(stem);
}

interface IndexedOperation {
  service: string;
  operation: string;
  /** `service:operation`, as the vocabulary names operations. */
  key: string;
  verb: string;
  nameWords: Set<string>;
  descriptionWords: Set<string>;
  description: string;
}

interface SearchIndex {
  operations: IndexedOperation[];
  /** Words of each service's name and description (its title). */
  titles: Map<string, Set<string>>;
}

const indexes = new WeakMap<Catalog, SearchIndex>();

function searchIndex(catalog: Catalog): SearchIndex {
  let index = indexes.get(catalog);
  if (index !== undefined) return index;
  index = { operations: [], titles: new Map() };
  for (const service of catalog.serviceNames) {
    const described = catalog.describe(service);
    index.titles.set(service, new Set(words(`${service} ${described?.service ?? ''}`)));
    for (const name of catalog.getService(service)?.keys() ?? []) {
      const description = described?.operations.get(name) ?? '';
      const [verb = ''] = name.split('-');
      index.operations.push({
        service,
        operation: name,
        key: `${service}:${name}`,
        verb,
        nameWords: new Set(name.split('-').map(stem)),
        descriptionWords: new Set(words(description)),
        description,
      });
    }
  }
  indexes.set(catalog, index);
  return index;
}

/** A query word with what the vocabulary adds to it. */
interface Term {
  word: string;
  synonyms: readonly string[];
  services: ReadonlySet<string>;
  operations: ReadonlySet<string>;
}

function readTerms(query: string): Term[] {
  const seen = new Set<string>();
  const terms: Term[] = [];
  for (const word of words(query)) {
    if (stopWords.has(word) || seen.has(word)) continue;
    seen.add(word);
    const row = Object.hasOwn(searchVocabulary, word) ? searchVocabulary[word] : undefined;
    terms.push({
      word,
      synonyms: row?.words ?? [],
      services: new Set(row?.services ?? []),
      operations: new Set(row?.operations ?? []),
    });
  }
  return terms;
}

/** Verbs so common in operation names that matching one says little. */
const genericVerbs = new Set([
  'list',
  'describe',
  'get',
  'create',
  'delete',
  'update',
  'put',
  'set',
  'modify',
  'batch',
]);

/** How well one term matches one operation: by its name, the vocabulary, its service, its description. */
function scoreTerm(term: Term, entry: IndexedOperation, title: ReadonlySet<string> | undefined): number {
  const nameWeight = (word: string) => (word === entry.verb && genericVerbs.has(word) ? 2 : 3);
  let name = entry.nameWords.has(term.word) ? nameWeight(term.word) : 0;
  for (const synonym of term.synonyms) {
    if (entry.nameWords.has(synonym)) name = Math.max(name, nameWeight(synonym) * 0.8);
  }
  if (term.operations.has(entry.key)) name = Math.max(name, 5);
  const namesService = entry.service === term.word || entry.service === `${term.word}api`;
  if (name === 0 && !namesService && entry.descriptionWords.has(term.word)) name = 1;
  let service = 0;
  if (namesService) service = 3;
  else if (term.services.has(entry.service)) service = 1.5;
  else if (title?.has(term.word)) service = 0.5;
  return name + service;
}

/**
 * Free-text search over every command by what a person wants to do ("who am i" → `sts get-caller-identity`):
 * each query word scores against operation names, service names and titles, and the first sentence of each
 * operation's documentation, with the reviewed vocabulary of AWS users (`server` → EC2 instances, `bucket` → S3,
 * `port` → security group ingress). Every service is searched (none is left out because of its name) unless the
 * caller names one in `service`. Returns the
 * best `limit` (default 10) with a one-line purpose and the class the policy sees; an empty list for a query
 * with no words. Loads the descriptions on first use.
 */
export function searchCatalog(
  catalog: Catalog,
  query: string,
  options: { limit?: number; service?: string } = {},
): CatalogMatch[] {
  const terms = readTerms(query);
  if (terms.length === 0) return [];
  const index = searchIndex(catalog);
  const only =
    options.service === undefined ? undefined : (catalog.aliases[options.service] ?? options.service);
  const scored: { entry: IndexedOperation; score: number }[] = [];
  for (const entry of index.operations) {
    if (only !== undefined && entry.service !== only) continue;
    const title = index.titles.get(entry.service);
    let score = 0;
    const matched = new Set<string>();
    for (const term of terms) {
      const points = scoreTerm(term, entry, title);
      if (points === 0) continue;
      score += points;
      matched.add(term.word);
      for (const synonym of term.synonyms) matched.add(synonym);
    }
    if (score === 0) continue;
    // Name words nobody asked for count against a command, so `list-functions` beats `list-functions-by-…`.
    for (const word of entry.nameWords) if (!matched.has(word)) score -= 1;
    // Among equals, the services most people use come first (`ec2 describe-security-groups` before `wickr …`).
    if (commonServices.has(entry.service)) score += 0.8;
    scored.push({ entry, score });
  }
  scored.sort(
    (left, right) =>
      right.score - left.score ||
      left.entry.operation.length - right.entry.operation.length ||
      // Plain comparison: localeCompare over thousands of ties cost most of a search.
      (left.entry.key < right.entry.key ? -1 : 1),
  );
  return scored.slice(0, options.limit ?? 10).map(({ entry, score }) => ({
    service: entry.service,
    operation: entry.operation,
    accessClass: classifyForLabel(entry.service, entry.operation),
    description: entry.description,
    score,
  }));
}

/**
 * "Did you mean" for a command the catalog does not know, with the same ranking as the parse's refusals: close
 * service names (and aliases) when the service is unknown, else close operation names within the service.
 * Returns an empty list when the command is known or nothing is close.
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
    return rankNames(command.service, names, limit).map((hit) => ({
      service: hit.name,
      distance: hit.distance,
    }));
  }
  if (command.operation === undefined || operations.has(command.operation)) return [];
  return rankNames(command.operation, operations.keys(), limit).map((hit) => ({
    service: command.service,
    operation: hit.name,
    distance: hit.distance,
  }));
}
