/** What a masked value is replaced with. */
export const maskedValue = '[MASKED]';

const secretNameSuffix =
  /(?:secretaccesskey|sessiontoken|securitytoken|password|passwd|secretstring|secretbinary|clientsecret|accesstoken|refreshtoken|idtoken|authorizationtoken|privatekey|keymaterial)$/;
const secretNames = new Set(['token', 'secret']);

/**
 * Whether a field name holds a secret: `SecretAccessKey`, `aws_session_token`, `MasterUserPassword`,
 * `X-Amz-Security-Token`, `SecretString`… (but not `PasswordLastUsed` or `NextToken`).
 */
export function isSecretFieldName(name: string): boolean {
  const normalized = name.toLowerCase().replace(/[-_ ]/g, '');
  return secretNameSuffix.test(normalized) || secretNames.has(normalized);
}

const accessKeyId = /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g;
const accessKeyIdTest = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/;
/** A secret access key: 40 base64 characters with upper, lower case and digits. */
const secretKeyLike = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const longTokenLike = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{80,}={0,2}(?![A-Za-z0-9/+=])/g;
const pemBlock = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?(?:-----END \1-----|$)/g;
/** `"key": "value"`, `'key': b'value'`, `key=value`, `key: value` in JSON, Python reprs, env files, headers, URLs. */
const keyValue =
  /(["']?)([A-Za-z][\w-]*)\1(\s*[:=]\s*)(?:"((?:[^"\\]|\\.)*)(?:"|$)|b?'((?:[^'\\]|\\.)*)(?:'|$)|([^\s,;&}\]"'|]+))/g;
/** A YAML mapping line (CLI v2 `--output yaml`), whose value runs to the end of the line. */
const yamlLine = /^(\s*(?:-\s+)?)([A-Za-z][\w-]*):[ \t]+(.*)$/;
const tableSeparator = /^\|*\+[-+]+\+\|*$/;
const plainValues = new Set(['', 'null', 'true', 'false', 'None', maskedValue, `'${maskedValue}'`]);
/** Text that might need masking; anything else passes through untouched when no multi-line state is open. */
const trigger = /akia|asia|private key|password|passwd|secret|token|keymaterial|^\s*[|+]/im;
const maxLearned = 256;

/**
 * Secret values seen so far (in the aws stage's own output, the credential variables, the credentials file),
 * masked wherever they show up again, e.g. after `jq -r .SecretString` dropped the field name.
 */
export class LearnedSecrets {
  readonly values = new Set<string>();

  add(value: string): void {
    const trimmed = value.trim();
    if (trimmed.length < 6 || trimmed === maskedValue || this.values.size >= maxLearned) return;
    this.values.add(trimmed);
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

  private addLeaves(value: unknown): void {
    if (typeof value === 'string') this.add(value);
    else if (Array.isArray(value)) for (const item of value) this.addLeaves(item);
    else if (typeof value === 'object' && value !== null) {
      for (const item of Object.values(value)) this.addLeaves(item);
    }
  }

  /** Replaces every learned value in `text`, longest first. */
  mask(text: string): { text: string; count: number } {
    if (this.values.size === 0) return { text, count: 0 };
    let count = 0;
    const ordered = [...this.values].sort((left, right) => right.length - left.length);
    for (const value of ordered) {
      if (!text.includes(value)) continue;
      const parts = text.split(value);
      count += parts.length - 1;
      text = parts.join(maskedValue);
    }
    return { text, count };
  }
}

interface TableHeader {
  cells: number;
  secretColumns: Set<number>;
}

/**
 * Masks secrets line by line, keeping the state that spans lines: PEM blocks, YAML values continued on
 * indented lines, table headers, and secretsmanager text output. One instance per stream.
 */
export class SecretMasker {
  count = 0;
  private inPem = false;
  private yamlIndent: number | undefined;
  private secretTextContinues = false;
  private tableHeader: TableHeader | undefined;
  private tableCandidate: TableHeader | undefined;
  private afterTitle = false;

  constructor(
    private readonly learned: LearnedSecrets = new LearnedSecrets(),
    /** Learn the values masked here (the aws stage's stdout), to mask them again after the filters. */
    private readonly learn = false,
  ) {}

  /** Masks a block of complete lines (each ending in `\n`, the last one may not). */
  maskBlock(text: string): string {
    if (!this.hasOpenState() && !trigger.test(text)) return this.maskLearned(text);
    const lines = text.split(/(?<=\n)/);
    return lines.map((line) => this.maskLine(line)).join('');
  }

  private hasOpenState(): boolean {
    return (
      this.inPem ||
      this.yamlIndent !== undefined ||
      this.secretTextContinues ||
      this.tableHeader !== undefined ||
      this.afterTitle
    );
  }

  /** Masks the learned values only (for text already masked line by line, once more values are known). */
  maskLearned(text: string): string {
    const result = this.learned.mask(text);
    this.count += result.count;
    return result.text;
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

  private maskLine(rawLine: string): string {
    const newline = rawLine.endsWith('\n') ? '\n' : '';
    let line = newline === '' ? rawLine : rawLine.slice(0, -1);
    if (this.inPem) {
      const end = line.search(/-----END [A-Z0-9 ]*PRIVATE KEY-----/);
      if (end === -1) return '';
      this.inPem = false;
      return line.slice(end) + newline;
    }
    if (this.yamlIndent !== undefined) {
      const indent = line.length - line.trimStart().length;
      if (line.trim() !== '' && indent > this.yamlIndent) {
        if (this.learn) this.learned.add(line.trim());
        return `${line.slice(0, indent)}${maskedValue}${newline}`;
      }
      this.yamlIndent = undefined;
    }
    if (this.secretTextContinues) {
      const tab = line.lastIndexOf('\t');
      if (tab === -1) return `${this.hideMore(line)}${newline}`;
      this.secretTextContinues = false;
      return `${this.hideMore(line.slice(0, tab))}${line.slice(tab)}${newline}`;
    }
    if (line.trimStart().startsWith('|') || tableSeparator.test(line.trim())) {
      line = this.maskTableLine(line);
    } else {
      this.tableHeader = undefined;
      this.afterTitle = false;
    }
    line = line.replace(pemBlock, (block, kind: string) => {
      if (!block.includes(`-----END ${kind}-----`)) this.inPem = true;
      this.count += 1;
      return `-----BEGIN ${kind}-----${this.inPem ? '' : `${maskedValue}-----END ${kind}-----`}`;
    });
    if (this.inPem) return `${line}\n${maskedValue}${newline}`;
    const yaml = line.match(yamlLine);
    if (yaml !== null && isSecretFieldName(yaml[2] as string)) {
      const value = (yaml[3] as string).trim();
      this.yamlIndent = (yaml[1] as string).length;
      if (/^[|>][-+0-9]*$/.test(value)) {
        this.count += 1;
        return line + newline;
      }
      if (plainValues.has(value)) {
        this.yamlIndent = undefined;
        return line + newline;
      }
      return `${yaml[1]}${yaml[2]}: ${this.hide(value.replace(/^'(.*)'$|^"(.*)"$/, '$1$2'))}${newline}`;
    }
    line = this.maskTextOutput(line);
    line = line.replace(
      keyValue,
      (
        match,
        quote: string,
        name: string,
        separator: string,
        double?: string,
        single?: string,
        bare?: string,
      ) => {
        const value = double ?? single ?? bare ?? '';
        if (!isSecretFieldName(name) || plainValues.has(value) || value.includes(maskedValue)) return match;
        const quoted =
          double !== undefined ? `"${maskedValue}"` : single !== undefined ? `'${maskedValue}'` : maskedValue;
        this.hide(value);
        return `${quote}${name}${quote}${separator}${quoted}`;
      },
    );
    line = line.replace(accessKeyId, (_, prefix: string) => {
      this.count += 1;
      return `${prefix}${maskedValue}`;
    });
    return this.maskLearned(line) + newline;
  }

  /** `--output text` has no field names: credentials rows are recognised by their key id, secrets by their ARN. */
  private maskTextOutput(line: string): string {
    if (accessKeyIdTest.test(line)) {
      line = line.replace(secretKeyLike, (token) =>
        /[A-Z]/.test(token) && /[a-z]/.test(token) && /[0-9]/.test(token) ? this.hide(token) : token,
      );
      line = line.replace(longTokenLike, (token) => this.hide(token));
    }
    if (line.includes('arn:aws:secretsmanager:') && line.includes('\t')) {
      const fields = line.split('\t');
      const arn = fields.findIndex((field) => field.startsWith('arn:aws:secretsmanager:'));
      // Sorted keys: ARN, CreatedDate, Name, SecretString or SecretBinary, VersionId.
      const first = arn + 3;
      if (arn !== -1 && fields.length > first) {
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
    const trimmed = line.trim();
    if (tableSeparator.test(trimmed)) {
      if (this.tableCandidate !== undefined) this.tableHeader = this.tableCandidate;
      this.tableCandidate = undefined;
      return line;
    }
    const match = line.match(/^(\s*\|+)(.*?)(\|+\s*)$/);
    if (match === null) return line;
    const cells = (match[2] as string).split('|');
    const names = cells.map((cell) => cell.trim());
    if (cells.length === 1) {
      this.afterTitle = true;
      this.tableHeader = undefined;
      this.tableCandidate = undefined;
      return line;
    }
    const secretColumns = new Set<number>();
    names.forEach((name, index) => {
      if (isSecretFieldName(name)) secretColumns.add(index);
    });
    const masked = [...cells];
    const maskCell = (index: number) => {
      const cell = cells[index] as string;
      const value = cell.trim();
      if (value === '' || plainValues.has(value)) return;
      if (value.includes(maskedValue)) return;
      masked[index] = cell.replace(value, this.hide(value).padEnd(value.length));
    };
    if (this.afterTitle) {
      this.afterTitle = false;
      this.tableCandidate = { cells: cells.length, secretColumns };
    } else {
      this.tableCandidate = undefined;
    }
    if (this.tableHeader !== undefined && this.tableHeader.cells === cells.length) {
      for (const index of this.tableHeader.secretColumns) maskCell(index);
    } else if (cells.length === 2 && secretColumns.has(0) && !secretColumns.has(1)) {
      maskCell(1);
    }
    return `${match[1]}${masked.join('|')}${match[3]}`;
  }
}

/**
 * Masks secrets in a finished text: access key ids (AKIA…/ASIA…), the values of secret-access-key,
 * session-token, password, `SecretString`/`SecretBinary` fields in JSON, YAML, text and table output,
 * `X-Amz-Security-Token` headers and PEM private keys. Returns the masked text and how many values were masked.
 */
export function maskSecrets(text: string): { text: string; count: number } {
  const masker = new SecretMasker();
  const masked = masker.maskBlock(text);
  return { text: masked, count: masker.count };
}

const secretOnlyOperations = new Set([
  'ecr get-login-password',
  'ecr-public get-login-password',
  'rds generate-db-auth-token',
  'codeartifact get-authorization-token',
  'eks get-token',
]);

/**
 * Whether the aws stage prints a secret without its field name, so only the whole output can be masked:
 * `ecr get-login-password`, `rds generate-db-auth-token`, `configure get aws_secret_access_key`, or a `--query`
 * that picks a secret field (`--query SecretString --output text`).
 */
export function isSecretOnlyOutput(stage: {
  service: string | undefined;
  operation: string | undefined;
  positionals: string[];
  globals: { query?: string };
}): boolean {
  if (secretOnlyOperations.has(`${stage.service} ${stage.operation}`)) return true;
  if (stage.service === 'configure' && stage.operation === 'get') {
    return stage.positionals.some((name) => isSecretFieldName(name.split('.').pop() ?? name));
  }
  const query = stage.globals.query;
  return query !== undefined && (query.match(/[A-Za-z_][\w-]*/g) ?? []).some(isSecretFieldName);
}
