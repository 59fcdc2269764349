import { join } from 'node:path';
import type { Policy, SecretsAnswer } from '@aws-mcp/command';
import type { SecretsHandling } from './secret-output.js';

/** What becomes of a call's output secrets, and whether the person is asked first. */
export interface SecretsPlan {
  /** `mask`, `show`, or a file name to save the unmasked output as; with `question`, the person's answer decides. */
  handling: 'mask' | 'show' | { saveName: string };
  /** Ask with the secrets question (save / show / decline) rather than yes/no. */
  question: boolean;
  /** The secret output members the classification names (secretOutputOf). */
  members: string[];
}

/**
 * The policy's pre-answer to the secrets question for a call decided by `rule`: the deciding rule's `secrets`,
 * else the policy's own, else `ask`. Rules without an `id` are named `rules[N]`, as the decision names them.
 */
export function readSecretsPreAnswer(policy: Policy, rule: string): SecretsAnswer {
  const deciding = policy.rules?.find((candidate, index) => (candidate.id ?? `rules[${index}]`) === rule);
  return deciding?.secrets ?? policy.secrets ?? 'ask';
}

/** What planning a call's secrets needs. */
export interface PlanSecretsOptions {
  /** The secret output members of the call (secretOutputOf(pipeline).members). */
  members: string[];
  /** A file name the caller asked to save the unmasked output as. */
  saveName: string | undefined;
  /** The policy's pre-answer (readSecretsPreAnswer). */
  preAnswer: SecretsAnswer;
  /** Whether the person can be asked (a consent form can be shown). */
  canAsk: boolean;
  /** Whether secrets are masked at all; without masking, output is shown as the CLI prints it. */
  masking: boolean;
  /** The file name a `save` answer (or pre-answer) uses. */
  defaultName: string;
}

/**
 * Decides what happens to a call's secrets, in this order: a save name saves; no masking or a `show` pre-answer
 * shows; a `save` pre-answer saves output with secret members; output without secret members is masked (the
 * backstop still runs); otherwise the person is asked when they can be (save by default), and the output is masked
 * when they cannot.
 */
export function planSecrets(options: PlanSecretsOptions): SecretsPlan {
  const { members, saveName, preAnswer, canAsk, masking, defaultName } = options;
  const plan = (handling: SecretsPlan['handling'], question = false): SecretsPlan => ({
    handling,
    question,
    members,
  });
  if (saveName !== undefined) return plan({ saveName });
  if (!masking || preAnswer === 'show') return plan('show');
  if (preAnswer === 'save' && members.length > 0) return plan({ saveName: defaultName });
  if (members.length === 0) return plan('mask');
  return canAsk ? plan({ saveName: defaultName }, true) : plan('mask');
}

/** The run's `secrets` option for a plan: a save name becomes a file in `folder` (the private secrets folder). */
export function secretsHandlingOf(plan: SecretsPlan, folder: string): SecretsHandling {
  return typeof plan.handling === 'object' ? { saveTo: join(folder, plan.handling.saveName) } : plan.handling;
}
