import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { settingDefinitions } from '../src/config.js';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));
const serverJson = read('server.json');
const serverPackage = read('apps/server/package.json');
const manifest = read('apps/server/mcpb/manifest.json');
const knownVariables = new Set(settingDefinitions.map((setting) => setting.variable));

/** The registry's published schema (a copy: the source and licence are in its `$comment`), compiled with Ajv. */
function registrySchemaValidator() {
  const schema = JSON.parse(
    readFileSync(join(import.meta.dirname, 'registry', 'server.schema.2025-09-29.json'), 'utf8'),
  );
  const ajv = new Ajv({ allErrors: true });
  ajv.addKeyword('example');
  addFormats.default(ajv);
  return { schema, validate: ajv.compile(schema) };
}

describe('server.json (MCP registry metadata)', () => {
  it('validates against the registry schema its `$schema` names', () => {
    const { schema, validate } = registrySchemaValidator();
    expect(serverJson.$schema).toBe(schema.$id);
    expect(validate(serverJson), JSON.stringify(validate.errors)).toBe(true);
  });

  it('would be rejected by that schema with a version range or a long description (the check can fail)', () => {
    const { validate } = registrySchemaValidator();
    const latest = { ...serverJson, packages: [{ ...serverJson.packages[0], version: 'latest' }] };
    expect(validate(latest)).toBe(false);
    expect(validate({ ...serverJson, description: 'x'.repeat(101) })).toBe(false);
    expect(validate({ ...serverJson, packages: [{ ...serverJson.packages[0], unknownField: 1 }] })).toBe(
      false,
    );
  });

  it('names the server as package.json mcpName does (the registry checks the npm package by it)', () => {
    expect(serverJson.name).toBe(serverPackage.mcpName);
    expect(serverJson.name).toMatch(/^io\.github\.aws-mcp\/[a-zA-Z0-9._-]+$/);
  });

  it('describes this version of the npm package, in at most 100 characters', () => {
    expect(serverJson.version).toBe(serverPackage.version);
    expect(serverJson.description.length).toBeLessThanOrEqual(100);
    expect(serverJson.packages).toEqual([
      expect.objectContaining({
        registryType: 'npm',
        identifier: serverPackage.name,
        version: serverPackage.version,
        transport: { type: 'stdio' },
      }),
    ]);
  });

  it('points at the repository the packages name', () => {
    expect(serverJson.repository).toEqual({
      url: serverPackage.repository.url,
      source: 'github',
      subfolder: serverPackage.repository.directory,
    });
  });

  it('lists only settings the server reads, with the defaults it uses', () => {
    for (const variable of serverJson.packages[0].environmentVariables) {
      expect(knownVariables, variable.name).toContain(variable.name);
      const setting = settingDefinitions.find((definition) => definition.variable === variable.name);
      if (variable.default !== undefined) expect(variable.default).toBe(setting?.defaultText);
    }
  });
});

describe('the .mcpb manifest', () => {
  it('passes only settings the server reads', () => {
    for (const variable of Object.keys(manifest.server.mcp_config.env)) {
      expect(knownVariables, variable).toContain(variable);
    }
  });

  it('offers every mode the server accepts as the mode setting describes', () => {
    for (const mode of serverJson.packages[0].environmentVariables[0].choices) {
      expect(manifest.user_config.mode.description).toContain(mode);
    }
  });
});
