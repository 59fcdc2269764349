import { mkdir } from 'node:fs/promises';
import { dropBlankAwsChoices } from './_blank-variables.js';
import { writeMaskedStderr } from './_masked-stderr.js';
import { formatHelp, readCommandLine } from './cli-flags.js';
import { ConfigError, readServerConfig } from './config.js';
import { serverVersion } from './server.js';
import { createServerContext } from './server-context.js';
import { listDescendantProcesses, stopChildProcesses } from './transports/_processes.js';
import { startStdioServer } from './transports/stdio.js';

const log = writeMaskedStderr;

// After a stop is asked for, commands get this long to exit after their abort before they are killed.
const childGraceMs = 500;
// A stop that hangs anyway (a stuck file close) still ends the process.
const stopDeadlineMs = 3000;

async function main(): Promise<void> {
  const commandLine = readCommandLine(process.argv.slice(2));
  if (commandLine.action === 'help') {
    process.stdout.write(formatHelp());
    return;
  }
  if (commandLine.action === 'version') {
    process.stdout.write(`aws-mcp-server ${serverVersion}\n`);
    return;
  }
  for (const warning of commandLine.warnings) log(`warning: ${warning}`);
  const blank = dropBlankAwsChoices({ ...process.env, ...commandLine.settings });
  for (const note of blank.notes) log(note);
  const env = blank.env;
  const config = readServerConfig(env, { flags: commandLine.flags });
  // The token is the server's, not the AWS CLI's: keep it out of everything the context hands on.
  const { AWS_MCP_AUTH_TOKEN: _token, ...contextEnv } = env;
  await mkdir(config.workdir, { recursive: true, mode: 0o700 });
  const context = await createServerContext({ config, env: contextEnv, log });
  // Checked once a stdio transport is up, and as an HTTP one starts: the check starts the CLI, which would only
  // slow the first answer.
  const checkAwsCli = () =>
    void context.awsCli().then((status) => {
      if (!status.available) log(status.message);
    });

  let stopping = false;
  let closeTransport: () => Promise<void> = async () => {};
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${reason}`);
    setTimeout(() => process.exit(1), stopDeadlineMs).unref();
    try {
      const before = await listDescendantProcesses();
      await closeTransport();
      await context.close();
      await stopChildProcesses({ graceMs: childGraceMs, before });
    } finally {
      process.exit(0);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // A second signal while stopping means "now".
    process.on(signal, () => (stopping ? process.exit(1) : void stop(signal)));
  }

  const off = context.protectionsOff;
  const summary =
    `mode ${context.policy.mode}, working directory ${config.workdir}` +
    (off.length === 0 ? '' : `; protections off: ${off.join('; ')}`);
  if (config.transport === 'stdio') {
    const stdio = await startStdioServer({ context, onEnd: (reason) => void stop(reason) });
    closeTransport = stdio.close;
    // Once the messages already waiting (a client's initialize) are answered: the first write sets stderr up and
    // the check starts the CLI, neither of which the first answer needs.
    setImmediate(() => {
      log(`serving over stdio (${summary})`);
      checkAwsCli();
    });
    return;
  }
  if (config.transport === 'sse') {
    log(
      'warning: the sse transport is deprecated (MCP replaced it with streamable HTTP); use --transport streamable-http',
    );
  }
  // An HTTP server's clients connect once it prints its address: the check starts while it gets there.
  checkAwsCli();
  // Imported here, so a stdio server never evaluates the HTTP libraries (Hono's Node adapter reads fetch's
  // globals, which loads undici): a shorter start-up.
  const { startHttpServer } = await import('./transports/http.js');
  const http = await startHttpServer({ context });
  closeTransport = http.close;
  const kind =
    config.transport === 'sse' ? 'SSE' : `streamable HTTP${config.http.stateless ? ' (stateless)' : ''}`;
  log(`serving ${kind} at ${http.url} (${summary})`);
  if (config.http.authToken === undefined) {
    log('no AWS_MCP_AUTH_TOKEN set, so this run made a token; clients must send the header');
    log(`  Authorization: Bearer ${http.authToken}`);
  }
  if (config.http.host === '0.0.0.0' || config.http.host === '::') {
    log(
      'listening on every network interface: anyone who can reach this port and has the token can use your AWS credentials',
    );
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    log(error.message);
    process.exit(2);
  }
  // StartupError and anything unexpected alike: one line, no stack trace.
  log(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
