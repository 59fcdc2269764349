import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadSnapshotCliModel, parseCommandLine, validatePipeline } from '@aws-mcp/command';
import { afterAll, describe, expect, it } from 'vitest';
import { getPrompt, listPrompts } from './list-prompts.js';
import { PromptError } from './prompt-error.js';

/** The reference server's prompts: name → [argument, default or undefined when required]. */
const reference: Record<string, Array<[string, string | undefined]>> = {
  create_resource: [
    ['resource_type', undefined],
    ['resource_name', undefined],
  ],
  security_audit: [['service', undefined]],
  cost_optimization: [['service', undefined]],
  resource_inventory: [
    ['service', undefined],
    ['region', 'all'],
  ],
  troubleshoot_service: [
    ['service', undefined],
    ['resource_id', undefined],
  ],
  iam_policy_generator: [
    ['service', undefined],
    ['actions', undefined],
    ['resource_pattern', '*'],
  ],
  service_monitoring: [
    ['service', undefined],
    ['metric_type', 'performance'],
  ],
  disaster_recovery: [
    ['service', undefined],
    ['recovery_point_objective', '1 hour'],
  ],
  compliance_check: [
    ['compliance_standard', undefined],
    ['service', 'all'],
  ],
  resource_cleanup: [
    ['service', undefined],
    ['criteria', 'unused'],
  ],
  serverless_deployment: [
    ['application_name', undefined],
    ['runtime', undefined],
  ],
  container_orchestration: [
    ['cluster_name', undefined],
    ['service_type', 'fargate'],
  ],
  vpc_network_design: [
    ['vpc_name', undefined],
    ['cidr_block', '10.0.0.0/16'],
  ],
  infrastructure_automation: [
    ['resource_type', undefined],
    ['automation_scope', 'deployment'],
  ],
  security_posture_assessment: [],
  performance_tuning: [
    ['service', undefined],
    ['resource_id', undefined],
  ],
  multi_account_governance: [['account_type', 'organization']],
};

const samples: Record<string, string> = {
  resource_type: 's3 bucket',
  resource_name: 'my-logs',
  service: 's3',
  resource_id: 'i-0123456789abcdef0',
  actions: 's3:GetObject,s3:PutObject',
  compliance_standard: 'CIS',
  application_name: 'orders-api',
  runtime: 'nodejs20.x',
  cluster_name: 'prod',
  vpc_name: 'core',
};

/** Argument sets that exercise every branch: sample values, other services, eks, odd values that need placeholders. */
const variants: Array<Record<string, string>> = [
  samples,
  { ...samples, service: 'ec2', region: 'eu-west-1', service_type: 'eks' },
  { ...samples, service: 'lambda', resource_type: 'ec2 instance' },
  { ...samples, service: 'rds', resource_type: 'dynamodb table' },
  { ...samples, service: 'iam', resource_type: 'vpc', compliance_standard: 'PCI-DSS' },
  { ...samples, service: 'dynamodb', resource_type: 'sqs queue' },
  { ...samples, service: 'ecs', resource_type: 'sns topic' },
  { ...samples, service: 'eks' },
  { ...samples, service: 'cloudtrail' },
  { ...samples, service: 'sqs' },
  { ...samples, service: 'kms' },
  { ...samples, service: 'VPC', resource_type: 'something unusual' },
  { ...samples, service: 'glacier', resource_id: 'id with spaces; rm -rf', resource_name: '<name>' },
  Object.fromEntries(Object.keys(samples).map((key) => [key, "it's $(odd) | value"])),
];

/** Every command line in a prompt: lines of fenced blocks and inline code spans that start with `aws `. */
function extractCommandLines(text: string): string[] {
  const lines: string[] = [];
  const withoutBlocks = text.replace(/```\n([\s\S]*?)```/g, (_block, body: string) => {
    lines.push(...body.split('\n').filter((line) => line.trim() !== ''));
    return '';
  });
  for (const match of withoutBlocks.matchAll(/`(aws [^`]*(?:`[^`]*`[^`]*)*?)`(?=[\s.,;:)]|$)/g)) {
    lines.push(match[1] as string);
  }
  return lines;
}

function render(name: string, args: Record<string, string>): string {
  const prompt = getPrompt(name);
  if (prompt === undefined) throw new Error(`no prompt ${name}`);
  const picked = Object.fromEntries(Object.keys(prompt.argsSchema).map((key) => [key, args[key]]));
  return prompt
    .build(picked)
    .messages.map((message) => message.content.text)
    .join('\n');
}

describe('listPrompts', () => {
  it('has the 17 reference prompts with their argument names', () => {
    const prompts = listPrompts();
    expect(prompts.map((prompt) => prompt.name).sort()).toEqual(Object.keys(reference).sort());
    for (const prompt of prompts) {
      expect(Object.keys(prompt.argsSchema), prompt.name).toEqual(
        (reference[prompt.name] ?? []).map(([name]) => name),
      );
    }
  });

  it.each(Object.entries(reference))('%s: every argument is described, defaults optional', (name, args) => {
    const prompt = getPrompt(name);
    expect(prompt?.title).toBeTruthy();
    expect(prompt?.description).toBeTruthy();
    for (const [argument, fallback] of args) {
      const schema = prompt?.argsSchema[argument];
      expect(schema?.description, argument).toBeTruthy();
      expect(schema?.safeParse(undefined).success, argument).toBe(fallback !== undefined);
      if (fallback !== undefined) expect(schema?.description).toContain(`(default: ${fallback})`);
    }
  });

  it.each(
    Object.entries(reference).filter(([, args]) => args.some(([, fallback]) => fallback !== undefined)),
  )('%s applies its defaults when optional arguments are left out', (name, args) => {
    const required = Object.fromEntries(
      args
        .filter(([, fallback]) => fallback === undefined)
        .map(([argument]) => [argument, samples[argument]]),
    );
    const text = getPrompt(name)?.build(required).messages[0]?.content.text ?? '';
    for (const [, fallback] of args)
      if (fallback !== undefined && fallback !== '*') expect(text).toContain(fallback);
  });

  it('refuses a missing required argument with PromptError', () => {
    expect(() => getPrompt('security_audit')?.build({})).toThrow(PromptError);
    expect(() => getPrompt('security_audit')?.build({})).toThrow(/`service`/);
  });

  it('returns undefined for an unknown prompt', () => {
    expect(getPrompt('nope')).toBeUndefined();
  });

  it('renders one user text message', () => {
    const result = getPrompt('security_audit')?.build({ service: 's3' });
    expect(result?.messages).toEqual([{ role: 'user', content: { type: 'text', text: expect.any(String) } }]);
  });
});

describe('prompt command lines', () => {
  const workdir = mkdtempSync(join(tmpdir(), 'prompt-lines-'));
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));
  const cases = Object.keys(reference).flatMap((name) =>
    variants.map((args, index) => [name, index, args] as const),
  );

  it.each(cases)(
    '%s (variant %i): every command line parses and passes validation in full mode',
    (name, _index, args) => {
      const text = render(name, args);
      const lines = extractCommandLines(text);
      expect(lines.length).toBeGreaterThan(0);
      // The workdir turns on the command package's local path checks (fileb://, template files). A prompt tells
      // the model to make a parameter file before the call that reads it, so the files it names exist here.
      const context = { workdir };
      for (const line of lines) {
        for (const [, name] of line.matchAll(/fileb?:\/\/([^\s'"]+)/g)) {
          const file = join(workdir, name as string);
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, '{}');
        }
        // A bare `aws SERVICE OPERATION` names a command for the model to fill in: it must exist.
        const named = /^aws [a-z0-9-]+ [a-z0-9-]+$/.test(line) ? `${line} help` : line;
        // `--cli-binary-format` exists only in CLI v2 (the one most people have): such lines are read with it.
        const model = /--cli-binary-format/.test(line) ? loadSnapshotCliModel(2) : undefined;
        expect(
          () => validatePipeline(parseCommandLine(named, { model }), { mode: 'full' }, context),
          line,
        ).not.toThrow();
      }
    },
  );

  it.each(Object.keys(reference))('%s never suggests what the server cannot run', (name) => {
    for (const args of variants) {
      for (const line of extractCommandLines(render(name, args))) {
        expect(line).toMatch(/^aws /);
        // Quoted --query and jq text may hold < or |; only what the shell would see matters.
        const unquoted = line.replace(/'[^']*'/g, "''");
        expect(unquoted).not.toMatch(/&&|;|\$\(|\bxargs\b|\bsleep\b|\bfor\s|<|>/);
      }
    }
  });

  it.each(Object.keys(reference))('%s uses UPPER_SNAKE placeholders, never angle brackets', (name) => {
    const text = render(name, samples);
    expect(text).not.toMatch(/<[A-Za-z_-]+>/);
  });

  it.each([
    'create_resource',
    'iam_policy_generator',
    'resource_cleanup',
    'vpc_network_design',
    'serverless_deployment',
  ])('%s plans writes and waits for the user', (name) => {
    const text = render(name, samples);
    expect(text).toContain('--dry-run');
    expect(text).toMatch(/Wait for the user's explicit approval/);
  });

  it('extracts fenced and inline command lines', () => {
    expect(
      extractCommandLines(
        "run `aws s3 ls` then\n```\naws sts get-caller-identity\n```\nand `aws ec2 x --query 'a[?b==`c`]'`.",
      ),
    ).toEqual(['aws sts get-caller-identity', 'aws s3 ls', "aws ec2 x --query 'a[?b==`c`]'"]);
  });
});
