import { plainText } from './_doc-text.js';

/** One example the CLI ships: its title and the command line, backslash continuations joined. */
export interface ShippedExample {
  title: string;
  command: string;
}

/**
 * The `aws …` command lines of a shipped examples file (the ReST under `awscli/examples/SERVICE/COMMAND.rst`), in
 * order, each with the title of the example it belongs to (`**Example 1: To describe an instance**`). Output
 * blocks and prose are left out.
 */
export function readShippedExamples(rst: string): ShippedExample[] {
  const examples: ShippedExample[] = [];
  const lines = rst.split('\n');
  let title = '';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const heading = /^\*\*(.+?)\*\*\s*$/.exec(line.trim());
    if (heading !== null) {
      title = plainText(heading[1]).replace(/^Example \d+:\s*/i, '');
      continue;
    }
    if (!/^\s+aws\s/.test(line)) continue;
    let command = line.trim();
    while (command.endsWith('\\') && index + 1 < lines.length) {
      index++;
      command = `${command.slice(0, -1).trimEnd()} ${(lines[index] ?? '').trim()}`;
    }
    examples.push({ title, command });
  }
  return examples;
}
