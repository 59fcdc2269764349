import { classifyOperation } from './_classification.js';
import { type AccessClass, readSensitiveFloor } from './_classify-rules.js';

/**
 * The class the policy gives `aws SERVICE OPERATION` with no arguments: the generated classification with its
 * reviewed overrides, where a read the hand-kept name table calls sensitive stays sensitive (as classifyAwsStage
 * keeps it until secret members are masked at the source).
 */
export function classifyForLabel(service: string, operation: string): AccessClass {
  const classified = classifyOperation({ service, operation });
  if (classified.accessClass !== 'read') return classified.accessClass;
  return readSensitiveFloor(service, operation) === undefined ? 'read' : 'sensitive-read';
}
