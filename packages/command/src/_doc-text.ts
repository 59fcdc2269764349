/**
 * Plain text from the documentation the AWS CLI ships: botocore's HTML (`<p>…</p>`, `<code>`) and the ReST of the
 * CLI's own customizations (``literal``, `link <url>`_). One reading for the catalog's descriptions and the help
 * pages, so both say the same sentence.
 */

const entities: Readonly<Record<string, string>> = {
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&apos;': "'",
  '&nbsp;': ' ',
  '&amp;': '&',
};

/** Documentation as one line of plain text: tags, ReST markup and entities removed, white space collapsed. */
export function plainText(documentation: string | undefined): string {
  if (documentation === undefined) return '';
  return documentation
    .replace(/<li>/gi, ' • ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(?:lt|gt|quot|#39|apos|nbsp|amp);/g, (entity) => entities[entity] ?? entity)
    .replace(/``([^`]*)``/g, '$1')
    .replace(/`([^`<]*?)\s*<[^>]*>`_+/g, '$1')
    .replace(/:(?:ref|doc):`([^`]*)`/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Cuts `text` to at most `limit` characters at a word boundary, marking the cut with `…`. */
export function clip(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, Math.max(0, limit - 1));
  const space = cut.lastIndexOf(' ');
  return `${(space > limit / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * Words that end in a dot but end no sentence, even before a capital, each with a case from the shipped models.
 * (`etc.` and numbers do end sentences there: "… log groups etc." and "… from 1 to 1000. Optional.")
 */
const nonFinalAbbreviations: Readonly<Record<string, string>> = {
  'e.g.':
    'cognito-sync RegisterDeviceRequest.Platform: "The SNS platform type (e.g. GCM, SDM, APNS, APNS_SANDBOX)."',
  'i.e.': 'as e.g.: an abbreviation inside a sentence, which a name with a capital may follow',
};

/** Where a block of the HTML ends (a paragraph, a list item) or a list or note starts: an end of sentence. */
const blockBoundary = /<\/(?:p|li|dd|dt|h\d)>|<(?:ul|ol|note|important|p)>/gi;
/** Stands for a block boundary inside the plain text; a private-use character no documentation has. */
const boundary = '\uE000';

/**
 * The first sentence of some documentation, as plain text of at most `limit` characters. A sentence ends at
 * `.`, `!` or `?` before a space and a capital (or the end), except after the words of nonFinalAbbreviations; and
 * at the end of the first block of HTML that has text (a paragraph without a stop ends there too), unless that
 * block is only a label in parentheses, such as `(deprecated)`, which stays in front of the next one.
 */
export function firstSentence(documentation: string | undefined, limit = 160): string {
  const text = plainText(documentation?.replace(blockBoundary, `$&${boundary}`));
  const blocks = text
    .split(boundary)
    .map((block) => block.trim())
    .filter((block) => block !== '');
  let label = '';
  let first = blocks[0] ?? '';
  for (const block of blocks) {
    first = block;
    if (!/^\([^()]*\)$/.test(block) || block === blocks.at(-1)) break;
    label += `${block} `;
  }
  return clip(`${label}${sentenceOf(first)}`, limit);
}

function sentenceOf(text: string, ends = /[.!?](?=\s+[A-Z(•]|$)/g): string {
  for (const match of text.matchAll(ends)) {
    const before = text.slice(0, match.index + 1);
    const word = /(\S+)$/.exec(before)?.[1]?.replace(/^\(/, '').toLowerCase() ?? '';
    if (!Object.hasOwn(nonFinalAbbreviations, word)) return before;
  }
  return text;
}

/**
 * The text up to the first `.`, `!` or `?` before white space (or the end), except after the words of
 * nonFinalAbbreviations: the catalog's one-line descriptions. Unlike firstSentence it ends no sentence at an HTML
 * block, so a service's title paragraph stays in front of its first sentence instead of standing alone.
 */
export function firstSentenceOfText(text: string): string {
  return sentenceOf(text, /[.!?](?=\s|$)/g);
}
