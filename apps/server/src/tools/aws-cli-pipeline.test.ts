import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTempDir, startHangingEndpoint } from '@aws-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, textOf } from '../../test/test-server.js';

describe('aws_cli_pipeline in confirm-writes mode', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer({ AWS_MCP_AUDIT_LOG: '' });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('runs a read without asking', async () => {
    test.consent.asked.length = 0;
    const result = await test.call('aws_cli_pipeline', { command: 'aws s3 ls' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      status: 'success',
      classification: { accessClass: 'read', action: 's3:ls', known: true },
      decision: { action: 'allow', rule: 'mode:confirm-writes' },
    });
    expect(test.consent.asked).toEqual([]);
  });

  it('says what to do next when the cause of a failure is known from the pipeline (text piped into jq)', async () => {
    await test.call('aws_cli_pipeline', { command: 'aws s3 mb s3://hint-bucket' });
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws s3api list-buckets --output text | jq .',
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /jq exited[\s\S]*parse error[\s\S]*add `--output json` to the aws command/,
    );
    expect(result.structuredContent).toMatchObject({
      suggestion: expect.stringMatching(/jq was given `--output text`: add `--output json`/),
    });
  });

  it('refuses a missing parameter file before anything runs or asks, naming it, not the sandbox hint', async () => {
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws iam create-policy --policy-name p --policy-document file://nothere.json',
    });
    expect(result.isError).toBe(true);
    // Judged before the consent form (a write would ask): the file must be in the working directory.
    expect(result.structuredContent).toMatchObject({ status: 'refused', code: 'PARAMETER_FILE_MISSING' });
    expect(textOf(result)).toMatch(/--policy-document file:\/\/nothere\.json`: .*`nothere\.json`/);
    expect(textOf(result)).not.toMatch(/AWS_MCP_SANDBOX_READ_PATHS|credential helper/);
  });

  it('asks before a write, showing the command, class, profile and region', async () => {
    test.consent.asked.length = 0;
    const result = await test.call('aws_cli_pipeline', { command: 'aws s3 mb s3://asked-bucket' });
    expect(textOf(result)).toBe('make_bucket: asked-bucket\n');
    expect(test.consent.asked).toHaveLength(1);
    expect(test.consent.asked[0]).toMatch(
      /aws s3 mb s3:\/\/asked-bucket\n\nAccess: write \(s3:mb\)\nProfile: default\nAccount: unknown \(the caller identity could not be read\)\nRegion: us-east-1/,
    );
  });

  it('shows what the person could not see in the consent text as escapes', async () => {
    test.consent.answer = 'decline';
    try {
      await test.call('aws_cli_pipeline', {
        args: ['aws', 's3', 'rm', 's3://asked-bucket/report\u202etxt.exe\u{E0041}\u00ad'],
      });
    } finally {
      test.consent.answer = 'accept';
    }
    expect(test.consent.asked.at(-1)).toContain(
      "aws s3 rm 's3://asked-bucket/report\\u{202E}txt.exe\\u{E0041}\\u{00AD}'",
    );
    expect(test.consent.asked.at(-1)).not.toMatch(/[\u202e\u00ad]|\u{E0041}/u);
  });

  it('refuses a write when the client cannot ask, saying how to allow it', async () => {
    const client = await test.connectAnother('none');
    const result = await client.callTool({
      name: 'aws_cli_pipeline',
      arguments: { command: 'aws s3 mb s3://never' },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result as never)).toMatch(/cannot ask the user \(no elicitation\).*AWS_MCP_MODE=full/s);
    const listing = await test.call('aws_cli_pipeline', { command: 'aws s3 ls' });
    expect(textOf(listing)).not.toContain('never');
  });

  it('accepts the argv form with inline JSON and filter stages', async () => {
    const result = await test.call('aws_cli_pipeline', {
      args: [
        'aws',
        's3api',
        'list-buckets',
        '--query',
        'Buckets[?Name==`asked-bucket`].Name',
        '--output',
        'json',
      ],
      pipe: [['jq', '-r', '.[]']],
    });
    expect(textOf(result)).toBe('asked-bucket\n');
  });

  it.each([
    [{ command: 'aws s3 ls', args: ['aws', 's3', 'ls'] }, /^Refused \(INVALID_ARGV\): Give either `command`/],
    [{ command: 'aws s3 ls', pipe: [['jq', '.']] }, /^Refused \(INVALID_ARGV\): `pipe` goes with `args`/],
    [
      { command: 'aws s3 ls', profile: 'nobody' },
      /^Refused \(UNKNOWN_PROFILE\): there is no profile `nobody`/,
    ],
    [
      { command: 'aws s3 ls', region: 'mars-north-1' },
      /^Refused \(UNKNOWN_REGION\): `mars-north-1` is not a known region/,
    ],
    [{ command: 'aws s3 ls --region eu-west-1', region: 'us-east-1' }, /^Refused \(CONFLICTING_SETTING\)/],
    [{ command: 'aws configure set aws_access_key_id x' }, /^Refused .*configure/],
    [{ command: 'aws s3 ls --debug' }, /^Refused \(FORBIDDEN_GLOBAL_OPTION\)/],
    [{ command: 'aws s3 ls | awk \'BEGIN{system("id")}\'' }, /^Refused \(UNSAFE_FILTER_PROGRAM\)/],
    [{ command: 'aws s3 ls --endpoint-url https://attacker.example' }, /^Refused \(FORBIDDEN_ENDPOINT\)/],
    [
      { command: 'aws s3 ls --region mars-north-1' },
      /^Refused \(UNKNOWN_REGION\): `mars-north-1` \(`--region` on the command line\)/,
    ],
  ])(
    'refuses %j with a message that says what to do, and its code, reason and suggestion',
    async (args, message) => {
      const result = await test.call('aws_cli_pipeline', args);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(message);
      const structured = result.structuredContent as {
        status: string;
        code: string;
        reason: string;
        suggestion: string;
      };
      expect(structured.status).toBe('refused');
      // The code the text names, the reason the text gives, and a next step.
      expect(textOf(result)).toContain(structured.code);
      expect(textOf(result)).toContain(structured.reason.slice(0, 40));
      expect(structured.suggestion).toMatch(/\w.*\.$/);
    },
  );

  it('caps output at maxOutput but never above the server cap', async () => {
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws s3api list-buckets --output json',
      maxOutput: 40,
    });
    expect(result.structuredContent).toMatchObject({ truncated: true });
    expect(textOf(result)).toContain('characters omitted (output capped at 40)');
  });

  it('returns the consent text of a write for `check: true`, asking nobody and creating nothing', async () => {
    test.consent.asked.length = 0;
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws s3api create-bucket --bucket checked-bucket',
      check: true,
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      status: 'checked',
      output: '',
      classification: { accessClass: 'write', action: 's3api:create-bucket' },
      decision: { action: 'confirm', rule: 'mode:confirm-writes' },
      check: {
        argv: [['aws', 's3api', 'create-bucket', '--bucket=checked-bucket']],
        asks: true,
        consentText: expect.stringMatching(
          /^An AI assistant asks to run this AWS command:\n\n {2}aws s3api create-bucket --bucket=checked-bucket\n\nAccess: write \(s3api:create-bucket\)\nProfile: default\nAccount: looked up when the command runs\nRegion: us-east-1\n[\s\S]*Why it asks: s3api:create-bucket is a write/,
        ),
      },
    });
    expect(textOf(result)).toMatch(
      /^Checked, not run:\n {2}aws s3api create-bucket --bucket=checked-bucket\nAccess: write \(s3api:create-bucket\); decision: confirm\.\nIt would run only after the user agrees \(mode:confirm-writes\)\. The user would see:\n\nAn AI assistant asks/,
    );
    expect(test.consent.asked).toEqual([]);
    const listing = await test.call('aws_cli_pipeline', { command: 'aws s3api list-buckets --output json' });
    expect(textOf(listing)).not.toContain('checked-bucket');
  });

  it('checks a read without running it: no output, no file written', async () => {
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws s3 cp s3://asked-bucket/in.txt checked.txt',
      check: true,
    });
    expect(result.structuredContent).toMatchObject({
      status: 'checked',
      decision: { action: 'allow' },
      check: { asks: false },
    });
    expect((result.structuredContent as { check: object }).check).not.toHaveProperty('consentText');
    expect(textOf(result)).toMatch(/It would run without asking \(mode:confirm-writes: /);
    await expect(readFile(join(test.workdir, 'checked.txt'))).rejects.toThrow(/ENOENT/);
  });

  it('shows the secrets question in a checked consent text, and says a client that cannot ask would be refused', async () => {
    test.consent.asked.length = 0;
    const line = { command: 'aws secretsmanager get-secret-value --secret-id prod/db', check: true };
    const asking = await test.call('aws_cli_pipeline', line);
    expect(asking.structuredContent).toMatchObject({
      status: 'checked',
      classification: { accessClass: 'sensitive-read' },
      check: {
        asks: true,
        consentText: expect.stringMatching(/Its output carries secrets \([^)]*SecretString/),
      },
    });
    const client = await test.connectAnother('none');
    const unable = (await client.callTool({ name: 'aws_cli_pipeline', arguments: line })) as never;
    expect(textOf(unable)).toMatch(
      /which this client cannot ask for, so it would be refused \(CONSENT_UNAVAILABLE\)/,
    );
    expect(test.consent.asked).toEqual([]);
  });

  it.each([
    [{ command: 'aws s3api list-bucketz', check: true }, 'UNKNOWN_COMMAND'],
    [{ command: 'aws s3api list-buckets --bogus', check: true }, 'UNKNOWN_OPTION'],
    [
      { command: 'aws s3 cp s3://asked-bucket/in.txt /etc/passwd', check: true },
      'LOCAL_PATH_OUTSIDE_WORKDIR',
    ],
  ])('refuses %j as a call without `check` would', async (args, code) => {
    const result = await test.call('aws_cli_pipeline', args);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ status: 'refused', code });
  });

  it('returns JSON output parsed in structuredContent when it came whole', async () => {
    const whole = await test.call('aws_cli_pipeline', { command: 'aws s3api list-buckets --output json' });
    const structured = whole.structuredContent as { json: { Buckets: Array<{ Name: string }> } };
    expect(whole.structuredContent).toMatchObject({ jsonOutput: 'parsed' });
    expect(structured.json).toEqual(JSON.parse(textOf(whole)));
    expect(structured.json.Buckets.map((bucket) => bucket.Name)).toContain('asked-bucket');
    const cut = await test.call('aws_cli_pipeline', {
      command: 'aws s3api list-buckets --output json',
      maxOutput: 40,
    });
    expect(cut.structuredContent).toMatchObject({ truncated: true, jsonOutput: 'cut' });
    expect(cut.structuredContent).not.toHaveProperty('json');
    const text = await test.call('aws_cli_pipeline', {
      command: 'aws s3api list-buckets --query Buckets[].Name --output text',
    });
    expect(text.structuredContent).toMatchObject({ jsonOutput: 'not json' });
    expect(text.structuredContent).not.toHaveProperty('json');
  });

  it('explains a missing bucket with the CLI message', async () => {
    const result = await test.call('aws_cli_pipeline', { command: 'aws s3 ls s3://missing-bucket' });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ status: 'error' });
    expect(textOf(result)).toMatch(/NoSuchBucket/);
  });

  it('blames a failing filter, not aws, and shows its message', async () => {
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws s3api list-buckets --output json | jq \'error("boom")\'',
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^The command failed \(jq exited \d+\)\.\njq: .*boom/);
    expect(textOf(result)).not.toContain('BrokenPipe');
  });

  it('treats grep matching nothing as an empty result', async () => {
    const result = await test.call('aws_cli_pipeline', { command: 'aws s3 ls | grep zzz-nothing' });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('(no lines matched the filter)');
  });

  it('reads and writes local files only in the working directory', async () => {
    await writeFile(join(test.workdir, 'in.txt'), 'local data\n');
    expect(
      (await test.call('aws_cli_pipeline', { command: 'aws s3 cp in.txt s3://asked-bucket/in.txt' })).isError,
    ).toBeFalsy();
    expect(
      (await test.call('aws_cli_pipeline', { command: 'aws s3 cp s3://asked-bucket/in.txt out.txt' }))
        .isError,
    ).toBeFalsy();
    expect(await readFile(join(test.workdir, 'out.txt'), 'utf8')).toBe('local data\n');
    const outside = await test.call('aws_cli_pipeline', {
      command: 'aws s3 cp s3://asked-bucket/in.txt /etc/passwd',
    });
    expect(textOf(outside)).toMatch(/^Refused \(LOCAL_PATH_OUTSIDE_WORKDIR\)/);
  });
});

describe('aws_cli_pipeline output safety and progress', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer({ AWS_MCP_MODE: 'full' });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('masks secrets in what it returns and says how many', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    await writeFile(
      join(test.workdir, 'creds.json'),
      `${JSON.stringify({ AccessKeyId: 'AKIAIOSFODNN7EXAMPLE', SecretAccessKey: secret, Region: 'us-east-1' })}\n`,
    );
    await test.call('aws_cli_pipeline', { command: 'aws s3 mb s3://masking' });
    await test.call('aws_cli_pipeline', { command: 'aws s3 cp creds.json s3://masking/creds.json' });
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws s3 cp s3://masking/creds.json - | jq -c .',
    });
    expect(textOf(result)).not.toContain(secret);
    expect(textOf(result)).toContain('"Region":"us-east-1"');
    const masked = (result.structuredContent as { maskedSecrets: number }).maskedSecrets;
    expect(masked).toBeGreaterThanOrEqual(1);
    expect(result.structuredContent).toMatchObject({ secrets: { handling: 'masked', masked } });
    // It says so, how many, and how to get them.
    expect(textOf(result)).toContain(
      `\n\n${masked} secret value${masked === 1 ? ' was' : 's were'} masked as [MASKED]. To get them, call again with \`saveOutputTo: "NAME"\``,
    );
  });

  it('sends log lines through the masking engine', async () => {
    const { LoggingMessageNotificationSchema } = await import('@modelcontextprotocol/sdk/types.js');
    const received: unknown[] = [];
    test.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      received.push(notification.params.data);
    });
    const key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    test.context.log(`the CLI printed {"SecretAccessKey": "${key}"}`, 'warning');
    for (let attempt = 0; attempt < 20 && received.length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(received).toHaveLength(1);
    expect(String(received[0])).toBe('the CLI printed {"SecretAccessKey": "[MASKED]"}');
    expect(String(received[0])).not.toContain(key);
  });

  it('sends progress notifications while a command runs, when asked', async () => {
    // Accepts and never answers; closes itself when the test ends.
    const hang = await startHangingEndpoint();
    const updates: Array<{ progress: number; message?: string }> = [];
    try {
      const result = await test.client.callTool(
        {
          name: 'aws_cli_pipeline',
          arguments: { command: `aws s3 ls --endpoint-url ${hang.endpoint}`, timeout: 3 },
        },
        undefined,
        { onprogress: (progress) => updates.push(progress) },
      );
      expect(result.structuredContent).toMatchObject({ status: 'timeout' });
    } finally {
      await hang.close();
    }
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates[0]?.message).toMatch(/^running for \d+ s, 0 bytes of output so far$/);
    const progressValues = updates.map((update) => update.progress);
    expect(progressValues).toEqual([...progressValues].sort((left, right) => left - right));
  });
});

describe('aws_cli_pipeline in read-only mode', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer({ AWS_MCP_MODE: 'read-only' });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('is annotated read-only', async () => {
    const { tools } = await test.client.listTools();
    expect(tools.find((tool) => tool.name === 'aws_cli_pipeline')?.annotations).toMatchObject({
      readOnlyHint: true,
    });
  });

  it('refuses a write without asking and without running it', async () => {
    const result = await test.call('aws_cli_pipeline', { command: 'aws s3 mb s3://read-only-bucket' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^Refused by mode:read-only:/);
    expect(result.structuredContent).toMatchObject({
      code: 'DENIED_BY_POLICY',
      reason: expect.stringMatching(/\S/),
      suggestion: expect.stringMatching(/^Do not retry: the server’s policy forbids it/),
    });
    expect(test.consent.asked).toEqual([]);
    const listing = await test.call('aws_cli_pipeline', { command: 'aws s3 ls' });
    expect(textOf(listing)).not.toContain('read-only-bucket');
  });

  it('still refuses a write for `check: true`, saying which rule', async () => {
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws s3 mb s3://read-only-checked',
      check: true,
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^Refused by mode:read-only:/);
    expect(result.structuredContent).toMatchObject({ status: 'refused', code: 'DENIED_BY_POLICY' });
  });

  it('refuses a sensitive read', async () => {
    const result = await test.call('aws_cli_pipeline', {
      command: 'aws secretsmanager get-secret-value --secret-id prod/db',
    });
    expect(textOf(result)).toMatch(/^Refused by mode:read-only:/);
    expect(result.structuredContent).toMatchObject({ classification: { accessClass: 'sensitive-read' } });
  });
});

describe('aws_cli_pipeline audit log', () => {
  it('writes one JSON line per call with secret-bearing values redacted', async () => {
    // Removed when the test ends.
    const folder = await createTempDir('audit-');
    const auditLog = join(folder, 'audit.jsonl');
    const test = await startTestServer({ AWS_MCP_AUDIT_LOG: auditLog, AWS_MCP_MODE: 'full' });
    try {
      await test.call('aws_cli_pipeline', { command: 'aws s3 ls' });
      await test.call('aws_cli_pipeline', {
        command: "aws secretsmanager create-secret --name app --secret-string 'hunter2-very-secret'",
      });
      await test.call('aws_cli_pipeline', { command: 'aws s3 ls && id' });
    } finally {
      await test.close();
    }
    const text = await readFile(auditLog, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      tool: 'aws_cli_pipeline',
      argv: [['aws', 's3', 'ls']],
      status: 'success',
      decision: 'allow',
    });
    // The argv that ran, rebuilt from the CLI's reading, with the secret member's value redacted.
    expect(lines[1].argv[0]).toEqual([
      'aws',
      'secretsmanager',
      'create-secret',
      '--name=app',
      '--secret-string=[redacted]',
    ]);
    expect(lines[2]).toMatchObject({ status: 'refused', error: 'FORBIDDEN_OPERATOR' });
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('S3RVER');
  });
});

describe('aws_cli_pipeline with an expired SSO session', () => {
  it('says to run aws sso login for that profile instead of running the command', async () => {
    const { appendFile, mkdir } = await import('node:fs/promises');
    const { createHash } = await import('node:crypto');
    const test = await startTestServer();
    try {
      await appendFile(
        test.awsEnv.AWS_CONFIG_FILE as string,
        '\n[profile sso-dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = us-east-1\n' +
          '\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n',
      );
      const cache = join(test.awsEnv.HOME as string, '.aws', 'sso', 'cache');
      await mkdir(cache, { recursive: true });
      const name = createHash('sha1').update('corp').digest('hex');
      await writeFile(
        join(cache, `${name}.json`),
        JSON.stringify({
          startUrl: 'https://corp.awsapps.com/start',
          region: 'us-east-1',
          accessToken: 'x',
          expiresAt: '2020-01-01T00:00:00Z',
        }),
      );
      let result = await test.call('aws_cli_pipeline', { command: 'aws s3 ls', profile: 'sso-dev' });
      for (let attempt = 0; attempt < 50 && /UNKNOWN_PROFILE/.test(textOf(result)); attempt++) {
        // The server picks up the edited config through its file watch.
        await new Promise((resolve) => setTimeout(resolve, 200));
        result = await test.call('aws_cli_pipeline', { command: 'aws s3 ls', profile: 'sso-dev' });
      }
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(
        /^SSO_SESSION_EXPIRED: the SSO session of profile `sso-dev` expired at 2020-01-01T00:00:00.*Z?\. The user must run `aws sso login --profile sso-dev` in a terminal/,
      );
    } finally {
      await test.close();
    }
  });
});

describe('aws_cli_pipeline with a profile allowlist', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer({ AWS_MCP_PROFILES: 'audit,readonly', AWS_MCP_MODE: 'full' });
  });
  afterAll(async () => {
    await test?.close();
  });

  it.each([
    [{ command: 'aws s3 ls' }, /PROFILE_NOT_ALLOWED|profile-allowlist/],
    [{ command: 'aws s3 ls --profile default' }, /PROFILE_NOT_ALLOWED|profile-allowlist/],
    [
      { command: 'aws s3 ls', profile: 'default' },
      /^Refused \(PROFILE_NOT_ALLOWED\): profile `default` is not in the server's allowlist/,
    ],
  ])('refuses %j when the effective profile is not allowed', async (args, message) => {
    const result = await test.call('aws_cli_pipeline', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
  });
});

describe('aws_cli_pipeline with a policy file', () => {
  it('applies its rules and names the rule that decided', async () => {
    // Removed when the test ends.
    const folder = await createTempDir('policy-');
    const policyFile = join(folder, 'policy.json');
    await writeFile(
      policyFile,
      JSON.stringify({
        mode: 'full',
        rules: [{ id: 'no-iam', effect: 'deny', actions: ['iam:*'], reason: 'IAM is managed by Terraform' }],
      }),
    );
    const test = await startTestServer({ AWS_MCP_POLICY_FILE: policyFile });
    try {
      const denied = await test.call('aws_cli_pipeline', { command: 'aws iam list-users' });
      expect(denied.isError).toBe(true);
      expect(textOf(denied)).toMatch(/^Refused by no-iam: .*IAM is managed by Terraform/);
      const allowed = await test.call('aws_cli_pipeline', { command: 'aws s3 mb s3://policy-allowed' });
      expect(textOf(allowed)).toBe('make_bucket: policy-allowed\n');
      expect(test.consent.asked).toEqual([]);
    } finally {
      await test.close();
    }
  });

  it('refuses to start with a bad policy file, naming the field', async () => {
    // Removed when the test ends.
    const folder = await createTempDir('policy-');
    const policyFile = join(folder, 'policy.json');
    await writeFile(
      policyFile,
      JSON.stringify({ mode: 'full', rules: [{ effect: 'maybe', actions: ['iam:*'] }] }),
    );
    await expect(startTestServer({ AWS_MCP_POLICY_FILE: policyFile })).rejects.toThrow(
      /AWS_MCP_POLICY_FILE: .*rules\[0\]\.effect/,
    );
  });
});

describe('aws_cli_pipeline with a typo in the AWS config file', () => {
  it('names the file, the line and the CLI’s own message, and works again once the file is fixed', async () => {
    const { readFile: read, writeFile: write } = await import('node:fs/promises');
    const test = await startTestServer();
    try {
      const configPath = test.awsEnv.AWS_CONFIG_FILE as string;
      const good = await read(configPath, 'utf8');
      const lines = good.split('\n').length;
      await write(configPath, `${good}\n[profile x]\nregion = eu-west-1\n[profile x]\nregion = us-east-1\n`);
      const waitFor = async (done: (text: string) => boolean) => {
        let result = await test.call('aws_cli_pipeline', { command: 'aws s3 ls' });
        // The server picks up the edited file through its watch; the CLI reads it on every call.
        for (let attempt = 0; attempt < 50 && !done(textOf(result)); attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          result = await test.call('aws_cli_pipeline', { command: 'aws s3 ls' });
        }
        return result;
      };
      const broken = await waitFor((text) => /Line \d+ repeats/.test(text));
      expect(broken.isError).toBe(true);
      expect(textOf(broken)).not.toContain('AWS_CLI_MISSING');
      expect(textOf(broken)).not.toContain('Traceback');
      expect(textOf(broken)).toMatch(
        /^The command failed \(aws exited \d+\)\.\nUnable to parse config file: \S+\n/,
      );
      expect(textOf(broken)).toContain(
        `The AWS CLI cannot read the AWS file ${configPath}, so no command runs. Line ${lines + 3} repeats section [profile x] (first at line ${lines + 1}); the AWS CLI refuses the file.`,
      );
      await write(configPath, good);
      const fixed = await waitFor((text) => !text.includes('Unable to parse'));
      expect(fixed.isError).toBeFalsy();
    } finally {
      await test.close();
    }
  });
});
