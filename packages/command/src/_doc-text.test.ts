import { describe, expect, it } from 'vitest';
import { firstSentence, firstSentenceOfText } from './_doc-text.js';

// Each case is documentation as botocore ships it (service and member named), or as the CLI's ReST has it.
describe('firstSentence', () => {
  it.each<[string, string, string]>([
    [
      'an abbreviation before a capital (cognito-sync RegisterDeviceRequest.Platform)',
      '<p>The SNS platform type (e.g. GCM, SDM, APNS, APNS_SANDBOX).</p>',
      'The SNS platform type (e.g. GCM, SDM, APNS, APNS_SANDBOX).',
    ],
    [
      'i.e. as e.g.',
      '<p>The source of the data (i.e. Amazon S3). Another sentence.</p>',
      'The source of the data (i.e. Amazon S3).',
    ],
    [
      'a paragraph without a stop ends its sentence (backup UntagResource)',
      '<p>Removes a set of key-value pairs from a recovery point, backup plan, or backup vault identified by an Amazon Resource Name (ARN)</p> <p>This API is not supported for recovery points for resource types including Aurora, Amazon DocumentDB. Amazon EBS, Amazon FSx, Neptune, and Amazon RDS.</p>',
      'Removes a set of key-value pairs from a recovery point, backup plan, or backup vault identified by an Amazon Resource Name (ARN)',
    ],
    [
      'a label paragraph stays in front of the next (ce UpdateAnomalySubscriptionRequest.Threshold)',
      '<p>(deprecated)</p> <p>The update to the threshold value for receiving notifications. </p> <p>This field has been deprecated.</p>',
      '(deprecated) The update to the threshold value for receiving notifications.',
    ],
    [
      'a list after a colon (autoscaling MetricCollectionType.Metric)',
      '<p>One of the following metrics:</p> <ul> <li> <p> <code>GroupMinSize</code> </p> </li> <li> <p> <code>GroupMaxSize</code> </p> </li> </ul>',
      'One of the following metrics:',
    ],
    [
      'a product name ends a sentence (ec2 RegisterImageRequest.ImageLocation)',
      '<p>The full path to your AMI manifest in Amazon S3 storage. The specified bucket must have the <code>aws-exec-read</code> canned access control list (ACL) to ensure that it can be accessed by Amazon EC2. For more information, see <a href="https://docs.aws.amazon.com/AmazonS3/latest/dev/acl-overview.html#canned-acl">Canned ACL</a>.</p>',
      'The full path to your AMI manifest in Amazon S3 storage.',
    ],
    [
      'Amazon EC2. before a capital is an end',
      '<p>The instance is accessed by Amazon EC2. For more information, see the guide.</p>',
      'The instance is accessed by Amazon EC2.',
    ],
    [
      'a version number is no end (its dot has no space after it)',
      '<p>The TLS version, 1.2 or 1.3. Older versions are refused.</p>',
      'The TLS version, 1.2 or 1.3.',
    ],
    [
      'etc. and a number end sentences (the models use them so)',
      '<p>The number of desired results from 1 to 1000. Optional. If unspecified, 10.</p>',
      'The number of desired results from 1 to 1000.',
    ],
    [
      'ReST of a customization (no HTML blocks)',
      'Copies a local file or S3 object to another location locally or in S3. See ``aws s3 cp help``.',
      'Copies a local file or S3 object to another location locally or in S3.',
    ],
  ])('%s', (_, documentation, sentence) => {
    expect(firstSentence(documentation, 1000)).toBe(sentence);
  });

  it('clips a long sentence at the limit, marking the cut', () => {
    expect(firstSentence(`<p>${'word '.repeat(100)}end.</p>`, 40)).toMatch(/^(word ){6}word…$/);
  });
});

describe('firstSentenceOfText', () => {
  it.each<[string, string, string]>([
    [
      'an abbreviation inside the sentence',
      'Returns the ID (e.g. i-1234) of the instance. Other text.',
      'Returns the ID (e.g. i-1234) of the instance.',
    ],
    ['i.e. as e.g.', 'Sets the mode, i.e. how it runs. More.', 'Sets the mode, i.e. how it runs.'],
    // A service's title paragraph stays in front of its first sentence (firstSentence would give the title alone).
    [
      'a title paragraph (acm)',
      'Certificate Manager You can use Certificate Manager (ACM) to manage SSL/TLS certificates. More.',
      'Certificate Manager You can use Certificate Manager (ACM) to manage SSL/TLS certificates.',
    ],
    // Unlike firstSentence, a stop before a lower-case word ends the sentence (datazone DeleteAsset).
    [
      'a stop before a lower-case word',
      'Deletes an asset in Amazon DataZone. --domain-identifier must refer to a domain.',
      'Deletes an asset in Amazon DataZone.',
    ],
    ['no stop', 'Lists things', 'Lists things'],
  ])('%s', (_, text, expected) => {
    expect(firstSentenceOfText(text)).toBe(expected);
  });
});
