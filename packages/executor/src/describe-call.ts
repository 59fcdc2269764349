import type { Decision } from '@aws-mcp/command';
import { maskSecrets } from './mask-secrets.js';

/** The words a check's description uses for the caller's means; the defaults are this library's. */
export interface CheckNames {
  /** Who would ask the person, in "which … cannot ask for". */
  asker: string;
  /** The refusal a call gets that needs consent nobody can ask for. */
  unavailableCode: string;
}

const defaultNames: CheckNames = { asker: 'this caller', unavailableCode: 'DENIED' };

/** A sentence ends with a full stop, whatever the rule's reason ended with. */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** What {@link describeCheckedCall} describes: a judged call that is checked, not run. */
export interface DescribeCheckedCallOptions {
  /** The stages as a person reads them (secret values redacted), one line. */
  stagesText: string;
  decision: Decision;
  /** The consent text the person would read; undefined when the call would run without asking. */
  consentText: string | undefined;
  /** Whether the person can be asked at all. */
  canAsk: boolean;
  names?: Partial<CheckNames>;
}

/**
 * What a checked call would do, masked: the stages that would run, the access class and decision, and whether it
 * would run without asking, only after the person agrees (with the consent text), or be refused because nobody
 * can be asked.
 */
export function describeCheckedCall(options: DescribeCheckedCallOptions): string {
  const { decision, consentText } = options;
  const names = { ...defaultNames, ...options.names };
  const what =
    consentText === undefined
      ? `It would run without asking (${decision.rule}: ${asSentence(decision.reason)})`
      : options.canAsk
        ? `It would run only after the user agrees (${decision.rule}). The user would see:\n\n${consentText}`
        : `It needs the user's consent (${decision.rule}), which ${names.asker} cannot ask for, so it would be refused (${names.unavailableCode}). The consent text:\n\n${consentText}`;
  return maskSecrets(
    [
      'Checked, not run:',
      `  ${options.stagesText}`,
      `Access: ${decision.classification.accessClass} (${decision.classification.action}); decision: ${decision.action}.`,
      what,
    ].join('\n'),
  ).text;
}
