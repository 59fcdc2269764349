import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { urlParameterExemptions } from './_url-param-exemptions.js';
import { CommandError, parseCommandLine, validatePipeline } from './index.js';

const workdir = '/home/dev/project';
const metadata = 'http://169.254.169.254/latest/meta-data/iam/security-credentials/ROLE';

function refusal(input: string | { args: string[] }): CommandError {
  try {
    validatePipeline(parseCommandLine(input), { mode: 'full' }, { workdir });
  } catch (error) {
    if (CommandError.isInstance(error)) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe('parseCommandLine: parameter values the CLI v1 would download as URLs', () => {
  it.each<[string, string]>([
    [`aws iam create-policy --policy-name p --policy-document ${metadata}`, metadata],
    [`aws iam create-policy --policy-name p --policy-document=${metadata}`, metadata],
    [
      'aws s3api put-bucket-policy --bucket b --policy https://evil.example/p.json',
      'https://evil.example/p.json',
    ],
    ['aws ec2 describe-instances --instance-ids http://x', 'http://x'],
    ['aws ec2 describe-instances --filters http://x', 'http://x'],
    ['aws ssm get-parameter --name http://x', 'http://x'],
    ['aws sqs get-queue-url --queue-name https://x', 'https://x'],
    ['aws sqs create-queue --queue-name q --attributes https://x', 'https://x'],
    ['aws lambda invoke --function-name f --payload https://x out.json', 'https://x'],
    ['aws s3api get-object --bucket b --key k https://x', 'https://x'],
    ['aws s3 ls http://x', 'http://x'],
    ['aws s3 sync . s3://b --exclude http://x --exclude .* --exclude */.*', 'http://x'],
    ['aws s3 website s3://b --index-document https://x', 'https://x'],
    ['aws s3api list-objects --bucket b --starting-token http://x', 'http://x'],
    ['aws s3api list-objects --cli-input-json http://x', 'http://x'],
    ['aws cloudformation create-stack --stack-name s --template-body https://x', 'https://x'],
    ['aws sqs send-message --queue-url https://q --message-body https://x', 'https://x'],
    ['aws sns publish --topic-arn arn:aws:sns:us-east-1:1:t --message http://x', 'http://x'],
  ])('refuses %s', (line, value) => {
    const error = refusal(line);
    expect(error.code).toBe('URL_PARAMETER_VALUE');
    expect(error.token).toBe(value);
    expect(error.message).toContain('file://NAME');
    expect(error.message).toContain('inline');
  });

  // Where the old reader had to guess, the CLI's own parsers say these never reach a request: the CLI would
  // stop with an error before it fetched anything, and so does this package, naming the real problem.
  it.each<[string, string]>([
    ['aws --cli-input-json http://x s3api list-objects', 'UNKNOWN_GLOBAL_OPTION'],
    ['aws dynamodb put-item --cli-input-yaml https://x', 'UNKNOWN_OPTION'],
    ['aws cloudformation create-stack --stack-name s --template-u https://x', 'ABBREVIATED_OPTION'],
    ['aws cloudformation create-stack --stack-name s --disable-rollback https://x', 'UNEXPECTED_ARGUMENT'],
    ['aws cloudformation list-stacks --template-url https://x', 'UNKNOWN_OPTION'],
    ['aws sqs send-message --message-body hi --queue-url https://q https://x', 'UNEXPECTED_ARGUMENT'],
    ['aws cloudformation --template-url https://x create-stack', 'UNKNOWN_COMMAND'],
    ['aws s3api list-objects --bucket b --page-size=http://x', 'INVALID_CHOICE'],
    ['aws s3api list-objects --bucket b --max-items http://x', 'INVALID_CHOICE'],
  ])('refuses %s before any URL could be fetched (%s)', (line, code) => {
    expect(refusal(line).code).toBe(code);
  });

  it('refuses the argv form too', () => {
    const error = refusal({
      args: [
        'aws',
        'iam',
        'put-role-policy',
        '--role-name',
        'r',
        '--policy-name',
        'p',
        '--policy-document',
        metadata,
      ],
    });
    expect(error.code).toBe('URL_PARAMETER_VALUE');
    expect(error.message).toBe(
      `\`--policy-document ${metadata}\` is refused: the AWS CLI downloads a parameter value that starts with http:// or https:// and sends what it gets (any URL, even instance credentials from 169.254.169.254) as the value. Pass the content inline, or save it in a file in the working directory and pass \`file://NAME\`.`,
    );
  });

  it.each([
    'aws cloudformation create-stack --stack-name s --template-url https://b.s3.amazonaws.com/t.yaml',
    'aws cloudformation create-stack --stack-name s --template-url=https://b.s3.amazonaws.com/t.yaml',
    'aws cloudformation validate-template --template-url https://b.s3.amazonaws.com/t.yaml',
    'aws cloudformation update-stack --stack-name s --stack-policy-url https://x/p.json',
    'aws sqs send-message --queue-url https://sqs.us-east-1.amazonaws.com/1/q --message-body hi',
    'aws sqs receive-message --queue-url https://sqs.us-east-1.amazonaws.com/1/q',
    'aws sns subscribe --topic-arn arn:aws:sns:us-east-1:1:t --protocol https --notification-endpoint https://hook.example',
    'aws iam create-open-id-connect-provider --url https://token.actions.githubusercontent.com',
    'aws s3api put-object --bucket b --key k --website-redirect-location https://example.com',
    'aws s3 cp s3://b/k s3://b/k2 --website-redirect https://example.com',
    'aws apigateway put-integration --rest-api-id a --resource-id r --http-method GET --type HTTP --uri https://example.com',
    'aws apigatewayv2 create-api --name a --protocol-type HTTP --target https://example.com',
    'aws rds copy-db-snapshot --source-db-snapshot-identifier a --target-db-snapshot-identifier b --pre-signed-url https://x',
    'aws docdb create-db-cluster --db-cluster-identifier c --engine docdb --pre-signed-url https://x',
    'aws sesv2 put-account-details --mail-type MARKETING --website-url https://example.com --use-case-description x',
    'aws translate translate-text --text http://not-fetched --source-language-code en --target-language-code de',
    'aws s3 ls s3://bucket/http://key',
    'aws s3 cp s3://bucket/report.csv -',
    'aws --endpoint-url http://localhost:4566 s3 ls',
    "aws s3api list-objects --bucket b --query 'Contents[?Key==`http://x`]'",
    'aws dynamodb put-item --table-name t --item \'{"u":{"S":"http://example.com"}}\'',
    'aws sns publish --topic-arn arn:aws:sns:us-east-1:1:t --message "see http://example.com"',
    'aws sns publish --topic-arn arn:aws:sns:us-east-1:1:t --message HTTP://example.com',
    'aws sns publish --topic-arn arn:aws:sns:us-east-1:1:t --message Https://example.com',
    "aws sns publish --topic-arn arn:aws:sns:us-east-1:1:t --message ' http://example.com'",
    'aws sns publish --topic-arn arn:aws:sns:us-east-1:1:t --message http:/x',
    'aws ec2 describe-instances | grep http://',
  ])('allows %s', (line) => {
    expect(() => validatePipeline(parseCommandLine(line), { mode: 'full' }, { workdir })).not.toThrow();
  });
});

describe('urlParameterExemptions', () => {
  const table = JSON.parse(
    gunzipSync(readFileSync(new URL('./__fixtures__/cli-command-table.json.gz', import.meta.url))).toString(
      'utf8',
    ),
  ) as { services: Record<string, string> };

  it.each([...urlParameterExemptions])('names a command the CLI has: %s', (entry) => {
    const [service, operation, option] = entry.split(' ') as [string, string, string];
    expect(table.services[service]?.split(' ')).toContain(operation);
    expect(option).toMatch(/^--[a-z0-9-]+$/);
  });
});
