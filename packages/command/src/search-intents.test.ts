import { describe, expect, it } from 'vitest';
import { searchVocabulary } from './_search-vocabulary.js';
import { loadSnapshotCatalog, searchCatalog } from './index.js';

/**
 * Intents phrased as people ask them, each with the commands that answer it. Written before the vocabulary
 * table: the table may map words, never one of these questions to its answer.
 */
const intents: readonly (readonly [string, readonly string[]])[] = [
  ['list my ec2 instances', ['ec2 describe-instances']],
  ['show running virtual machines', ['ec2 describe-instances']],
  ['what servers do I have', ['ec2 describe-instances']],
  ['create a subnet in a vpc', ['ec2 create-subnet']],
  ['create a vpc', ['ec2 create-vpc']],
  ['who am i', ['sts get-caller-identity']],
  ['which account am I logged in to', ['sts get-caller-identity']],
  ['open a port in a security group', ['ec2 authorize-security-group-ingress']],
  ['allow ssh through the firewall', ['ec2 authorize-security-group-ingress']],
  ['list lambda functions', ['lambda list-functions']],
  ['invoke a lambda function', ['lambda invoke']],
  ['list s3 buckets', ['s3 ls', 's3api list-buckets']],
  ['upload a file to s3', ['s3 cp', 's3api put-object']],
  ['download a file from a bucket', ['s3 cp', 's3api get-object']],
  ['delete a bucket', ['s3 rb', 's3api delete-bucket']],
  ['how much did I spend this month', ['ce get-cost-and-usage']],
  ['show my aws bill', ['ce get-cost-and-usage']],
  ['are my load balancer targets healthy', ['elbv2 describe-target-health']],
  ['list dynamodb tables', ['dynamodb list-tables']],
  ['put an item in a dynamodb table', ['dynamodb put-item']],
  ['read a secret value', ['secretsmanager get-secret-value']],
  ['get a parameter from parameter store', ['ssm get-parameter', 'ssm get-parameters']],
  [
    'tail cloudwatch logs',
    ['logs tail', 'logs start-live-tail', 'logs filter-log-events', 'logs get-log-events'],
  ],
  ['list log groups', ['logs describe-log-groups']],
  ['send a message to an sqs queue', ['sqs send-message']],
  ['publish a message to an sns topic', ['sns publish']],
  ['create an iam role', ['iam create-role']],
  ['list iam users', ['iam list-users']],
  ['attach a policy to a role', ['iam attach-role-policy']],
  ['deploy a cloudformation stack', ['cloudformation deploy', 'cloudformation create-stack']],
  ['list cloudformation stacks', ['cloudformation list-stacks', 'cloudformation describe-stacks']],
  ['start an ec2 instance', ['ec2 start-instances']],
  ['stop an instance', ['ec2 stop-instances']],
  ['terminate a server', ['ec2 terminate-instances']],
  ['launch a new vm', ['ec2 run-instances']],
  ['list ecs clusters', ['ecs list-clusters']],
  ['get kubeconfig for an eks cluster', ['eks update-kubeconfig']],
  ['log docker in to ecr', ['ecr get-login-password']],
  ['list rds databases', ['rds describe-db-instances']],
  ['take a snapshot of a volume', ['ec2 create-snapshot']],
  ['list route53 hosted zones', ['route53 list-hosted-zones']],
  ['add a dns record', ['route53 change-resource-record-sets']],
  ['list available regions', ['ec2 describe-regions', 'account list-regions']],
  ['create a cloudwatch alarm', ['cloudwatch put-metric-alarm']],
  ['get cpu utilization metrics', ['cloudwatch get-metric-statistics', 'cloudwatch get-metric-data']],
  ['list kms keys', ['kms list-keys']],
  ['encrypt data with kms', ['kms encrypt']],
  ['request an ssl certificate', ['acm request-certificate']],
  ['invalidate the cloudfront cache', ['cloudfront create-invalidation']],
  ['list my ssh key pairs', ['ec2 describe-key-pairs']],
  ['find an ami', ['ec2 describe-images']],
  ['list security groups', ['ec2 describe-security-groups']],
  ['sync a folder to s3', ['s3 sync']],
  ['get temporary credentials for a role', ['sts assume-role']],
];

describe('searchCatalog intents', () => {
  const catalog = loadSnapshotCatalog();
  const outcomes = intents.map(([query, acceptable]) => {
    const top = searchCatalog(catalog, query, { limit: 3 }).map((hit) => `${hit.service} ${hit.operation}`);
    return { query, acceptable, top, found: top.some((name) => acceptable.includes(name)) };
  });

  it('has at least 40 intents', () => {
    expect(intents.length).toBeGreaterThanOrEqual(40);
  });

  it('finds an acceptable command in the top 3 for at least 90% of the intents', () => {
    const misses = outcomes.filter((outcome) => !outcome.found).map(({ query, top }) => ({ query, top }));
    expect(misses.length, JSON.stringify(misses, null, 1)).toBeLessThanOrEqual(
      Math.floor(outcomes.length * 0.1),
    );
  });

  it('never narrows to a service because its name holds a word of the query', () => {
    const top = searchCatalog(catalog, 'create a subnet in a vpc', { limit: 3 });
    expect(top.map((hit) => hit.service)).not.toContain('vpc-lattice');
  });

  it('has no vocabulary key that is one of the intents (rows map words, not questions to answers)', () => {
    const questions = new Set(intents.map(([query]) => query.toLowerCase()));
    const verbatim = Object.keys(searchVocabulary).filter((key) => questions.has(key.toLowerCase()));
    expect(verbatim).toEqual([]);
    expect(Object.keys(searchVocabulary).filter((key) => key.includes(' '))).toEqual([]);
  });

  it('returns each hit with a one-line purpose and the class the policy sees', () => {
    const [first] = searchCatalog(catalog, 'who am i', { limit: 1 });
    expect(first).toMatchObject({ service: 'sts', operation: 'get-caller-identity', accessClass: 'read' });
    expect(first?.description).toMatch(/^Returns details about the IAM user or role/);
  });
});
