import { type AwsStage, classifyAwsStage, secretFieldWords } from '@aws-mcp/command';

/** What a masked value is replaced with. */
export const maskedValue = '[MASKED]';

/**
 * The longest line that is scanned for secrets. A longer line that might hold one (a trigger word, a table row,
 * an open multi-line value) is masked whole instead, and one that cannot passes with only the learned values
 * masked. 64 KiB is the size of the chunks Node reads from a pipe, so one turn of the event loop masks at most a
 * chunk and one carried line: a few milliseconds at the slowest rate measured (about 20 MiB/s, for table rows;
 * `bench/mask.bench.mjs`). It also bounds what the collector holds before deciding. The aws CLI's own lines are
 * far shorter, except a large value (a SecretString holds up to 64 KiB) and `--output text` of a long list, which
 * prints it on one line: such a line is masked whole when it holds a trigger word.
 */
export const maxLineChars = 65_536;

// The words are command's (secret-words.ts), one row each with its reason.
const secretNameSuffixes = secretFieldWords.filter((row) => row.match === 'end').map((row) => row.word);
const secretNames = new Set(secretFieldWords.filter((row) => row.match === 'whole').map((row) => row.word));
const secretLastWords = new Set(
  secretFieldWords.filter((row) => row.match === 'last-word').map((row) => row.word),
);
/** The letters those end with, to turn most names away without normalizing them. */
const secretNameEnds = new Set(
  [...secretNameSuffixes, ...secretNames, ...secretLastWords].map((name) => name.charAt(name.length - 1)),
);
/**
 * Twice the longest member name in the aws CLI's service models (64 characters,
 * `x-amz-fwd-header-x-amz-server-side-encryption-customer-algorithm`): anything longer is data, not a name.
 */
const maxFieldNameChars = 128;

/**
 * Every regular expression that runs on output, and why it is linear in what it reads. None has a quantifier
 * inside another, and adjacent quantifiers never share a character, so an attempt cannot retry a split; the
 * rest of the masking is hand-written scanning (one pass per line, no backtracking).
 */
const linearPatterns = {
  triggerWord: {
    // Each word of the secret field names holds one of these (mask-secrets.test.ts checks every row).
    pattern: /akia|asia|passw|secret|token|private[-_ ]?key|key[-_ ]?material|api[-_ ]?key/i,
    linear: 'literals and one optional character: an attempt reads at most 12 characters',
  },
  tableStart: {
    pattern: /(?:^|\n)[^\S\n]*[|+]/,
    linear:
      'attempts start only at the start or at a newline, and the run of blanks cannot cross a newline, so no two attempts read the same character',
  },
  neverSecret: {
    // An ISO timestamp, an ARN, a number, a resource id (`i-0abc…`, `vpc-…`): data that names or dates things.
    pattern: /^(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d|arn:aws[\w-]*:|-?\d+(?:\.\d+)?$|[a-z]{1,12}-[0-9a-f]{8,17}$)/,
    linear: 'anchored at the start, each alternative a fixed sequence or one run followed by the end',
  },
  hasAccessKeyId: {
    pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/,
    linear: 'fixed width: an attempt reads at most 20 characters',
  },
  secretKeyLike: {
    // A secret access key: 40 base64 characters with upper, lower case and digits.
    pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    linear: 'fixed width: an attempt reads at most 42 characters',
  },
  longTokenLike: {
    pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{80,}={0,2}(?![A-Za-z0-9/+=])/g,
    linear:
      'the lookbehind admits only the first character of a run, so each run is read by one attempt; `=` is outside the run, so the two quantifiers cannot trade characters',
  },
  nameSeparator: { pattern: /[-_ ]/g, linear: 'one character per attempt' },
  queryName: {
    pattern: /[A-Za-z_][\w-]*/g,
    linear: 'a greedy run with nothing after it never backtracks (and it reads the --query, not output)',
  },
} satisfies Record<string, { pattern: RegExp; linear: string }>;

/** How far a trigger word can reach back into the previous piece of a line seen in pieces. */
const triggerOverlap = 16;
/** Steps charged per character of a scanned line: maskLine makes about a dozen passes, each linear. */
const linePasses = 12;

/**
 * Whether a field name holds a secret: `SecretAccessKey`, `aws_session_token`, `MasterUserPassword`,
 * `X-Amz-Security-Token`, `SecretString`… (but not `PasswordLastUsed` or `NextToken`, nor a name longer than
 * any real one).
 */
export function isSecretFieldName(name: string): boolean {
  if (name.length > maxFieldNameChars) return false;
  let last = name.length - 1;
  while (last >= 0 && '-_ '.includes(name.charAt(last))) last -= 1;
  if (!secretNameEnds.has(name.charAt(last).toLowerCase())) return false;
  const lower = name.slice(0, last + 1).toLowerCase();
  const separator = Math.max(lower.lastIndexOf('_'), lower.lastIndexOf('-'), lower.lastIndexOf(' '));
  if (separator !== -1 && secretLastWords.has(lower.slice(separator + 1))) return true;
  const normalized = lower.replace(linearPatterns.nameSeparator.pattern, '');
  return secretNames.has(normalized) || secretNameSuffixes.some((suffix) => normalized.endsWith(suffix));
}

/** Text that might need masking; anything else passes through untouched when no multi-line state is open. */
function needsScan(text: string): boolean {
  return linearPatterns.triggerWord.pattern.test(text) || linearPatterns.tableStart.pattern.test(text);
}

/**
 * Finds, going forward through a text, the lines that `needsScan`: each pattern resumes after its last match once
 * the lines up to it are done, so the text is read once however many lines there are.
 */
class TriggerFinder {
  private readonly word = new RegExp(linearPatterns.triggerWord.pattern.source, 'gi');
  private readonly table = new RegExp(linearPatterns.tableStart.pattern.source, 'g');
  private wordLine = -1;
  private tableLine = -1;

  constructor(private readonly text: string) {}

  /** The start of the first line at or after `from` (a line start) that needs scanning, or the text's length. */
  nextLine(from: number): number {
    if (this.wordLine < from) {
      this.word.lastIndex = from;
      const match = this.word.exec(this.text);
      this.wordLine = match === null ? this.text.length : this.text.lastIndexOf('\n', match.index) + 1;
    }
    if (this.tableLine < from) {
      // From the newline before `from`, which the pattern starts with.
      this.table.lastIndex = Math.max(0, from - 1);
      const match = this.table.exec(this.text);
      this.tableLine =
        match === null ? this.text.length : match.index + (this.text.charAt(match.index) === '\n' ? 1 : 0);
    }
    return Math.min(this.wordLine, this.tableLine);
  }
}

const plainValues = new Set(['', 'null', 'true', 'false', 'None', maskedValue, `'${maskedValue}'`]);
const maxLearned = 256;
/** The learned values' total size, which bounds their memory: the CLI's credentials files are read up to 1 MiB. */
const maxLearnedChars = 1_048_576;
/**
 * How much of a value the automaton holds: a longer value is found by its first 64 characters and masked for its
 * whole length from there (more than the value when the rest differs, never less). 64 characters of a secret are
 * as telling as all of it, and 256 values of 64 keep the automaton small enough to rebuild whenever one is learned.
 */
const anchorChars = 64;

/**
 * Secret values seen so far (in the aws stage's own output, the credential variables, the credentials file),
 * masked wherever they show up again, e.g. after `jq -r .SecretString` dropped the field name.
 */
export class LearnedSecrets {
  readonly values = new Set<string>();
  /** Values that could not be learned (over the caps), and unscanned lines that may have held some. */
  missed = 0;
  private chars = 0;
  private automaton: ValueAutomaton | undefined;
  private indexedSize = 0;

  /** Learns a value (trimmed; ignored under 6 characters), with its JSON-unescaped form and JSON leaves. */
  add(value: string): void {
    const trimmed = value.trim();
    if (trimmed.length < 6 || trimmed === maskedValue || this.values.has(trimmed)) return;
    // Timestamps, ARNs, numbers and resource ids are never learned: masking them everywhere destroys output.
    if (linearPatterns.neverSecret.pattern.test(trimmed)) return;
    if (this.values.size >= maxLearned || this.chars + trimmed.length > maxLearnedChars) {
      this.missed += 1;
      return;
    }
    this.values.add(trimmed);
    this.chars += trimmed.length;
    // The same value as a filter would print it: JSON-unescaped, and its leaves if it is itself JSON.
    try {
      const unescaped = JSON.parse(`"${trimmed}"`) as string;
      if (unescaped !== trimmed) this.add(unescaped);
    } catch {}
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        this.addLeaves(JSON.parse(trimmed));
      } catch {}
    }
  }

  /** Iterative, so a deeply nested secret cannot overflow the stack. */
  private addLeaves(root: unknown): void {
    const stack = [root];
    while (stack.length > 0) {
      const value = stack.pop();
      if (typeof value === 'string') this.add(value);
      else if (typeof value === 'object' && value !== null) {
        const items = Array.isArray(value) ? value : Object.values(value);
        for (let index = items.length - 1; index >= 0; index -= 1) stack.push(items[index]);
      }
    }
  }

  /**
   * Replaces each stretch of `text` covered by learned values with one `[MASKED]`, in one pass whatever the number
   * of values. `work` counts the characters read, rebuilding the automaton (after values were learned) included.
   */
  mask(text: string): { text: string; count: number; work: number } {
    if (text.length === 0 || this.values.size === 0) return { text, count: 0, work: 0 };
    let work = 0;
    if (this.automaton === undefined || this.indexedSize !== this.values.size) {
      this.automaton = new ValueAutomaton([...this.values]);
      this.indexedSize = this.values.size;
      work += this.automaton.chars;
    }
    work += text.length;
    const cover = this.automaton.cover(text);
    if (cover === undefined) return { text, count: 0, work };
    let masked = '';
    let copied = 0;
    let depth = 0;
    let count = 0;
    for (let index = 0; index <= text.length; index += 1) {
      const before = depth;
      depth += cover[index] as number;
      if (before === 0 && depth > 0) {
        masked += text.slice(copied, index) + maskedValue;
        count += 1;
      } else if (before > 0 && depth === 0) copied = index;
    }
    return { text: masked + text.slice(copied), count, work: work + text.length };
  }
}

/**
 * An Aho–Corasick automaton over the values' anchors (their first `anchorChars` characters): one pass over a text
 * finds every place where one ends. Transitions out of the root are a table, the others an open-addressing hash
 * in one typed array. While no anchor has begun, a table of the code unit pairs that start one lets the scan skip
 * ahead without stepping the automaton.
 */
class ValueAutomaton {
  readonly chars: number;
  private readonly root = new Int32Array(65_536);
  private readonly starts = new Uint8Array(65_536);
  /** Four numbers a slot: the source state (0: empty; the root's transitions are in `root`), code, target. */
  private readonly edges: Int32Array;
  private readonly slotMask: number;
  private readonly fail: Int32Array;
  /** The longest anchor ending at a state (its own, or a suffix's), or 0. */
  private readonly longest: Int32Array;
  /** How far past its end the values of the anchors ending at a state reach, at most. */
  private readonly reach: Int32Array;

  constructor(values: string[]) {
    const anchors = values.map((value) => value.slice(0, anchorChars));
    this.chars = anchors.reduce((sum, anchor) => sum + anchor.length, 0);
    const capacity = this.chars + 1;
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.slotMask = slots - 1;
    this.edges = new Int32Array(slots * 4);
    this.fail = new Int32Array(capacity);
    this.longest = new Int32Array(capacity);
    this.reach = new Int32Array(capacity);
    const firstChild = new Int32Array(capacity).fill(-1);
    const nextSibling = new Int32Array(capacity).fill(-1);
    const label = new Uint16Array(capacity);
    let states = 1;
    for (const [index, anchor] of anchors.entries()) {
      this.starts[pairIndex(anchor.charCodeAt(0), anchor.charCodeAt(1))] = 1;
      let state = 0;
      for (let position = 0; position < anchor.length; position += 1) {
        const code = anchor.charCodeAt(position);
        let child = this.next(state, code);
        if (child === 0) {
          child = states;
          states += 1;
          this.link(state, code, child);
          label[child] = code;
          nextSibling[child] = firstChild[state] as number;
          firstChild[state] = child;
        }
        state = child;
      }
      this.longest[state] = anchor.length;
      const beyond = (values[index] as string).length - anchor.length;
      this.reach[state] = Math.max(this.reach[state] as number, beyond);
    }
    // Breadth first, so a state's failure link (its longest proper suffix in the trie) is known before its children's.
    const queue = new Int32Array(states);
    let head = 0;
    let tail = 0;
    for (let child = firstChild[0] as number; child !== -1; child = nextSibling[child] as number) {
      queue[tail] = child;
      tail += 1;
    }
    while (head < tail) {
      const state = queue[head] as number;
      head += 1;
      const suffix = this.fail[state] as number;
      if (this.longest[state] === 0) this.longest[state] = this.longest[suffix] as number;
      // Every anchor ending here contains this position, so together they cover one stretch.
      this.reach[state] = Math.max(this.reach[state] as number, this.reach[suffix] as number);
      for (let child = firstChild[state] as number; child !== -1; child = nextSibling[child] as number) {
        this.fail[child] = this.step(suffix, label[child] as number);
        queue[tail] = child;
        tail += 1;
      }
    }
  }

  /** The state after `state` reads `code`, or 0 (the root) when there is no such transition. */
  private next(state: number, code: number): number {
    if (state === 0) return this.root[code] as number;
    const edges = this.edges;
    for (let slot = slotOf(state, code) & this.slotMask; ; slot = (slot + 1) & this.slotMask) {
      const source = edges[slot * 4] as number;
      if (source === 0) return 0;
      if (source === state && edges[slot * 4 + 1] === code) return edges[slot * 4 + 2] as number;
    }
  }

  private link(state: number, code: number, target: number): void {
    if (state === 0) {
      this.root[code] = target;
      return;
    }
    let slot = slotOf(state, code) & this.slotMask;
    while (this.edges[slot * 4] !== 0) slot = (slot + 1) & this.slotMask;
    this.edges[slot * 4] = state;
    this.edges[slot * 4 + 1] = code;
    this.edges[slot * 4 + 2] = target;
  }

  /** Reads `code` in `state`, following failure links until a transition exists or the root is reached. */
  private step(state: number, code: number): number {
    let target = this.next(state, code);
    while (target === 0 && state !== 0) {
      state = this.fail[state] as number;
      target = this.next(state, code);
    }
    return target;
  }

  /**
   * A difference array over `text` (+1 where a found value starts, -1 where it ends) whose running sum is positive
   * exactly over the characters to mask, or undefined when nothing was found.
   */
  cover(text: string): Int32Array | undefined {
    const { starts, longest, reach } = this;
    const length = text.length;
    let cover: Int32Array | undefined;
    let state = 0;
    let index = 0;
    while (index < length) {
      if (state === 0) {
        // Nothing has begun, so an anchor can only start here: skip while the pair here starts none.
        let code = text.charCodeAt(index);
        let following = text.charCodeAt(index + 1);
        while (starts[pairIndex(code, following)] === 0) {
          index += 1;
          if (index + 1 >= length) return cover;
          code = following;
          following = text.charCodeAt(index + 1);
        }
      }
      state = this.step(state, text.charCodeAt(index));
      index += 1;
      const found = longest[state] as number;
      if (found > 0) {
        cover ??= new Int32Array(length + 1);
        const end = Math.min(length, index + (reach[state] as number));
        cover[index - found] = (cover[index - found] ?? 0) + 1;
        cover[end] = (cover[end] ?? 0) - 1;
      }
    }
    return cover;
  }
}

function slotOf(state: number, code: number): number {
  const hash = Math.imul(state ^ (code << 16), 0x9e3779b1);
  return hash ^ (hash >>> 15);
}

/** A pair of code units hashed to 16 bits (exact for ASCII); the second is NaN, so 0, past the end. */
function pairIndex(first: number, second: number): number {
  return ((first << 7) ^ second) & 0xffff;
}

interface TableHeader {
  cells: number;
  secretColumns: Set<number>;
}

/** How the rest of a line that arrived in pieces is treated: passed, masked once, or already masked. */
type LongLine = 'pass' | 'mask' | 'masked';

/**
 * Masks secrets line by line, keeping the state that spans lines: PEM blocks, YAML values continued on
 * indented lines, table headers, and secretsmanager text output. One instance per stream.
 *
 * Every pass is linear in the line it reads, and lines are capped at `maxLineChars`, so the work is linear in
 * the input. It is also counted: past `workPerChar` steps per character received plus `workAllowance`, the
 * masker fails closed (`budgetExceeded`), masking everything after that whole.
 */
export class SecretMasker {
  /** Values masked so far, each stretch masked whole counting as one. */
  count = 0;
  /** Characters masked whole without being scanned: over-long lines and anything after the budget ran out. */
  unscannedChars = 0;
  /** Lines longer than `maxLineChars` that were masked whole. */
  overlongLines = 0;
  /** Whether the work budget ran out, so that everything after it was masked whole. */
  budgetExceeded = false;
  /** Steps taken so far: characters read by the passes and by building the learned values' automata. */
  workSteps = 0;
  /** Steps allowed per character received; all the passes together take about 16. */
  workPerChar = 64;
  /** Steps allowed on top: rebuilding the learned values' automaton (at most 16,384 characters) 1,000 times. */
  workAllowance = 16_777_216;
  private receivedChars = 0;
  private inPem = false;
  private yamlIndent: number | undefined;
  private secretTextContinues = false;
  /** A secret table cell whose value runs over lines (the CLI's table writes a value's newlines as they are). */
  private secretCellContinues = false;
  private tableHeader: TableHeader | undefined;
  private tableCandidate: TableHeader | undefined;
  private afterTitle = false;
  private longLine: LongLine | undefined;
  private longLineTail = '';

  constructor(
    private readonly learned: LearnedSecrets = new LearnedSecrets(),
    /** Learn the values masked here (the aws stage's stdout), to mask them again after the filters. */
    private readonly learn = false,
  ) {}

  /**
   * Masks a block of complete lines (each ending in `\n`, the last one may not). A last line without its end
   * is a piece: the next block's first line continues it, and is masked whole if any piece needed scanning.
   */
  maskBlock(text: string): string {
    return this.maskLearned(this.maskFields(text));
  }

  /**
   * Reads a block as `maskBlock` does, for the values to learn, without producing its masked text: for a
   * stream nothing is kept of, so the learned values are not looked for.
   */
  scanBlock(text: string): void {
    this.maskFields(text);
  }

  private maskFields(text: string): string {
    this.receivedChars += text.length;
    if (this.budgetExceeded) return this.maskUnscanned(text);
    if (this.longLine === undefined && !this.hasOpenState() && !needsScan(text)) {
      this.workSteps += 2 * text.length;
      if (!text.endsWith('\n') && text.length > 0) this.startLongLine('pass', text);
      return text;
    }
    return this.maskLines(text);
  }

  private hasOpenState(): boolean {
    return (
      this.inPem ||
      this.yamlIndent !== undefined ||
      this.secretTextContinues ||
      this.secretCellContinues ||
      this.tableHeader !== undefined ||
      this.afterTitle
    );
  }

  /** Masks the learned values only (for text already masked line by line, once more values are known). */
  maskLearned(text: string): string {
    if (this.isOverBudget()) return this.maskUnscanned(text);
    const result = this.learned.mask(text);
    this.workSteps += result.work;
    this.count += result.count;
    return result.text;
  }

  private isOverBudget(): boolean {
    if (!this.budgetExceeded && this.workSteps > this.workPerChar * this.receivedChars + this.workAllowance) {
      this.budgetExceeded = true;
    }
    return this.budgetExceeded;
  }

  private maskLines(text: string): string {
    let masked = '';
    const triggers = new TriggerFinder(text);
    for (let start = 0; start < text.length; ) {
      if (this.isOverBudget()) return masked + this.maskUnscanned(text.slice(start));
      if (this.longLine === undefined && !this.hasOpenState()) {
        // The lines before the next one that might hold a secret pass as they are.
        const next = triggers.nextLine(start);
        this.workSteps += 2 * (next - start);
        masked += text.slice(start, next);
        if (next === text.length) {
          if (!text.endsWith('\n')) this.startLongLine('pass', text);
          return masked;
        }
        start = next;
      }
      const end = text.indexOf('\n', start);
      const complete = end !== -1;
      const line = text.slice(start, complete ? end : text.length);
      start = complete ? end + 1 : text.length;
      masked += this.maskSegment(line, complete ? '\n' : '');
    }
    return masked;
  }

  /** Masks one line (or a piece of one: `newline` is then empty). */
  private maskSegment(line: string, newline: string): string {
    this.workSteps += 2 * line.length;
    const continued = this.longLine;
    if (continued !== undefined) {
      // The rest of a line seen in pieces: passed until a piece needs scanning, then masked to its end.
      if (newline !== '') this.longLine = undefined;
      if (continued === 'pass' && !linearPatterns.triggerWord.pattern.test(this.longLineTail + line)) {
        // The tail runs over every piece so far: a word may span pieces shorter than the overlap.
        if (newline === '')
          this.longLineTail = (this.longLineTail + line.slice(-triggerOverlap)).slice(-triggerOverlap);
        return line + newline;
      }
      if (newline === '') this.longLine = 'masked';
      if (continued === 'masked') {
        this.unscannedChars += line.length;
        return newline;
      }
      if (continued === 'pass') this.overlongLines += 1;
      return this.maskWhole(line) + newline;
    }
    const scan = this.hasOpenState() || needsScan(line);
    if (line.length > maxLineChars) {
      if (newline === '') this.startLongLine(scan ? 'masked' : 'pass', line);
      if (!scan) return line + newline;
      this.overlongLines += 1;
      return this.maskWhole(line) + newline;
    }
    if (newline === '') this.startLongLine(scan ? 'mask' : 'pass', line);
    if (!scan) return line + newline;
    this.workSteps += linePasses * line.length;
    return this.maskLine(line, newline);
  }

  private startLongLine(state: LongLine, piece: string): void {
    this.longLine = state;
    this.longLineTail = piece.slice(-triggerOverlap);
  }

  /** Replaces text that was not scanned (and whose secrets were therefore not learned). */
  private maskWhole(text: string): string {
    if (text.length === 0) return '';
    this.count += 1;
    this.unscannedChars += text.length;
    if (this.learn) this.learned.missed += 1;
    return maskedValue;
  }

  private maskUnscanned(text: string): string {
    const newline = text.endsWith('\n') ? '\n' : '';
    return this.maskWhole(text) + newline;
  }

  private hide(value: string): string {
    this.count += 1;
    if (this.learn) this.learned.add(value);
    return maskedValue;
  }

  /** Masks the continuation of a value already counted. */
  private hideMore(value: string): string {
    if (this.learn) this.learned.add(value);
    return maskedValue;
  }

  private maskLine(line: string, newline: string): string {
    if (this.inPem) {
      const end = findPemLabel(line, '-----END ', 0);
      if (end === undefined) return '';
      this.inPem = false;
      return line.slice(end.start) + newline;
    }
    if (this.yamlIndent !== undefined) {
      // A blank line belongs to the value: YAML keeps it in a block scalar, and a quoted or plain scalar over
      // several lines writes each newline of the text as one (the CLI's `--output yaml` of a secret with
      // paragraphs). It shows nothing, and the secret's next line is still more indented than its key.
      if (line.trim() === '') return line + newline;
      const indent = line.length - line.trimStart().length;
      if (indent > this.yamlIndent) {
        if (this.learn) this.learned.add(line.trim());
        return `${line.slice(0, indent)}${maskedValue}${newline}`;
      }
      this.yamlIndent = undefined;
    }
    if (this.secretCellContinues) {
      // The value goes on until the line that closes its row: what stands before that line's padding and pipes.
      const close = findRowClose(line);
      if (close === -1) return line.trim() === '' ? line + newline : `${this.hideMore(line)}${newline}`;
      this.secretCellContinues = false;
      const value = line.slice(0, close);
      const shown = value === '' ? '' : this.hideMore(value).padEnd(value.length);
      return `${shown}${line.slice(close)}${newline}`;
    }
    if (this.secretTextContinues) {
      const tab = line.lastIndexOf('\t');
      if (tab === -1) return `${this.hideMore(line)}${newline}`;
      this.secretTextContinues = false;
      return `${this.hideMore(line.slice(0, tab))}${line.slice(tab)}${newline}`;
    }
    if (line.trimStart().startsWith('|') || isTableSeparator(line.trim())) {
      line = this.maskTableLine(line);
    } else {
      this.tableHeader = undefined;
      this.afterTitle = false;
    }
    line = this.maskPemBlocks(line);
    if (this.inPem) return `${line}\n${maskedValue}${newline}`;
    const yaml = readYamlLine(line);
    if (yaml !== undefined && isSecretFieldName(yaml.name)) {
      const value = yaml.value.trim();
      this.yamlIndent = yaml.indent.length;
      if (isBlockScalarHeader(value)) {
        this.count += 1;
        return line + newline;
      }
      if (plainValues.has(value)) {
        this.yamlIndent = undefined;
        return line + newline;
      }
      return `${yaml.indent}${yaml.name}: ${this.hide(unquote(value))}${newline}`;
    }
    line = this.maskTextOutput(line);
    line = this.maskKeyValues(line);
    // An access key id alone is not a secret (`iam list-access-keys`, the id `update-access-key` needs): only
    // the secret beside it is masked.
    return line + newline;
  }

  /** `-----BEGIN … PRIVATE KEY-----` up to its end on the same line, or to the end of the line (then inPem). */
  private maskPemBlocks(line: string): string {
    let masked = '';
    let copied = 0;
    for (let begin = findPemLabel(line, '-----BEGIN ', 0); begin !== undefined; ) {
      const endMarker = `-----END ${begin.label}-----`;
      const end = line.indexOf(endMarker, begin.end);
      this.count += 1;
      masked += `${line.slice(copied, begin.start)}-----BEGIN ${begin.label}-----`;
      if (end === -1) {
        this.inPem = true;
        return masked;
      }
      masked += `${maskedValue}${endMarker}`;
      copied = end + endMarker.length;
      begin = findPemLabel(line, '-----BEGIN ', copied);
    }
    return masked + line.slice(copied);
  }

  /**
   * `"key": "value"`, `'key': b'value'`, `key=value`, `key: value` in JSON, Python reprs, env files, headers,
   * URLs: a name (a letter, then letters, digits, `_`, `-`), optionally quoted, `:` or `=`, then a quoted value
   * (to its closing quote, or the end of the line) or a bare one (up to a blank or one of `,;&}]"'|`). A value
   * under a name that is not secret is read again for pairs inside it (`note: DB_PASSWORD=…`,
   * `"Command": "export PASSWORD=…"`, `args: --password=…`). One pass: a name that is not followed by a separator
   * is skipped whole, and no character is read more than four times (see `inside`).
   */
  private maskKeyValues(line: string): string {
    let masked = '';
    let copied = 0;
    let at = 0;
    // Where the value being read again for pairs ends, or -1. Inside it only `=`, or `:` and a blank, separate a
    // pair (an ARN's `:secret:` names no field), values end there too, and a value inside is never read unless its
    // name is secret: so a value is read at most once for its end and once for pairs, however deep `a=b=c=…` goes.
    let insideEnd = -1;
    while (at < line.length) {
      const inside = at < insideEnd;
      const code = line.charCodeAt(at);
      const quoted = (code === 0x22 || code === 0x27) && isAsciiLetter(line.charCodeAt(at + 1));
      if (!quoted && !isAsciiLetter(code)) {
        at += 1;
        continue;
      }
      const nameStart = quoted ? at + 1 : at;
      const nameEnd = skipNameChars(line, nameStart + 1);
      const quote = quoted ? line.charAt(at) : '';
      // A name quoted inside another quoted value may close with an escaped quote (`{\\"DB_PASSWORD\\": …}`).
      const separatorStart = !quoted
        ? nameEnd
        : line.charAt(nameEnd) === quote
          ? nameEnd + 1
          : line.charAt(nameEnd) === '\\' && line.charAt(nameEnd + 1) === quote
            ? nameEnd + 2
            : nameEnd;
      const limit = inside ? insideEnd : line.length;
      const valueStart =
        quoted && separatorStart === nameEnd ? undefined : readSeparator(line, separatorStart, limit, inside);
      if (valueStart === undefined || !hasValue(line, valueStart, limit)) {
        // Quoted, the same name is tried again unquoted from the next character; unquoted, every later start
        // inside the name would end at the same place and fail the same way.
        at = quoted ? at + 1 : nameEnd;
        continue;
      }
      const name = line.slice(nameStart, nameEnd);
      const secret = isSecretFieldName(name);
      if (inside && !secret) {
        at = valueStart;
        continue;
      }
      const { value, valueQuote, contentStart, contentEnd, end } = readValue(line, valueStart, limit);
      if (!secret) {
        // A bare one-word value may itself be the name of the next pair (`said: aws_secret_access_key = …`): it
        // is read again as a name, as here. Any other value is read again for the pairs inside it.
        // A bare value that runs into a quote (`args: --password='a b' …`) is read to the end of its shell word.
        if (valueQuote !== '') insideEnd = contentEnd;
        else if (!isOneWord(value)) insideEnd = shellWordEnd(line, contentEnd);
        at = contentStart;
        continue;
      }
      // A bare value ends before `]`, so one already masked reads as `[MASKED`: it is left as it is.
      if (!plainValues.has(value) && !value.includes(maskedValue) && !value.endsWith(maskedPrefix)) {
        this.hide(value);
        const replacement = valueQuote === '' ? maskedValue : `${valueQuote}${maskedValue}${valueQuote}`;
        masked += `${line.slice(copied, valueStart)}${replacement}`;
        copied = end;
      }
      at = end;
    }
    return masked + line.slice(copied);
  }

  /** `--output text` has no field names: credentials rows are recognised by their key id, secrets by their ARN. */
  private maskTextOutput(line: string): string {
    if (linearPatterns.hasAccessKeyId.pattern.test(line)) {
      line = line.replace(linearPatterns.secretKeyLike.pattern, (token) =>
        /[A-Z]/.test(token) && /[a-z]/.test(token) && /[0-9]/.test(token) ? this.hide(token) : token,
      );
      line = line.replace(linearPatterns.longTokenLike.pattern, (token) => this.hide(token));
    }
    // `get-secret-value --output text` starts with the secret's ARN; a `SECRETLIST` row of `list-secrets` does not.
    if (line.startsWith('arn:aws:secretsmanager:') && line.includes('\t')) {
      const fields = line.split('\t');
      // Sorted keys: ARN, CreatedDate, Name, SecretString or SecretBinary, VersionId.
      const first = 3;
      if (fields.length > first) {
        const last = fields.length >= first + 2 ? fields.length - 2 : fields.length - 1;
        if (fields.length < first + 2) this.secretTextContinues = true;
        const secret = fields.slice(first, last + 1).join('\t');
        return [...fields.slice(0, first), this.hide(secret), ...fields.slice(last + 1)].join('\t');
      }
    }
    return line;
  }

  /**
   * Table output (`--output table`): a key/value row (`| SecretAccessKey | … |`) or a column under a header
   * naming a secret. The first row after a title may be either; it is a header when a separator follows.
   */
  private maskTableLine(line: string): string {
    if (isTableSeparator(line.trim())) {
      if (this.tableCandidate !== undefined) this.tableHeader = this.tableCandidate;
      this.tableCandidate = undefined;
      return line;
    }
    const row = splitTableRow(line);
    if (row === undefined) return this.maskOpenTableRow(line);
    // `|  SecretString|  `: the CLI ends a row with its pipe, so blanks after a secret's name and its pipe are the
    // start of a value that begins with a newline, not a one-cell title row.
    if (line.endsWith(' ') && !row.inside.includes('|') && isSecretFieldName(row.inside.trim())) {
      return this.maskOpenTableRow(line);
    }
    const cells = row.inside.split('|');
    if (cells.length === 1) {
      this.afterTitle = true;
      this.tableHeader = undefined;
      this.tableCandidate = undefined;
      return line;
    }
    const isSecretColumn = (index: number) => isSecretFieldName((cells[index] as string).trim());
    let masked: string[] | undefined;
    const maskCell = (index: number) => {
      const cell = cells[index] as string;
      const value = cell.trim();
      if (value === '' || plainValues.has(value)) return;
      if (value.includes(maskedValue)) return;
      masked ??= [...cells];
      masked[index] = cell.replace(value, this.hide(value).padEnd(value.length));
    };
    if (this.afterTitle) {
      this.afterTitle = false;
      const secretColumns = new Set(cells.flatMap((_, index) => (isSecretColumn(index) ? [index] : [])));
      this.tableCandidate = { cells: cells.length, secretColumns };
    } else {
      this.tableCandidate = undefined;
    }
    if (this.tableHeader !== undefined && this.tableHeader.cells === cells.length) {
      for (const index of this.tableHeader.secretColumns) maskCell(index);
    } else if (cells.length === 2 && isSecretColumn(0)) {
      // A secret's value may read like a name (`supersecret`, `mypassword`): masked all the same, so a two-column
      // header whose first name is a secret's loses its second, rather than a value being shown.
      maskCell(1);
    } else if (cells.length > 2 && isSecretColumn(0)) {
      // A structure's row is a key and its value, so a value with pipes of its own (`| a | b |`) is one value:
      // all after the key's cell. (A header row whose first column is a secret's name loses its other names.)
      const value = cells.slice(1).join('|');
      const trimmed = value.trim();
      if (trimmed !== '' && !trimmed.includes(maskedValue)) {
        const shown = value.replace(trimmed, this.hide(trimmed).padEnd(trimmed.length));
        return `${row.open}${cells[0]}|${shown}${row.close}`;
      }
    }
    return masked === undefined ? line : `${row.open}${masked.join('|')}${row.close}`;
  }

  /**
   * A row the line does not close (`|  SecretString|  first line`): a value with newlines, which the CLI's table
   * writes as they are, so the row closes on a later line. Where its last cell is a secret's (the key-value shape
   * of a structure, or a secret column of the table's header), that cell is masked here and on each line up to
   * the one that closes the row.
   */
  private maskOpenTableRow(line: string): string {
    const start = skipSpaces(line, 0);
    let openEnd = start;
    while (line.charCodeAt(openEnd) === pipe) openEnd += 1;
    if (openEnd === start) return line;
    const cells = line.slice(openEnd).split('|');
    const last = cells.length - 1;
    const secret =
      (cells.length === 2 && isSecretFieldName((cells[0] as string).trim())) ||
      (this.tableHeader?.cells === cells.length && this.tableHeader.secretColumns.has(last));
    // A row: the one after a title is no longer next (as in maskTableLine).
    this.afterTitle = false;
    this.tableCandidate = undefined;
    if (!secret) return line;
    this.secretCellContinues = true;
    const cell = cells[last] as string;
    const value = cell.trim();
    // A value that starts with a newline shows nothing here: it is counted once, and masked on the next lines.
    if (value === '') this.count += 1;
    else cells[last] = cell.replace(value, this.hide(value));
    return `${line.slice(0, openEnd)}${cells.join('|')}`;
  }
}

/** What a masked value reads as where a bare value ends, before its closing `]`. */
const maskedPrefix = maskedValue.slice(0, -1);

/** A word that could name a field, optionally with its separator (`aws_secret_access_key`, `password:`). */
function isOneWord(value: string): boolean {
  return /^[A-Za-z][\w-]*[:=]?$/.test(value);
}

/** JavaScript's `\s`: white space and line terminators. */
function isSpace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** What a regular expression's `.` does not match (a line holds no `\n`). */
function hasLineTerminator(text: string): boolean {
  return text.includes('\r') || text.includes('\u2028') || text.includes('\u2029');
}

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** Skips `[\w-]*` from `at`. */
function skipNameChars(text: string, at: number): number {
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (!(isAsciiLetter(code) || (code >= 0x30 && code <= 0x39) || code === 0x5f || code === 0x2d)) break;
    at += 1;
  }
  return at;
}

function skipSpaces(text: string, at: number): number {
  while (at < text.length && isSpace(text.charCodeAt(at))) at += 1;
  return at;
}

/** Where a bare value ends: a blank or one of `,;&}]"'|`. */
function endsBareValue(code: number): boolean {
  return (
    isSpace(code) ||
    code === 0x2c ||
    code === 0x3b ||
    code === 0x26 ||
    code === 0x7d ||
    code === 0x5d ||
    code === 0x22 ||
    code === 0x27 ||
    code === 0x7c
  );
}

/**
 * After a name: blanks, then `:` or `=` (inside another value, `=`, or `:` followed by a blank), then blanks.
 * Where the value starts, or undefined when there is no separator.
 */
function readSeparator(line: string, at: number, limit: number, inside: boolean): number | undefined {
  const cursor = skipSpaces(line, at);
  if (cursor >= limit) return undefined;
  const separator = line.charCodeAt(cursor);
  if (separator === 0x3d) return skipSpaces(line, cursor + 1);
  if (separator !== 0x3a) return undefined;
  if (inside && !isSpace(line.charCodeAt(cursor + 1))) return undefined;
  return skipSpaces(line, cursor + 1);
}

/** Whether a value starts at `at`, before `limit`: a quote, or a character a bare value may hold. */
function hasValue(line: string, at: number, limit: number): boolean {
  if (at >= limit) return false;
  const open = line.charAt(at);
  return open === '"' || open === "'" || !endsBareValue(line.charCodeAt(at));
}

/**
 * A value from `at` up to `limit` at most: `"…"`, `'…'` or `b'…'` (a backslash escapes the next character;
 * unclosed, it runs to the limit) or a bare run. Its text lies from `contentStart` to `contentEnd`; `end` is after
 * the closing quote.
 */
function readValue(
  line: string,
  at: number,
  limit: number,
): { value: string; valueQuote: string; contentStart: number; contentEnd: number; end: number } {
  let open = line.charAt(at);
  let contentStart = at + 1;
  if (open === 'b' && line.charAt(at + 1) === "'") {
    open = "'";
    contentStart += 1;
  }
  const next = line.charAt(at + 1);
  if (open === '\\' && (next === '"' || next === "'")) {
    // Quoted inside a quoted value (JSON's `"export PASSWORD=\\"a b\\""`): it closes at the next escaped quote.
    const close = next.charCodeAt(0);
    let index = at + 2;
    while (index < limit && !(line.charCodeAt(index) === 0x5c && line.charCodeAt(index + 1) === close))
      index += line.charCodeAt(index) === 0x5c ? 2 : 1;
    const contentEnd = Math.min(index, limit);
    const end = Math.min(index + 2, limit);
    return {
      value: line.slice(at + 2, contentEnd),
      valueQuote: `\\${next}`,
      contentStart: at + 2,
      contentEnd,
      end,
    };
  }
  if (open === '"' || open === "'") {
    const close = open.charCodeAt(0);
    let index = contentStart;
    while (index < limit && line.charCodeAt(index) !== close)
      index += line.charCodeAt(index) === 0x5c ? 2 : 1;
    const contentEnd = Math.min(index, limit);
    const end = index < limit ? index + 1 : limit;
    return { value: line.slice(contentStart, contentEnd), valueQuote: open, contentStart, contentEnd, end };
  }
  let end = at;
  while (end < limit && !endsBareValue(line.charCodeAt(end))) end += 1;
  return { value: line.slice(at, end), valueQuote: '', contentStart: at, contentEnd: end, end };
}

/**
 * Where the shell word that a bare value ending at `at` belongs to ends: quoted runs (`'…'`, `"…"`, a backslash
 * escaping the next character inside) and bare characters up to a blank or another of endsBareValue's characters.
 */
function shellWordEnd(line: string, at: number): number {
  let index = at;
  while (index < line.length) {
    const code = line.charCodeAt(index);
    if (code === 0x22 || code === 0x27) {
      index += 1;
      while (index < line.length && line.charCodeAt(index) !== code)
        index += line.charCodeAt(index) === 0x5c ? 2 : 1;
      index = Math.min(index + 1, line.length);
    } else if (endsBareValue(code)) return index;
    else index += 1;
  }
  return line.length;
}

/**
 * A YAML mapping line (CLI v2 `--output yaml`): indent (blanks, optionally `- ` and blanks), a name, `:`, at least
 * one space or tab, and a value running to the end of the line (which must hold no line terminator).
 */
function readYamlLine(line: string): { indent: string; name: string; value: string } | undefined {
  let nameStart = skipSpaces(line, 0);
  if (line.charAt(nameStart) === '-' && isSpace(line.charCodeAt(nameStart + 1))) {
    const afterDash = skipSpaces(line, nameStart + 1);
    if (isAsciiLetter(line.charCodeAt(afterDash))) nameStart = afterDash;
  }
  if (!isAsciiLetter(line.charCodeAt(nameStart))) return undefined;
  const nameEnd = skipNameChars(line, nameStart + 1);
  if (line.charAt(nameEnd) !== ':') return undefined;
  let valueStart = nameEnd + 1;
  while (line.charCodeAt(valueStart) === 0x20 || line.charCodeAt(valueStart) === 0x09) valueStart += 1;
  if (valueStart === nameEnd + 1) return undefined;
  const value = line.slice(valueStart);
  if (hasLineTerminator(value)) return undefined;
  return { indent: line.slice(0, nameStart), name: line.slice(nameStart, nameEnd), value };
}

/** `|`, `>`, `|-`, `>+2`…: a YAML block scalar, whose value is on the lines that follow. */
function isBlockScalarHeader(value: string): boolean {
  if (value.charAt(0) !== '|' && value.charAt(0) !== '>') return false;
  for (let index = 1; index < value.length; index += 1) {
    if (!'-+0123456789'.includes(value.charAt(index))) return false;
  }
  return true;
}

function unquote(value: string): string {
  const quote = value.charAt(0);
  if (value.length >= 2 && (quote === "'" || quote === '"') && value.endsWith(quote))
    return value.slice(1, -1);
  return value;
}

const pipe = 0x7c;
const plus = 0x2b;

/** `+----+---+`, possibly inside the `|` of enclosing tables. */
function isTableSeparator(trimmed: string): boolean {
  let start = 0;
  while (trimmed.charCodeAt(start) === pipe) start += 1;
  let end = trimmed.length;
  while (end > start && trimmed.charCodeAt(end - 1) === pipe) end -= 1;
  if (end - start < 3 || trimmed.charCodeAt(start) !== plus || trimmed.charCodeAt(end - 1) !== plus)
    return false;
  for (let index = start + 1; index < end - 1; index += 1) {
    const code = trimmed.charCodeAt(index);
    if (code !== 0x2d && code !== plus) return false;
  }
  return true;
}

/**
 * A table row: leading blanks and `|`s, the cells, and the trailing `|`s and blanks. The same split as
 * `/^(\s*\|+)(.*?)(\|+\s*)$/` (all leading pipes open, the last run closes), found from both ends at once.
 */
/**
 * Where the blanks and pipes that close a table row begin (`third    |||`), read back from the end once; -1 for a
 * line that ends in no pipe.
 */
function findRowClose(line: string): number {
  let at = line.length;
  while (at > 0 && isSpace(line.charCodeAt(at - 1))) at -= 1;
  const pipesEnd = at;
  while (at > 0 && line.charCodeAt(at - 1) === pipe) at -= 1;
  if (at === pipesEnd) return -1;
  while (at > 0 && isSpace(line.charCodeAt(at - 1))) at -= 1;
  return at;
}

function splitTableRow(line: string): { open: string; inside: string; close: string } | undefined {
  const start = skipSpaces(line, 0);
  if (line.charCodeAt(start) !== pipe) return undefined;
  let openEnd = start;
  while (line.charCodeAt(openEnd) === pipe) openEnd += 1;
  let end = line.length;
  while (end > start && isSpace(line.charCodeAt(end - 1))) end -= 1;
  if (line.charCodeAt(end - 1) !== pipe) return undefined;
  let closeStart = end - 1;
  while (closeStart > start && line.charCodeAt(closeStart - 1) === pipe) closeStart -= 1;
  if (closeStart === start) {
    // One run of pipes: the last one closes, the others open.
    if (end - start < 2) return undefined;
    return { open: line.slice(0, end - 1), inside: '', close: line.slice(end - 1) };
  }
  const inside = line.slice(openEnd, closeStart);
  if (hasLineTerminator(inside)) return undefined;
  return { open: line.slice(0, openEnd), inside, close: line.slice(closeStart) };
}

/** RFC 7468 labels are short (the longest private key one is `ENCRYPTED PRIVATE KEY`), so the end marker is too. */
const maxPemLabelChars = 64;

/** The next `-----BEGIN <label>-----` (or END) whose label is capitals, digits and spaces ending in `PRIVATE KEY`. */
function findPemLabel(
  line: string,
  marker: string,
  from: number,
): { start: number; label: string; end: number } | undefined {
  for (let start = line.indexOf(marker, from); start !== -1; ) {
    const labelStart = start + marker.length;
    let labelEnd = labelStart;
    while (labelEnd < line.length && labelEnd - labelStart <= maxPemLabelChars) {
      const code = line.charCodeAt(labelEnd);
      if (!((code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x20)) break;
      labelEnd += 1;
    }
    const label = line.slice(labelStart, labelEnd);
    if (
      label.length <= maxPemLabelChars &&
      label.endsWith('PRIVATE KEY') &&
      line.startsWith('-----', labelEnd)
    ) {
      return { start, label, end: labelEnd + 5 };
    }
    // A marker starts with `-`, which no label holds, so the next one starts after this label.
    start = line.indexOf(marker, Math.max(start + 1, labelEnd));
  }
  return undefined;
}

/**
 * Masks secrets in a finished text (the backstop): the values of secret-access-key, session-token, password,
 * `SecretString`/`SecretBinary` fields in JSON, YAML, text and table output, a 40-character secret key on a line
 * with an access key id (the id itself is kept: alone it is no secret), `X-Amz-Security-Token` headers and PEM
 * private keys. Returns the masked text and how many values were masked.
 */
export function maskSecrets(text: string): { text: string; count: number } {
  const masker = new SecretMasker();
  const masked = masker.maskBlock(text);
  return { text: masked, count: masker.count };
}

/**
 * Whether the aws stage prints a secret without its field name, so only the whole output can be masked: a command
 * the classification says prints a secret (`secretOutput: ['*']`: `ecr get-login-password`, `s3 presign`,
 * `rds generate-db-auth-token`, `configure get aws_secret_access_key` …), or a `--query` that picks a secret field
 * (`--query SecretString --output text`).
 */
export function isSecretOnlyOutput(stage: AwsStage): boolean {
  if (classifyAwsStage(stage).secretOutput.includes('*')) return true;
  const query = stage.globals.query;
  return query !== undefined && (query.match(linearPatterns.queryName.pattern) ?? []).some(isSecretFieldName);
}
