import type { AwsRegion } from './regions.js';

/** Partition names for the built-in list. */
export const fallbackPartitionNames: Record<string, string> = {
  aws: 'AWS Standard',
  'aws-cn': 'AWS China',
  'aws-us-gov': 'AWS GovCloud (US)',
};

// Taken from botocore's endpoints.json (commercial, China and GovCloud partitions); used only when that file
// cannot be found, so it can fall behind new regions without harm.
const rows: Array<[string, string, string]> = [
  ['af-south-1', 'Africa (Cape Town)', 'aws'],
  ['ap-east-1', 'Asia Pacific (Hong Kong)', 'aws'],
  ['ap-east-2', 'Asia Pacific (Taipei)', 'aws'],
  ['ap-northeast-1', 'Asia Pacific (Tokyo)', 'aws'],
  ['ap-northeast-2', 'Asia Pacific (Seoul)', 'aws'],
  ['ap-northeast-3', 'Asia Pacific (Osaka)', 'aws'],
  ['ap-south-1', 'Asia Pacific (Mumbai)', 'aws'],
  ['ap-south-2', 'Asia Pacific (Hyderabad)', 'aws'],
  ['ap-southeast-1', 'Asia Pacific (Singapore)', 'aws'],
  ['ap-southeast-2', 'Asia Pacific (Sydney)', 'aws'],
  ['ap-southeast-3', 'Asia Pacific (Jakarta)', 'aws'],
  ['ap-southeast-4', 'Asia Pacific (Melbourne)', 'aws'],
  ['ap-southeast-5', 'Asia Pacific (Malaysia)', 'aws'],
  ['ap-southeast-6', 'Asia Pacific (New Zealand)', 'aws'],
  ['ap-southeast-7', 'Asia Pacific (Thailand)', 'aws'],
  ['ca-central-1', 'Canada (Central)', 'aws'],
  ['ca-west-1', 'Canada West (Calgary)', 'aws'],
  ['eu-central-1', 'Europe (Frankfurt)', 'aws'],
  ['eu-central-2', 'Europe (Zurich)', 'aws'],
  ['eu-north-1', 'Europe (Stockholm)', 'aws'],
  ['eu-south-1', 'Europe (Milan)', 'aws'],
  ['eu-south-2', 'Europe (Spain)', 'aws'],
  ['eu-west-1', 'Europe (Ireland)', 'aws'],
  ['eu-west-2', 'Europe (London)', 'aws'],
  ['eu-west-3', 'Europe (Paris)', 'aws'],
  ['il-central-1', 'Israel (Tel Aviv)', 'aws'],
  ['me-central-1', 'Middle East (UAE)', 'aws'],
  ['me-south-1', 'Middle East (Bahrain)', 'aws'],
  ['mx-central-1', 'Mexico (Central)', 'aws'],
  ['sa-east-1', 'South America (Sao Paulo)', 'aws'],
  ['us-east-1', 'US East (N. Virginia)', 'aws'],
  ['us-east-2', 'US East (Ohio)', 'aws'],
  ['us-west-1', 'US West (N. California)', 'aws'],
  ['us-west-2', 'US West (Oregon)', 'aws'],
  ['cn-north-1', 'China (Beijing)', 'aws-cn'],
  ['cn-northwest-1', 'China (Ningxia)', 'aws-cn'],
  ['us-gov-east-1', 'AWS GovCloud (US-East)', 'aws-us-gov'],
  ['us-gov-west-1', 'AWS GovCloud (US-West)', 'aws-us-gov'],
];

/** The built-in region list used when the installed CLI's endpoints.json cannot be read. */
export const fallbackRegions: AwsRegion[] = rows.map(([code, description, partition]) => ({
  code,
  description,
  partition,
  partitionName: fallbackPartitionNames[partition] ?? partition,
}));
