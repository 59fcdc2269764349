#!/usr/bin/env node
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDemoClient, type DemoSession, runSteps } from './_session.js';
import { prepareEmulatorTour, type Tour } from './emulator-tour.js';
import { prepareMotoTour } from './moto-tour.js';

async function prepareTour(workdir: string): Promise<Tour> {
  if (process.env.AWS_MCP_DEMO_TOUR !== 'emulators') {
    try {
      return await prepareMotoTour(workdir);
    } catch (error) {
      console.log(
        `  moto is not available (${error instanceof Error ? error.message : String(error)})\n` +
          '  so this is the shorter tour on s3rver (S3) and dynalite (DynamoDB).\n',
      );
    }
  }
  return prepareEmulatorTour(workdir);
}

async function main(): Promise<number> {
  const started = performance.now();
  let tour: Tour | undefined;
  let session: DemoSession | undefined;
  const workdir = await mkdtemp(join(tmpdir(), 'aws-mcp-demo-'));
  try {
    console.log(
      'aws-mcp demo: a local AWS on 127.0.0.1, the real AWS CLI, the real MCP server over stdio.\n',
    );
    tour = await prepareTour(workdir);
    console.log(`  working directory    ${workdir} (the only folder the CLI may read or write)\n`);
    session = await connectDemoClient({
      PATH: process.env.PATH ?? '',
      ...tour.env,
      AWS_MAX_ATTEMPTS: '1',
      AWS_MCP_WORKDIR: workdir,
      AWS_MCP_MODE: 'confirm-writes',
    });
    const failures = await runSteps(session.client, tour.steps);
    const total = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      failures === 0
        ? `Demo finished: ${tour.steps.length} calls, all as expected, in ${total} s. Everything it started is stopped.`
        : `Demo finished with ${failures} unexpected result(s).`,
    );
    return failures === 0 ? 0 : 1;
  } finally {
    await session?.close();
    await tour?.stop();
    await rm(workdir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
