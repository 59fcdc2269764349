import { type Emulator, startMoto } from '@aws-mcp/emulators';
import { type RecordingProxy, startRecordingProxy } from '@aws-mcp/test-support';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpTestServer, startHttpTestServer } from '../../test/test-server.js';
import type { ServerContext } from '../server-context.js';

const token = 'kept-results-token-0123456789';

let moto: Emulator;
let proxy: RecordingProxy;
let server: HttpTestServer;
let context: ServerContext;

function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  return server.connect({ name: 'kept-results' });
}

async function call(client: Client, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name: 'aws_cli_pipeline', arguments: args })) as CallToolResult;
}

function structured(result: CallToolResult): Record<string, unknown> {
  return (result.structuredContent ?? {}) as Record<string, unknown>;
}

async function readWhole(
  client: Client,
  uri: string,
  length: number,
): Promise<{ text: string; pages: number }> {
  let text = '';
  let pages = 0;
  let offset: number | undefined = 0;
  while (offset !== undefined) {
    const read = await client.readResource({ uri: `${uri}?offset=${offset}&length=${length}` });
    const content = read.contents[0] as { text: string };
    text += content.text;
    pages += 1;
    offset = (read._meta as { nextOffset?: number } | undefined)?.nextOffset;
  }
  return { text, pages };
}

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startRecordingProxy(moto.endpoint);
  server = await startHttpTestServer({
    emulator: moto,
    token,
    settings: {
      AWS_ENDPOINT_URL: proxy.endpoint,
      AWS_MCP_MAX_OUTPUT: '1000',
      // One kept describe-regions (6 344 bytes from moto) fits a session; a second drops the first.
      AWS_MCP_RESULTS_SESSION_BYTES: '10000',
    },
  });
  ({ context } = server);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await moto?.stop();
});

describe('kept results (aws://results/{id}, fromResult) over HTTP sessions', () => {
  it('keeps a cut output, re-filters it without a second AWS request, and shows it to its own session only', async () => {
    const owner = await connect();
    const other = await connect();
    const start = proxy.requests.length;
    const cut = await call(owner.client, { command: 'aws ec2 describe-regions' });
    expect(cut.isError).not.toBe(true);
    // The proxy sees the CLI's requests, so an unchanged count below means no AWS call.
    expect(proxy.requests.length).toBeGreaterThan(start);
    const fields = structured(cut);
    expect(fields.truncated).toBe(true);
    const kept = fields.kept as { kept: true; resultId: string; uri: string; chars: number };
    expect(kept.kept).toBe(true);
    expect(fields.resultId).toBe(kept.resultId);
    const link = cut.content.find((block) => block.type === 'resource_link') as ResourceLink | undefined;
    expect(link?.uri).toBe(`aws://results/${kept.resultId}`);

    // The kept output, read in pages of at most the cap, is the whole JSON the CLI printed.
    const whole = await readWhole(owner.client, kept.uri, 400);
    expect(whole.pages).toBeGreaterThanOrEqual(3);
    expect(whole.text.length).toBe(kept.chars);
    const regions = (JSON.parse(whole.text) as { Regions: { RegionName: string }[] }).Regions;
    const expected = regions.map((region) => region.RegionName).sort();
    expect(expected.length).toBeGreaterThan(10);

    const before = proxy.requests.length;
    const filtered = await call(owner.client, {
      fromResult: kept.resultId,
      command: "jq -r '.Regions[].RegionName' | sort",
    });
    expect(filtered.isError).not.toBe(true);
    expect(structured(filtered)).toMatchObject({ status: 'success', fromResult: kept.resultId });
    expect(structured(filtered).output).toBe(`${expected.join('\n')}\n`);
    const argv = await call(owner.client, {
      fromResult: kept.resultId,
      pipe: [['jq', '-r', '.Regions | length']],
    });
    expect(structured(argv).output).toBe(`${regions.length}\n`);
    expect(proxy.requests.length).toBe(before);

    // Another session: the id opens nothing, and reads exactly as an id that never existed.
    const stolen = await call(other.client, { fromResult: kept.resultId, command: 'jq .' });
    const unknownId = 'AAAAAAAAAAAAAAAAAAAAAA';
    const unknown = await call(other.client, { fromResult: unknownId, command: 'jq .' });
    expect(stolen.isError).toBe(true);
    expect(structured(stolen).code).toBe('RESULT_NOT_FOUND');
    expect(JSON.stringify(stolen).replaceAll(kept.resultId, 'ID')).toBe(
      JSON.stringify(unknown).replaceAll(unknownId, 'ID'),
    );
    await expect(other.client.readResource({ uri: kept.uri })).rejects.toThrow(/No kept result/);
    const listed = (await other.client.listResources()).resources.map((resource) => resource.uri);
    expect(listed.some((uri) => uri.startsWith('aws://results/'))).toBe(false);
    const own = (await owner.client.listResources()).resources.map((resource) => resource.uri);
    expect(own).toContain(kept.uri);

    // The session ends: its results go with it.
    await owner.transport.terminateSession();
    await owner.client.close();
    await expect.poll(() => context.results.totalBytes).toBe(0);
  }, 120_000);

  it('refuses fromResult with an aws stage or other arguments, and runs nothing', async () => {
    const { client } = await connect();
    const cut = await call(client, { command: 'aws ec2 describe-regions' });
    const id = structured(cut).resultId as string;
    const before = proxy.requests.length;
    const withAws = await call(client, { fromResult: id, command: 'aws ec2 describe-regions | jq .' });
    expect(structured(withAws)).toMatchObject({ status: 'refused', code: 'FORBIDDEN_PROGRAM' });
    const withProfile = await call(client, { fromResult: id, command: 'jq .', profile: 'default' });
    expect(structured(withProfile)).toMatchObject({ status: 'refused', code: 'RESULT_ARGUMENT_INVALID' });
    const noFilters = await call(client, { fromResult: id });
    expect(structured(noFilters)).toMatchObject({ status: 'refused', code: 'RESULT_ARGUMENT_INVALID' });
    expect(proxy.requests.length).toBe(before);
  }, 120_000);

  it('drops the session’s oldest kept result when its budget is full, and no other session’s', async () => {
    const neighbour = await connect();
    const theirs = structured(await call(neighbour.client, { command: 'aws ec2 describe-regions' }));
    const { client } = await connect();
    const first = structured(await call(client, { command: 'aws ec2 describe-regions' }));
    const second = structured(await call(client, { command: 'aws ec2 describe-regions' }));
    expect([theirs.resultId, first.resultId, second.resultId].every((id) => typeof id === 'string')).toBe(
      true,
    );
    const dropped = await call(client, {
      fromResult: first.resultId,
      command: 'jq -r .Regions[0].RegionName',
    });
    expect(structured(dropped).code).toBe('RESULT_NOT_FOUND');
    const newest = await call(client, {
      fromResult: second.resultId,
      command: 'jq -r .Regions[0].RegionName',
    });
    expect(structured(newest).status).toBe('success');
    const other = await call(neighbour.client, {
      fromResult: theirs.resultId,
      command: 'jq -r .Regions[0].RegionName',
    });
    expect(structured(other).status).toBe('success');
  }, 120_000);

  it('returns an output under the cap whole, without keeping it', async () => {
    const { client } = await connect();
    const small = await call(client, { command: 'aws ec2 describe-regions --region-names us-east-1' });
    expect(structured(small).truncated).toBe(false);
    expect(structured(small).kept).toBeUndefined();
    expect(small.content.some((block) => block.type === 'resource_link')).toBe(false);
  }, 60_000);
});
