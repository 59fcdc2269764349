import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The one AMI moto loads (`MOTO_AMIS_PATH`) instead of its default set, which makes a few thousand images per
 * region on the first EC2 read: the workload looks this one up by name and starts instances from it.
 */
export async function writeParityAmis(file: string): Promise<void> {
  const ami = {
    ami_id: 'ami-0b33d91d',
    name: 'amzn2-ami-hvm-2.0.20190313-x86_64-gp2',
    description: 'Amazon Linux 2 AMI 2.0.20190313 x86_64 HVM gp2',
    state: 'available',
    public: true,
    owner_id: '137112412989',
    image_location: 'amazon/amzn2-ami-hvm-2.0.20190313-x86_64-gp2',
    sriov: 'simple',
    root_device_type: 'ebs',
    root_device_name: '/dev/xvda',
    image_type: 'machine',
    platform: null,
    architecture: 'x86_64',
    virtualization_type: 'hvm',
    hypervisor: 'xen',
  };
  await writeFile(file, `${JSON.stringify([ami], null, 2)}\n`);
}

/** The files the workload's calls name: policies, a function's zip, templates, a folder to sync, inputs per side. */
export async function writeParityFiles(workdir: string, sides: string[]): Promise<void> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(
    join(workdir, 'trust.json'),
    json({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    }),
  );
  await writeFile(
    join(workdir, 'logs-policy.json'),
    json({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
    }),
  );
  await writeFile(join(workdir, 'handler.py'), 'def main(event, context):\n    return event\n');
  await run('python3', ['-m', 'zipfile', '-c', 'function.zip', 'handler.py'], { cwd: workdir });
  await writeFile(
    join(workdir, 'stack.yaml'),
    'Parameters:\n  QueueName:\n    Type: String\nResources:\n  Jobs:\n    Type: AWS::SQS::Queue\n' +
      '    Properties:\n      QueueName: !Ref QueueName\n  Alerts:\n    Type: AWS::SNS::Topic\n',
  );
  await writeFile(
    join(workdir, 'machine.json'),
    json({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
  );
  await writeFile(join(workdir, 'report.txt'), 'quarterly numbers\n');
  await mkdir(join(workdir, 'site', 'css'), { recursive: true });
  await writeFile(join(workdir, 'site', 'index.html'), '<h1>parity</h1>\n');
  await writeFile(join(workdir, 'site', 'app.js'), 'console.log("parity");\n');
  await writeFile(join(workdir, 'site', 'css', 'style.css'), 'h1 { color: teal; }\n');
  await writeFile(join(workdir, 'item.json'), json({ id: { S: 'n2' }, text: { S: 'from a file' } }));
  for (const side of sides) {
    await writeFile(
      join(workdir, `table-${side}.json`),
      json({
        TableName: `notes-${side}`,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
}
