import { clip } from './_doc-text.js';
import type { ServiceDocs, ServiceShape } from './help-sources.js';

const scalarTypes = new Set(['string', 'integer', 'long', 'double', 'float', 'boolean', 'timestamp', 'blob']);

function isScalar(shape: ServiceShape | undefined): boolean {
  return shape !== undefined && scalarTypes.has(shape.type);
}

/** A shape's type in a few words: `string`, `list of string`, `map of string to string`, `structure (Filter)`. */
export function describeType(docs: ServiceDocs, shapeName: string): string {
  const shape = docs.shapes[shapeName];
  if (shape === undefined) return 'value';
  if (shape.type === 'list' && shape.member !== undefined) {
    const item = docs.shapes[shape.member.shape];
    return `list of ${isScalar(item) ? item?.type : shape.member.shape}`;
  }
  if (shape.type === 'map' && shape.key !== undefined && shape.value !== undefined) {
    const value = docs.shapes[shape.value.shape];
    return `map of ${docs.shapes[shape.key.shape]?.type ?? 'string'} to ${isScalar(value) ? value?.type : shape.value.shape}`;
  }
  if (shape.type === 'structure') return `structure ${shapeName}`;
  return shape.type;
}

/** The allowed values of a shape (an enum, or a list or map of one), or undefined when any value goes. */
export function allowedValues(docs: ServiceDocs, shapeName: string): readonly string[] | undefined {
  const shape = docs.shapes[shapeName];
  if (shape?.enum !== undefined) return shape.enum;
  if (shape?.type === 'list' && shape.member !== undefined) return docs.shapes[shape.member.shape]?.enum;
  return undefined;
}

/** `min..max` of a number or the length of a string or list, when the model bounds it. */
export function describeRange(docs: ServiceDocs, shapeName: string): string | undefined {
  const shape = docs.shapes[shapeName];
  if (shape === undefined || (shape.min === undefined && shape.max === undefined)) return undefined;
  const what = shape.type === 'integer' || shape.type === 'long' ? '' : ' long';
  if (shape.type === 'string' && shape.enum !== undefined) return undefined;
  return `${shape.min ?? 0}..${shape.max ?? '∞'}${what}`;
}

/** The CLI's shorthand for a structure whose members are scalars or lists of scalars: `Name=string,Values=string,string`. */
function shorthandOfStructure(docs: ServiceDocs, shape: ServiceShape): string | undefined {
  const parts: string[] = [];
  for (const [member, reference] of Object.entries(shape.members ?? {})) {
    const target = docs.shapes[reference.shape];
    if (isScalar(target)) parts.push(`${member}=${target?.type}`);
    else if (target?.type === 'list' && isScalar(docs.shapes[target.member?.shape ?? ''])) {
      const item = docs.shapes[target.member?.shape ?? '']?.type;
      parts.push(`${member}=${item},${item}`);
    } else return undefined;
  }
  return parts.length === 0 ? undefined : parts.join(',');
}

/** A JSON sketch of a shape, nested `depth` levels, longer lists and structures shortened to `…`. */
export function jsonSketch(docs: ServiceDocs, shapeName: string, depth: number): string {
  const shape = docs.shapes[shapeName];
  if (shape === undefined) return '…';
  if (isScalar(shape)) return shape.type === 'string' || shape.type === 'timestamp' ? '"string"' : shape.type;
  if (depth <= 0) return shape.type === 'list' ? '[…]' : '{…}';
  if (shape.type === 'list' && shape.member !== undefined) {
    return `[${jsonSketch(docs, shape.member.shape, depth - 1)}, …]`;
  }
  if (shape.type === 'map' && shape.value !== undefined) {
    return `{"string": ${jsonSketch(docs, shape.value.shape, depth - 1)}}`;
  }
  const members = Object.entries(shape.members ?? {}).map(
    ([member, reference]) => `"${member}": ${jsonSketch(docs, reference.shape, depth - 1)}`,
  );
  return `{${members.join(', ')}}`;
}

/**
 * How to write a structured value on the command line, in one line of at most `limit` characters: the CLI's
 * shorthand where the shape allows it, else a JSON sketch. Undefined for a scalar or a list of scalars.
 */
export function valueSyntax(docs: ServiceDocs, shapeName: string, limit: number): string | undefined {
  const shape = docs.shapes[shapeName];
  if (shape === undefined || isScalar(shape)) return undefined;
  if (shape.type === 'list') {
    const item = docs.shapes[shape.member?.shape ?? ''];
    if (item === undefined || isScalar(item)) return undefined;
    const shorthand = item.type === 'structure' ? shorthandOfStructure(docs, item) : undefined;
    if (shorthand !== undefined) return clip(`shorthand: ${shorthand} ${shorthand} …`, limit);
    return clip(`JSON: ${jsonSketch(docs, shapeName, 3)}`, limit);
  }
  if (shape.type === 'structure') {
    const shorthand = shorthandOfStructure(docs, shape);
    if (shorthand !== undefined) return clip(`shorthand: ${shorthand}`, limit);
  }
  if (shape.type === 'map') {
    const value = docs.shapes[shape.value?.shape ?? ''];
    if (isScalar(value)) return clip(`shorthand: KeyName1=${value?.type},KeyName2=${value?.type}`, limit);
  }
  return clip(`JSON: ${jsonSketch(docs, shapeName, 3)}`, limit);
}

/** The top-level members of an output shape in one line: `Reservations (list of Reservation), NextToken (string)`. */
export function outputMembers(docs: ServiceDocs, shapeName: string | undefined): string[] {
  const shape = shapeName === undefined ? undefined : docs.shapes[shapeName];
  return Object.entries(shape?.members ?? {}).map(
    ([member, reference]) => `${member} (${describeType(docs, reference.shape)})`,
  );
}
