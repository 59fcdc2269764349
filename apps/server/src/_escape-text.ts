// Text for a person (consent, logs, audit) is the command package's: one table of hidden characters for all.
export {
  escapeHiddenJson,
  escapeHiddenText,
  formatStagesForPerson,
  isHiddenCharacter,
} from '@aws-mcp/command';
