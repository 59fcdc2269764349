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

/** The first sentence of some documentation, as plain text of at most `limit` characters. */
export function firstSentence(documentation: string | undefined, limit = 160): string {
  const text = plainText(documentation);
  // A sentence ends at . ! or ? followed by a space and a capital or the end; `e.g. x` and `v1.2` do not end one.
  const sentence = /^.*?[.!?](?=\s+[A-Z(•]|$)/.exec(text)?.[0] ?? text;
  return clip(sentence, limit);
}
