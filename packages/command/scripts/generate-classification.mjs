#!/usr/bin/env node
// Regenerates catalog/classification.json and docs/classification-report.md from the botocore models of the
// installed AWS CLI: every API operation's access class (read, write, sensitive-read), the output members that
// carry secrets, and the inputs that make an operation return them. The reviewed exceptions live in
// src/_classification-overrides.ts and the CLI's own commands in src/_customization-actions.ts; the report shows
// what the rules and the overrides each decide.
// Usage: node scripts/generate-classification.mjs [botocore-data-dir]
// Without an argument it asks python for the pip (v1) layout, as generate-catalog.mjs does.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Operation-name prefixes that only read. */
const readPrefixes = [
  'describe-',
  'list-',
  'get-',
  'head-',
  'search-',
  'lookup-',
  'batch-get-',
  'batch-describe-',
  'estimate-',
  'validate-',
  'simulate-',
];

/**
 * The rules, in the order they are tried. `access` rules decide read or write from the name, the shapes and the
 * documentation; `secret` rules then turn a read into a sensitive read. Codes are what classification.json stores.
 */
export const rules = {
  n: { id: 'read-name', text: 'reads by its name (`describe-`, `list-`, `get-` …)' },
  a: { id: 'admin-read-name', text: 'is the `admin-` form of a read, which reads by its name' },
  q: {
    id: 'query-name',
    text: 'reads by its name (`query-`, `select-`, `is-`, `view-`, `contains-`, or just `search` or `select`)',
  },
  c: { id: 'count', text: 'only counts (`count-`)' },
  k: { id: 'check-with-result', text: 'returns the result of a check (`check-`) and changes nothing' },
  e: {
    id: 'export-returns-content',
    text: 'returns the exported content itself (`export-`), names no destination and starts no job',
  },
  v: {
    id: 'docs-state-change',
    text: 'is named as a read, but its documentation says it starts, sends or registers something',
  },
  w: { id: 'write-name', text: 'is not known to be read-only by its name' },
  t: { id: 'waiter', text: 'only polls read operations, as every waiter does' },
  h: { id: 'secret-unless-hidden', text: 'returns a secret unless an input asks to leave it out' },
  x: {
    id: 'writes-to-s3',
    text: 'is named as a read, but writes its result into an S3 location given in the input',
  },
  s: {
    id: 'secret-output',
    text: 'returns a secret as its answer (a credential, token, key or access URL at the top of the output)',
  },
  d: {
    id: 'secret-documented',
    text: 'hands out credentials, its documentation says, and the output carries them',
  },
  u: {
    id: 'access-url-documented',
    text: 'returns a URL that grants access by itself, its documentation says',
  },
};

/**
 * Names of output members that carry secrets, matched against the whole member name (case-insensitive). `kind`:
 * `credential` (a key, token, password or secret value: when it is what the call returns, the call is a sensitive
 * read), `url` (a URL that signs the caller in or grants access, same effect) and `configuration` (environment
 * variables and user data, which often hold secrets but are part of describing a resource, so they are only masked).
 * `types` limits the shapes a name counts for; `sensitiveOnly` counts a name only when the model marks it sensitive,
 * `topOnly` only at the top of the answer (a `Key` there is an API key, in `Tags[]` a tag's name), `parent` only
 * inside a member of that name (Lambda's `Environment.Variables`, not a policy's `variables`).
 */
export const secretNames = [
  { pattern: /^(\w*secretaccesskey|secretkey)$/i, kind: 'credential' },
  {
    pattern:
      /^(\w*(session|security|access|refresh|auth|bearer|oauth|authorization|webidentity)token|idtoken)$/i,
    kind: 'credential',
    types: ['string', 'blob'],
  },
  {
    pattern: /^(token|\w*credentials?)$/i,
    kind: 'credential',
    types: ['string', 'blob'],
    sensitiveOnly: true,
  },
  { pattern: /^key$/i, kind: 'credential', types: ['string'], sensitiveOnly: true, topOnly: true },
  { pattern: /^\w*password(data)?$/i, kind: 'credential', types: ['string', 'blob'] },
  { pattern: /^\w*privatekey(s|plaintext|base64)?$/i, kind: 'credential', types: ['string', 'blob', 'list'] },
  { pattern: /^(wrapped)?keymaterial$/i, kind: 'credential', types: ['string', 'blob', 'structure'] },
  { pattern: /^plaintext$/i, kind: 'credential', types: ['blob'] },
  {
    pattern: /^(\w*secret|secret(string|binary|value)|\w*secretvalue|secretto\w+)$/i,
    kind: 'credential',
    types: ['string', 'blob'],
  },
  { pattern: /^\w*passphrase$/i, kind: 'credential', types: ['string', 'blob'] },
  { pattern: /^streamkey$/i, kind: 'credential', types: ['string'] },
  {
    pattern: /^(\w*presharedkey|customergatewayconfiguration|vpnconnectiondevicesampleconfiguration)$/i,
    kind: 'credential',
    types: ['string'],
  },
  {
    pattern: /^(unlockcode|base32stringseed|qrcodepng|apikey|signedconnectionstring)$/i,
    kind: 'credential',
    types: ['string', 'blob'],
  },
  {
    pattern: /^(signin|login|embed|authcode|\w*presigned\w*|\w*signed|\w*streamingsession)ur[li]$/i,
    kind: 'url',
    types: ['string'],
  },
  { pattern: /^presignedurl$/i, kind: 'url', types: ['structure'] },
  {
    pattern: /^(environment|environmentvariables|environmentoverride)$/i,
    kind: 'configuration',
    types: ['map', 'list'],
  },
  { pattern: /^variables$/i, kind: 'configuration', types: ['map'], parent: /^environment$/i },
  {
    pattern: /^(userdata|userdataoverride)$/i,
    kind: 'configuration',
    types: ['string', 'blob', 'structure'],
  },
];

/** Names that match a secret pattern but are not secrets: a sync concurrency token, pagination. */
const notSecretNames = /^(syncsessiontoken|nexttoken|paginationtoken|subjectfrom\w+)$/i;

/** Members whose secret names AWS never fills in an answer (a requested change that has not happened yet). */
const unfilledContainers = /^pendingmodifiedvalues$/i;

/** Members holding a credential: inside one, any member the model marks sensitive is a secret too. */
const credentialContainers = /(credentials?|streamkeys?|secrets?|authorizationdata)$/i;

/** Names inside a credential container that identify rather than hold it, even when marked sensitive. */
const identifyingNames = /(id|arn|name|type|status)$/i;

/**
 * Phrases in an operation's documentation that say it hands out a secret. They count only in a sentence that does
 * not deny it ("does not return the secret access key") and only when the output carries a secret member, so a
 * mention in passing moves nothing on its own.
 */
const secretPhrases =
  /\b(temporary (\w+ ){0,3}credentials|(security|session|access|programmatic|basic) credentials|(access|authori[sz]ation|authentication|session|auth) tokens?|(returns|retrieves) the (\w+ ){0,2}(password|secret)|user ?name,? and (a )?password|stream keys?|pre-shared keys?|private keys?|unlock ?code)\b/i;

/** Phrases that say the answer is a URL that grants access by itself. */
const accessUrlPhrases =
  /\b(pre-?signed (\w+ ){0,3}ur[li]s?|sign-?(in|on) ur[li]s?|embed(ding)? ur[li]s?|temporary (\w+ ){0,2}ur[li]s?|ur[li] that (you can use|can be used) to (access|connect))\b/i;

/** A sentence that says something is left out of the answer ("does not return", "never reveals"). */
const denial = /(\bnot|\bnever|n't)\s+(\w+\s+){0,2}(return|reveal|include|contain|provide)/i;

/**
 * Members that say where a secret is kept rather than hold it: `CdnIdentifierSecret` ("The ARN for the secret…"),
 * `CertificateSecret` ("the name or ARN of the AWS Secrets Manager secret"), App Mesh's `privateKey` ("stored on the
 * file system").
 */
const referenceDocumentation =
  /\b(ARN|Amazon Resource Name|identifier|ID|name)( or ARN)? (of|for) the (AWS )?(Secrets Manager )?secret\b|^(The|Specify the) (ARN|Amazon Resource Name)\b|\bstored on the file system\b/i;

/** Reads one model file, plain or gzipped; undefined when neither exists. */
function readModelFile(directory, name) {
  const plain = join(directory, name);
  if (existsSync(plain)) return JSON.parse(readFileSync(plain, 'utf8'));
  if (existsSync(`${plain}.gz`)) return JSON.parse(gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8'));
  return undefined;
}

/**
 * The newest model of every service in a botocore `data` directory, as the CLI loads it:
 * `[{ directory, model, waiters }]`, sorted by directory name.
 */
export function readServiceModels(dataDirectory) {
  const found = [];
  for (const directory of readdirSync(dataDirectory).sort()) {
    const serviceDirectory = join(dataDirectory, directory);
    if (!statSync(serviceDirectory).isDirectory()) continue;
    const versions = readdirSync(serviceDirectory)
      .filter((entry) => /^\d{4}-\d{2}-\d{2}$/.test(entry))
      .sort();
    const newest = versions.at(-1);
    if (newest === undefined) continue;
    const model = readModelFile(join(serviceDirectory, newest), 'service-2.json');
    if (model?.operations === undefined) continue;
    const waiters = readModelFile(join(serviceDirectory, newest), 'waiters-2.json')?.waiters ?? {};
    found.push({ directory, model, waiters });
  }
  return found;
}

/** Plain text of a model's HTML documentation. */
export function documentationText(html) {
  return (html ?? '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

function secretNameRule({ name, shape, sensitive, top, parent }) {
  if (notSecretNames.test(name)) return undefined;
  const type = shape?.type;
  return secretNames.find(
    (rule) =>
      rule.pattern.test(name) &&
      (rule.types === undefined || rule.types.includes(type)) &&
      (rule.sensitiveOnly !== true || sensitive) &&
      (rule.topOnly !== true || top) &&
      (rule.parent === undefined || rule.parent.test(parent)),
  );
}

/**
 * Where a member sits: `root` (the output), `direct` (a member of a top-level structure, or of an item of a batch
 * get), `batch` (a top-level list of a batch get), `credential-top` (inside a credential container reached without
 * crossing a list), `credential-deep` (inside one further down) or `deep`.
 */
function childPlacement({ placement, member, target, batch }) {
  if (placement.startsWith('credential')) return placement;
  if (credentialContainers.test(member)) {
    return placement === 'root' || placement === 'direct' ? 'credential-top' : 'credential-deep';
  }
  if (placement === 'root' && target?.type === 'structure') return 'direct';
  if (placement === 'root' && batch && target?.type === 'list') return 'batch';
  return 'deep';
}

/**
 * The secret members of a shape, as paths: `.` between structure members, `[]` for a list's items, `{}` for a
 * map's values (`Functions[].Environment.Variables`). Each comes with its kind, whether the model marks it
 * sensitive, and `top`: whether it is what the answer is about (a member of the output or of a structure at its
 * top, or anything inside a credential container such as `Credentials` or `streamKey`), as opposed to a field deep
 * in a list of resources. Inside a credential container every member the model marks sensitive is a secret too.
 */
export function findSecretMembers(model, shapeName, { batch = false } = {}) {
  const found = [];
  const walk = (name, path, placement, context) => {
    const shape = model.shapes[name];
    if (shape === undefined || context.stack.includes(name)) return;
    const inner = { stack: [...context.stack, name], parent: context.parent };
    // The items of a batch get are each what a get would return.
    const itemPlacement = placement.startsWith('credential')
      ? placement
      : placement === 'batch'
        ? 'direct'
        : 'deep';
    if (shape.type === 'list') walk(shape.member.shape, `${path}[]`, itemPlacement, inner);
    if (shape.type === 'map') walk(shape.value.shape, `${path}{}`, itemPlacement, inner);
    if (shape.type !== 'structure') return;
    for (const [member, reference] of Object.entries(shape.members ?? {})) {
      if (unfilledContainers.test(member)) continue;
      const target = model.shapes[reference.shape];
      const memberPath = path === '' ? member : `${path}.${member}`;
      const sensitive = target?.sensitive === true || reference.sensitive === true;
      const top = placement === 'root' || placement === 'direct' || placement === 'credential-top';
      const rule = secretNameRule({ name: member, shape: target, sensitive, top, parent: context.parent });
      const isReference = referenceDocumentation.test(firstSentence(reference.documentation));
      if (rule !== undefined && !isReference) {
        found.push({ path: memberPath, name: member, kind: rule.kind, sensitive, top, named: true });
      } else if (
        placement.startsWith('credential') &&
        sensitive &&
        ['string', 'blob'].includes(target?.type) &&
        !identifyingNames.test(member)
      ) {
        found.push({ path: memberPath, name: member, kind: 'credential', sensitive, top, named: false });
      } else if (rule === undefined) {
        const next = childPlacement({ placement, member, target, batch });
        walk(reference.shape, memberPath, next, { stack: inner.stack, parent: member });
      }
    }
  };
  if (shapeName !== undefined) walk(shapeName, '', 'root', { stack: [], parent: '' });
  return found;
}

/** Whole operation names that only read (DynamoDB's `Query` and `Scan`). */
const readNames = new Set(['query', 'scan']);
/** Names the CLI's first rules missed that also only read. */
const queryPrefixes = ['query-', 'select-', 'is-', 'view-', 'contains-'];
const queryNames = new Set(['search', 'select']);
const destinationInputs = /(s3|destination|output(config|uri|location)?$|location$|bucket|role(name|arn)$)/i;
const exportJobOutputs = /^(\w*jobid|\w*taskid|exportid|jobarn|operations|s3\w*|\w*destination\w*)$/i;
const s3DestinationInputs = /(destinations3|s3destination|configdeliverys3)/i;
const stateChangeOpening = /^(?:given [^,]+, )?(starts|sends|registers)\b|^\w+ \(or retrieves\)/i;

function memberNames(model, reference) {
  return Object.keys(model.shapes[reference?.shape ?? '']?.members ?? {});
}

function readsByName(name) {
  return readNames.has(name) || readPrefixes.some((prefix) => name.startsWith(prefix));
}

/** The access rule (a code of `rules`) that decides whether an API operation reads or writes. */
export function decideAccess({ name, model, definition }) {
  const opening = firstSentence(definition.documentation);
  if (readsByName(name)) {
    if (stateChangeOpening.test(opening)) return 'v';
    if (memberNames(model, definition.input).some((member) => s3DestinationInputs.test(member))) return 'x';
    return 'n';
  }
  if (name.startsWith('admin-') && readsByName(name.slice('admin-'.length))) return 'a';
  if (queryNames.has(name) || queryPrefixes.some((prefix) => name.startsWith(prefix))) return 'q';
  if (name.startsWith('count-')) return 'c';
  const outputs = memberNames(model, definition.output);
  if (name.startsWith('check-') && outputs.length > 0) return 'k';
  if (
    name.startsWith('export-') &&
    outputs.length > 0 &&
    !outputs.some((member) => exportJobOutputs.test(member)) &&
    !memberNames(model, definition.input).some((member) => destinationInputs.test(member)) &&
    !/\bS3\b|\bbucket\b/i.test(opening)
  ) {
    return 'e';
  }
  return 'w';
}

const revealingInputs =
  /^(with|include|show|return|reveal)(decryption|values?|secrets?|passwords?|credentials?|plaintext)$/i;
const hidingInputs = /^(hide|without|omit|exclude)(values?|secrets?|passwords?|credentials?)$/i;

/**
 * Paths of the members an input toggle reveals: members named like what it reveals (`includeValues` → `value`),
 * and members the model marks sensitive whose name says they hold a value (`Parameter.Value` for `WithDecryption`).
 */
function findRevealedMembers(model, shapeName, object) {
  const found = [];
  const singular = object.toLowerCase().replace(/s$/, '');
  const walk = (name, path, stack) => {
    const shape = model.shapes[name];
    if (shape === undefined || stack.includes(name)) return;
    const inner = [...stack, name];
    if (shape.type === 'list') walk(shape.member.shape, `${path}[]`, inner);
    if (shape.type === 'map') walk(shape.value.shape, `${path}{}`, inner);
    for (const [member, reference] of Object.entries(shape.type === 'structure' ? shape.members : {})) {
      const target = model.shapes[reference.shape];
      const memberPath = path === '' ? member : `${path}.${member}`;
      const sensitive = target?.sensitive === true || reference.sensitive === true;
      const lower = member.toLowerCase();
      const leaf = ['string', 'blob'].includes(target?.type);
      if (leaf && (lower.replace(/s$/, '') === singular || (sensitive && /^values?$/.test(lower)))) {
        found.push(memberPath);
      } else walk(reference.shape, memberPath, inner);
    }
  };
  if (shapeName !== undefined) walk(shapeName, '', []);
  return found;
}

/**
 * Inputs that decide whether a read returns secrets: a boolean that asks for them (`WithDecryption`,
 * `includeValue`, `withSecret`), a boolean that leaves them out (`HidePassword`), or an enum that selects a secret
 * member of the output (`Attribute: userData`). Returns `[member, value, class, secret paths]` rows; the class is
 * what the operation becomes with that value.
 */
export function findSecretInputs({ model, definition, secrets }) {
  const rows = [];
  const input = model.shapes[definition.input?.shape ?? ''];
  for (const [member, reference] of Object.entries(input?.members ?? {})) {
    const shape = model.shapes[reference.shape];
    const revealing = revealingInputs.exec(member);
    if (shape?.type === 'boolean' && revealing !== null) {
      const revealed = findRevealedMembers(model, definition.output?.shape, revealing[2]);
      const paths = [...new Set([...secrets.map((secret) => secret.path), ...revealed])];
      rows.push([member, true, 'sensitive-read', paths]);
    } else if (shape?.type === 'boolean' && hidingInputs.test(member)) {
      rows.push([member, true, 'read', []]);
    }
    for (const value of shape?.enum ?? []) {
      const selected = secrets.find((secret) => secret.path.toLowerCase() === value.toLowerCase());
      if (selected !== undefined) rows.push([member, value, 'sensitive-read', [selected.path]]);
    }
  }
  return rows;
}

function isRevealing(secret) {
  return (secret.kind === 'credential' || secret.kind === 'url') && secret.unfilled !== true;
}

function sentencesOf(documentation) {
  return documentation.split(/(?<=[.!?])\s+/);
}

/** The first phrase of `pattern` in a sentence of the documentation that does not deny it. */
function findAffirmed(documentation, pattern) {
  for (const sentence of sentencesOf(documentation)) {
    const match = pattern.exec(sentence);
    if (match !== null && !denial.test(sentence)) return match[0];
  }
  return undefined;
}

/**
 * Marks the secrets the documentation says AWS leaves out ("the response never reveals the actual secret value in
 * ClientSecretValue", "does not return the secret access key"): a denying sentence that names the member.
 */
export function markUnfilled(secrets, documentation) {
  const denied = sentencesOf(documentation)
    .filter((sentence) => denial.test(sentence))
    .map((sentence) => sentence.toLowerCase().replace(/[^a-z0-9]/g, ''));
  for (const secret of secrets) {
    const name = secret.name.toLowerCase();
    if (denied.some((sentence) => sentence.includes(name))) secret.unfilled = true;
  }
  return secrets;
}

/**
 * The secret rule (a code of `rules`) that makes a read a sensitive read, and the member that does it: a
 * credential or access URL at the top of the answer (`s`), one anywhere in it when the documentation says the call
 * hands out credentials (`d`), or a top-level URL member when the documentation says the URL grants access (`u`).
 */
export function decideSecrecy({ secrets, documentation, outputMembers }) {
  const revealing = secrets
    .filter(isRevealing)
    .sort((left, right) => Number(right.named) - Number(left.named));
  const top = revealing.find((secret) => secret.top);
  if (top !== undefined) return { rule: 's', member: top.path };
  const phrase = findAffirmed(documentation, secretPhrases);
  // A plain `token` member is a credential only when the documentation says the call hands out a token.
  const token = Object.keys(outputMembers).find((name) => /^token$/i.test(name));
  const documented = revealing[0]?.path ?? token;
  if (phrase !== undefined && documented !== undefined) {
    return { rule: 'd', member: documented, documentation: phrase };
  }
  const urlPhrase = findAffirmed(documentation, accessUrlPhrases);
  const url = Object.entries(outputMembers).find(([name]) => /(ur[il]|link)$/i.test(name))?.[0];
  if (urlPhrase !== undefined && url !== undefined)
    return { rule: 'u', member: url, documentation: urlPhrase };
  return undefined;
}

const letterClasses = { r: 'read', w: 'write', s: 'sensitive-read' };
const readRules = new Set(['n', 'a', 'q', 'c', 'k', 'e']);

/** Classifies one API operation from its model: `{ letter, rule, details }`. */
export function classifyModelOperation({ model, operationName, name }) {
  const definition = model.operations[operationName];
  const documentation = documentationText(definition.documentation);
  const access = decideAccess({ name, model, definition });
  const secrets = markUnfilled(
    findSecretMembers(model, definition.output?.shape, { batch: name.startsWith('batch-get-') }),
    documentation,
  );
  const details = {};
  if (secrets.length > 0) details.output = secrets.map((secret) => secret.path);
  if (!readRules.has(access)) return { letter: 'w', rule: access, details };
  const inputs = findSecretInputs({ model, definition, secrets });
  if (inputs.length > 0) details.inputs = inputs;
  if (inputs.some((row) => row[2] === 'sensitive-read')) return { letter: 'r', rule: access, details };
  const hidden = inputs.find((row) => row[2] === 'read');
  if (hidden !== undefined) {
    details.because = { input: hidden[0] };
    return { letter: 's', rule: 'h', details };
  }
  const outputMembers = model.shapes[definition.output?.shape ?? '']?.members ?? {};
  const secrecy = decideSecrecy({ secrets, documentation, outputMembers });
  if (secrecy === undefined) return { letter: 'r', rule: access, details };
  details.because = { member: secrecy.member };
  if (secrecy.documentation !== undefined) details.because.documentation = secrecy.documentation;
  // The member that makes it a sensitive read is masked too: a presigned or sign-in URL, or a `token` the
  // documentation names, carries no `sensitive` trait, so findSecretMembers did not list it.
  if (!(details.output ?? []).includes(secrecy.member))
    details.output = [...(details.output ?? []), secrecy.member];
  return { letter: 's', rule: secrecy.rule, details };
}

function catalogOperationNames(catalog) {
  const names = {};
  for (const [service, encoded] of Object.entries(catalog.services)) {
    names[service] = new Set(encoded.split(' ').map((entry) => entry.split(':')[0]));
  }
  return names;
}

/** The CLI service a model belongs to: the catalog service that names most of its operations (`s3` → `s3api`). */
function findCliService(directory, names, catalogNames) {
  let best = directory;
  let bestCount =
    catalogNames[directory] === undefined
      ? -1
      : names.filter((name) => catalogNames[directory].has(name)).length;
  for (const [service, known] of Object.entries(catalogNames)) {
    const count = names.filter((name) => known.has(name)).length;
    if (count > bestCount) [best, bestCount] = [service, count];
  }
  return best;
}

/**
 * Where each `service:operation` (CLI names) of the models is defined: `Map<key, { model, operationName }>`, with
 * `naming` as for {@link deriveClassification}.
 */
export function indexModelOperations({ models, catalog, naming }) {
  const catalogNames = catalogOperationNames(catalog);
  const index = new Map();
  for (const { directory, model } of models) {
    const operationNames = Object.keys(model.operations);
    const cliNames = operationNames.map((operation) => naming.toCliName(operation));
    const service = findCliService(directory, cliNames, catalogNames);
    operationNames.forEach((operationName, position) => {
      const name = naming.operationRenames[`${service}:${cliNames[position]}`] ?? cliNames[position];
      index.set(`${service}:${name}`, { model, operationName });
    });
  }
  return index;
}

/**
 * The documentation of an operation as plain text: its own, and that of every shape and member its input and
 * output reach. The override rows' quotes are checked against this.
 */
export function collectDocumentation(model, operationName) {
  const definition = model.operations[operationName];
  const texts = [documentationText(definition.documentation)];
  const seen = new Set();
  const walk = (name) => {
    const shape = model.shapes[name];
    if (shape === undefined || seen.has(name)) return;
    seen.add(name);
    texts.push(documentationText(shape.documentation));
    if (shape.type === 'list') walk(shape.member.shape);
    if (shape.type === 'map') walk(shape.value.shape);
    for (const reference of Object.values(shape.members ?? {})) {
      texts.push(documentationText(reference.documentation));
      walk(reference.shape);
    }
  };
  for (const reference of [definition.input, definition.output]) {
    if (reference !== undefined) walk(reference.shape);
  }
  return texts.filter((text) => text !== '');
}

/** The rule an entry names when it names none: the name rules. */
const defaultRules = { r: 'n', w: 'w' };

function encodeEntry(name, { letter, rule }) {
  return defaultRules[letter] === rule ? `${name}:${letter}` : `${name}:${letter}:${rule}`;
}

/**
 * Classifies every API operation of the models and every `wait` command, under the CLI's service and operation
 * names. `naming` brings the package's own naming tables (`toCliName`, `operationRenames`, `operationAliases`,
 * `removedOperations` from src/), so names are computed in one place. Operations the CLI removes are classified
 * too, because customizations call them (`emr create-cluster` → `emr:run-job-flow`). Returns the data written to
 * catalog/classification.json.
 */
export function deriveClassification({ models, catalog, naming, botocoreVersion }) {
  const catalogNames = catalogOperationNames(catalog);
  const services = {};
  const details = {};
  for (const { directory, model, waiters } of models) {
    const operationNames = Object.keys(model.operations);
    const cliNames = operationNames.map((operation) => naming.toCliName(operation));
    const service = findCliService(directory, cliNames, catalogNames);
    const entries = [];
    const byName = new Map();
    operationNames.forEach((operationName, index) => {
      const modelName = cliNames[index];
      const name = naming.operationRenames[`${service}:${modelName}`] ?? modelName;
      const result = classifyModelOperation({ model, operationName, name });
      byName.set(name, result);
      entries.push(encodeEntry(name, result));
      if (Object.keys(result.details).length > 0) details[`${service}:${name}`] = result.details;
    });
    for (const [alias, target] of Object.entries(naming.operationAliases)) {
      const [aliasService, aliasName] = alias.split(':');
      const result = byName.get(target);
      if (aliasService !== service || result === undefined) continue;
      entries.push(encodeEntry(aliasName, result));
      if (Object.keys(result.details).length > 0) details[alias] = result.details;
    }
    const waited = [...new Set(Object.values(waiters).map((waiter) => naming.toCliName(waiter.operation)))];
    if (catalogNames[service]?.has('wait') && waited.length > 0) {
      // A waiter prints nothing, so a sensitive read it polls reveals nothing.
      const letter = waited.some(
        (name) => byName.get(name)?.letter !== 'r' && byName.get(name)?.letter !== 's',
      )
        ? 'w'
        : 'r';
      entries.push(encodeEntry('wait', { letter, rule: 't' }));
      details[`${service}:wait`] = { actions: waited.sort().map((name) => `${service}:${name}`) };
    }
    services[service] = entries.join(' ');
  }
  const sorted = Object.fromEntries(
    Object.keys(services)
      .sort()
      .map((service) => [service, services[service]]),
  );
  return {
    format: 1,
    botocore: botocoreVersion,
    source: catalog.source,
    rules: Object.fromEntries(Object.entries(rules).map(([code, rule]) => [code, rule])),
    aliases: catalog.aliases,
    services: sorted,
    details: Object.fromEntries(
      Object.keys(details)
        .sort()
        .map((key) => [key, details[key]]),
    ),
  };
}

/** Every `service:operation` of the generated data with its class letter and rule code, in data order. */
export function listEntries(data) {
  const entries = [];
  for (const [service, encoded] of Object.entries(data.services)) {
    for (const entry of encoded.split(' ')) {
      const [operation, letter, rule = defaultRules[letter]] = entry.split(':');
      entries.push({ service, operation, key: `${service}:${operation}`, letter, rule });
    }
  }
  return entries;
}

/** The class the first rules gave by name alone (read prefixes, `query`, `scan`, `wait`), before any model evidence. */
function classByNameAlone(operation) {
  return readsByName(operation) || operation === 'wait' ? 'read' : 'write';
}

function countClasses(classes) {
  const counts = { read: 0, write: 0, 'sensitive-read': 0 };
  for (const accessClass of classes) counts[accessClass] += 1;
  return counts;
}

function code(text) {
  return `\`${text}\``;
}

function cell(text) {
  return String(text).replace(/\|/g, '\\|');
}

function renderCounts(lines, { generated, final, customizations }) {
  lines.push('## Counts', '', '| | read | write | sensitive-read |', '| --- | ---: | ---: | ---: |');
  for (const [label, counts] of [
    ['API operations and waiters, rules alone', generated],
    ['API operations and waiters, with the reviewed overrides', final],
    ['CLI customizations (`s3 cp`, `configure set` …)', customizations],
  ]) {
    lines.push(`| ${label} | ${counts.read} | ${counts.write} | ${counts['sensitive-read']} |`);
  }
  lines.push('');
}

function renderRules(lines, { data, entries }) {
  lines.push(
    '## Rules and what each one moves',
    '',
    'Each operation is decided by the first rule that applies. "Moves" counts the operations whose class differs',
    'from the class the name alone gives (read prefixes such as `describe-`, `list-`, `get-`; anything else a write).',
    '',
    '| rule | what it says | decides | moves |',
    '| --- | --- | ---: | ---: |',
  );
  const moved = new Map();
  for (const entry of entries) {
    const accessClass = letterClasses[entry.letter];
    const before = classByNameAlone(entry.operation);
    if (accessClass !== before) {
      if (!moved.has(entry.rule)) moved.set(entry.rule, []);
      moved.get(entry.rule).push({ ...entry, before, accessClass });
    }
  }
  for (const [ruleCode, rule] of Object.entries(data.rules)) {
    const decides = entries.filter((entry) => entry.rule === ruleCode).length;
    lines.push(
      `| ${code(rule.id)} | ${cell(rule.text)} | ${decides} | ${moved.get(ruleCode)?.length ?? 0} |`,
    );
  }
  lines.push('');
  for (const [ruleCode, rule] of Object.entries(data.rules)) {
    const list = moved.get(ruleCode) ?? [];
    if (list.length === 0) continue;
    lines.push(`### ${code(rule.id)} moves ${list.length}`, '');
    for (const entry of list) {
      const because = data.details[entry.key]?.because;
      const evidence = because?.member ?? because?.input;
      const said = because?.documentation === undefined ? '' : ` ("${because.documentation}")`;
      lines.push(
        `- ${code(`${entry.service} ${entry.operation}`)}: ${entry.before} → ${entry.accessClass}${evidence === undefined ? '' : `, ${code(evidence)}`}${said}`,
      );
    }
    lines.push('');
  }
}

function renderOverrides(lines, { entries, overrides }) {
  lines.push(
    '## Reviewed overrides',
    '',
    'Rows of `src/_classification-overrides.ts`: what the rules decide, what the row decides, and the sentence of the',
    "model's documentation it rests on.",
    '',
    '| operation | rules | override | documentation | reason |',
    '| --- | --- | --- | --- | --- |',
  );
  const byKey = new Map(entries.map((entry) => [entry.key, entry]));
  for (const [key, row] of Object.entries(overrides)) {
    const generated = byKey.get(key);
    const before = generated === undefined ? 'unknown' : letterClasses[generated.letter];
    const [service, operation] = key.split(':');
    lines.push(
      `| ${code(`${service} ${operation}`)} | ${before} | ${row.accessClass} | ${cell(row.documentation)} | ${cell(row.reason)} |`,
    );
  }
  lines.push('');
}

function renderComparison(lines, { catalog, entries, customizations, classify, classifyCommand }) {
  const today = new Map();
  for (const [service, encoded] of Object.entries(catalog.services)) {
    for (const entry of encoded.split(' ')) {
      const [operation, letter] = entry.split(':');
      today.set(`${service}:${operation}`, letterClasses[letter]);
    }
  }
  const commands = new Set(Object.keys(customizations));
  const rows = [
    ...entries
      .filter((entry) => today.has(entry.key) && !commands.has(entry.key))
      .map((entry) => ({ key: entry.key, now: classify(entry).accessClass })),
    ...[...commands].map((key) => {
      const [service, operation] = key.split(':');
      return { key, now: classifyCommand({ service, operation }).accessClass };
    }),
  ];
  const moves = new Map();
  for (const { key, now } of rows) {
    const before = today.get(key);
    if (before === undefined || before === now) continue;
    const label = `${before} → ${now}`;
    if (!moves.has(label)) moves.set(label, []);
    moves.get(label).push(key.replace(':', ' '));
  }
  lines.push(
    '## Compared with the catalog today',
    '',
    'What changes against the classes in `catalog/catalog.json` (the name rules and their hand-kept list), for the',
    'commands the catalog lists, with the overrides and the customization table applied.',
    '',
  );
  for (const [label, keys] of [...moves.entries()].sort()) {
    lines.push(`- ${label} (${keys.length}): ${keys.map(code).join(', ')}`);
  }
  lines.push('');
}

function renderSensitive(lines, { entries, classify }) {
  lines.push(
    '## Every sensitive read',
    '',
    'With the overrides applied; the member is the output member that makes it one.',
    '',
  );
  for (const entry of entries) {
    const result = classify({ service: entry.service, operation: entry.operation });
    if (result.accessClass !== 'sensitive-read') continue;
    const member = result.sensitiveBecause?.member;
    lines.push(
      `- ${code(`${entry.service} ${entry.operation}`)}${member === undefined ? '' : `: ${code(member)}`} (${result.rule})`,
    );
  }
  lines.push('', '### Reads that become sensitive with an input', '');
  for (const entry of entries) {
    for (const [member, value, accessClass, paths] of classify.data.details[entry.key]?.inputs ?? []) {
      if (accessClass !== 'sensitive-read') continue;
      const shown = paths.length === 0 ? '' : `: ${paths.map(code).join(', ')}`;
      lines.push(
        `- ${code(`${entry.service} ${entry.operation}`)} with ${code(`${member}: ${value}`)}${shown}`,
      );
    }
  }
  lines.push('');
}

function renderSecretOutput(lines, { entries, classify }) {
  const withSecrets = entries
    .map((entry) => ({ entry, result: classify({ service: entry.service, operation: entry.operation }) }))
    .filter(({ result }) => result.secretOutput.length > 0);
  const counts = countClasses(withSecrets.map(({ result }) => result.accessClass));
  lines.push(
    '## Secret output members',
    '',
    `${withSecrets.length} operations list output members to mask: ${counts.read} reads, ${counts.write} writes, ${counts['sensitive-read']} sensitive reads.`,
    'Reads among them stay runnable in read-only mode; the members are masked. The full list is in',
    '`catalog/classification.json` (`details[…].output`).',
    '',
  );
}

function renderCustomizations(lines, { customizations, classify }) {
  lines.push(
    '## CLI customizations',
    '',
    '| command | class | API operations | reason |',
    '| --- | --- | --- | --- |',
  );
  for (const key of Object.keys(customizations)) {
    const [service, operation] = key.split(':');
    const result = classify({ service, operation });
    lines.push(
      `| ${code(`${service} ${operation}`)} | ${result.accessClass} | ${result.apiActions.map(code).join(' ') || '(local)'} | ${cell(customizations[key].reason)} |`,
    );
  }
  lines.push(
    '',
    'The `s3` transfers list every direction here; with `paths` given they perform only the one that applies',
    '(`s3 cp s3://b/k .` → `s3api:head-object`, `s3api:get-object`).',
    '',
  );
}

/**
 * The Markdown of docs/classification-report.md: counts per class, what each rule decides and moves, the override
 * rows, what changes against the catalog's classes, every sensitive read with the member that makes it one, and
 * the customizations. `classifyOperation` is the
 * package's own, so the report shows what the package decides.
 */
export function renderReport({
  data,
  catalog,
  classifyOperation,
  classifyApiOperation,
  overrides,
  customizations,
}) {
  const classify = (input) => classifyApiOperation(input, { data });
  classify.data = data;
  const classifyCommand = (input) => classifyOperation(input, { data });
  const generatedOnly = (input) => classifyApiOperation(input, { data, overrides: false });
  const entries = listEntries(data);
  const lines = [
    '# Classification report',
    '',
    `Generated by \`packages/command/scripts/generate-classification.mjs\` from botocore ${data.botocore}`,
    `(${data.source}); do not edit by hand.`,
    '',
  ];
  renderCounts(lines, {
    generated: countClasses(entries.map((entry) => generatedOnly(entry).accessClass)),
    final: countClasses(entries.map((entry) => classify(entry).accessClass)),
    customizations: countClasses(
      Object.keys(customizations).map((key) => {
        const [service, operation] = key.split(':');
        return classifyCommand({ service, operation }).accessClass;
      }),
    ),
  });
  renderRules(lines, { data, entries });
  renderOverrides(lines, { entries, overrides });
  renderComparison(lines, { catalog, entries, customizations, classify, classifyCommand });
  renderSensitive(lines, { entries, classify });
  renderSecretOutput(lines, { entries, classify });
  renderCustomizations(lines, { customizations, classify: classifyCommand });
  return `${lines.join('\n').trimEnd()}\n`;
}

const packageModules = [
  '_operation-names',
  '_customizations',
  '_classification-overrides',
  '_customization-actions',
  '_classification',
];

/**
 * Loads the package's table modules and `_classification.ts` (which import nothing else at run time) by compiling
 * them with the workspace's TypeScript into a temporary folder, so this script runs on plain Node without a build.
 */
async function importPackageModules(names = packageModules) {
  const { default: ts } = await import('typescript');
  const folder = mkdtempSync(join(tmpdir(), 'aws-mcp-classification-'));
  try {
    for (const name of names) {
      const source = readFileSync(new URL(`../src/${name}.ts`, import.meta.url), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(join(folder, `${name}.js`), outputText);
    }
    const modules = {};
    for (const name of names) {
      Object.assign(modules, await import(pathToFileURL(join(folder, `${name}.js`)).href));
    }
    return modules;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

// The package's own first-sentence rule (the one its help pages and catalog use), so both read a model alike.
const docText = await importPackageModules(['_doc-text']);
// The same documentation comes back for every use of a shape: reading it once halves the run.
const openings = new Map();

/** The whole first sentence of a model's HTML documentation, as plain text. */
function firstSentence(html) {
  let sentence = openings.get(html);
  if (sentence === undefined) {
    sentence = docText.firstSentence(html, Number.POSITIVE_INFINITY);
    openings.set(html, sentence);
  }
  return sentence;
}

/** The `__version__` of the botocore package a `data` directory belongs to. */
export function readBotocoreVersion(dataDirectory) {
  const init = readFileSync(join(dataDirectory, '..', '__init__.py'), 'utf8');
  const version = /^__version__ = ['"]([^'"]+)['"]/m.exec(init)?.[1];
  if (version === undefined) throw new Error(`No botocore __version__ next to ${dataDirectory}`);
  return version;
}

/** The botocore `data` directory of the `python3` on PATH (the pip layout of the CLI v1). */
export function findPythonBotocoreData() {
  return execFileSync(
    'python3',
    ['-c', 'import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), "data"))'],
    { encoding: 'utf8' },
  ).trim();
}

async function main() {
  const dataDirectory = process.argv[2] ?? findPythonBotocoreData();
  const modules = await importPackageModules();
  const catalog = JSON.parse(readFileSync(new URL('../catalog/catalog.json', import.meta.url), 'utf8'));
  const data = deriveClassification({
    models: readServiceModels(dataDirectory),
    catalog,
    naming: modules,
    botocoreVersion: readBotocoreVersion(dataDirectory),
  });
  writeFileSync(new URL('../catalog/classification.json', import.meta.url), `${JSON.stringify(data)}\n`);
  const report = renderReport({
    data,
    catalog,
    classifyOperation: modules.classifyOperation,
    classifyApiOperation: modules.classifyApiOperation,
    overrides: modules.classificationOverrides,
    customizations: modules.customizationActions,
  });
  writeFileSync(new URL('../../../docs/classification-report.md', import.meta.url), report);
  const counts = countClasses(listEntries(data).map((entry) => letterClasses[entry.letter]));
  console.error(
    `classification: ${counts.read} read, ${counts.write} write, ${counts['sensitive-read']} sensitive-read (botocore ${data.botocore})`,
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
