import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mcpClients } from 'mcp-client-capabilities';
import { describe, expect, it } from 'vitest';

// docs/clients.md tells people which clients can show the consent form. Where Apify's index of MCP clients (what
// each announces in `initialize`) knows the client, the table must say what the index says.
const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'clients.md'), 'utf8');
const section = doc.slice(doc.indexOf('## Who can ask you'), doc.indexOf('Remedies, safest first:'));
const rows = section
  .split('\n')
  .filter((line) => line.startsWith('| ') && !line.startsWith('| client') && !line.startsWith('| ---'))
  .map((line) => line.split('|').map((cell) => cell.trim()))
  .map(([, client, name, elicitation]) => ({ client, name, elicitation }));

describe("docs/clients.md's table of who can ask", () => {
  it('has the clients the README configures', () => {
    expect(rows.map((row) => row.client)).toEqual(
      expect.arrayContaining(['VS Code', 'Cursor', 'Codex', 'Claude Code', 'Windsurf', 'Claude Desktop']),
    );
  });

  it.each(rows.filter((row) => row.name?.startsWith('`')))(
    '$client ($name) says what the index says about elicitation',
    ({ name, elicitation }) => {
      const record = mcpClients[(name as string).slice(1, -1)];
      expect(record, `${name} is not in mcp-client-capabilities`).toBeDefined();
      expect(elicitation).toBe(record?.elicitation === undefined ? 'no' : 'yes');
    },
  );

  it('names no index entry for a client the index lacks', () => {
    for (const row of rows.filter((each) => each.name === 'not in the index')) {
      const known = Object.values(mcpClients).map((record) => record.title);
      expect(known, row.client).not.toContain(row.client);
    }
  });
});
