/**
 * @aws-mcp/command: parse, validate and classify `aws … | filter …` command lines. Anything exported here is
 * public; nothing else may be imported from outside the package.
 */
export type { AwsGlobalOptions, AwsStage } from './_aws-stage.js';
export type { PathAccess } from './_customizations.js';
export type { FilterInvocation, FilterStage } from './_filters.js';
export { listFilterNames, resolveFilterInvocation } from './_filters.js';
export type { LocalPath } from './_local-paths.js';
export type { ApprovalTarget } from './approval-targets.js';
export { bucketOwnerOption, readApprovalTargets } from './approval-targets.js';
export type {
  BotocoreCatalogSource,
  BuiltCatalog,
  Catalog,
  CatalogData,
  CatalogDescriptions,
  CatalogOperation,
  CliCatalogOptions,
} from './catalog.js';
export {
  buildCatalogFromBotocore,
  createCatalog,
  loadCatalogForCli,
  loadCatalogForCliAsync,
  loadSnapshotCatalog,
} from './catalog.js';
export type { CatalogMatch, CommandSuggestion } from './catalog-search.js';
export {
  listCatalogOperations,
  listCatalogServices,
  searchCatalog,
  suggestCommands,
} from './catalog-search.js';
export type { AccessClass, ApprovalRisk, Classification, StandingApproval } from './classify.js';
export { classifyAwsStage } from './classify.js';
export {
  cliModelCacheName,
  generateCliModel,
  loadCachedCliModel,
  loadCliModel,
  loadSnapshotCliModel,
  readPythonFromShebang,
} from './cli-model.js';
export type {
  CliAction,
  CliActionKind,
  CliCommandModel,
  CliLocalPath,
  CliModel,
  CliModelIndex,
  CliModelSource,
  CliNargs,
  CliServiceModel,
  CliSnapshotGap,
} from './cli-model-types.js';
export type { CommandErrorCode } from './command-error.js';
export { CommandError } from './command-error.js';
export {
  type FrozenCliModelOptions,
  frozenCliIndexFile,
  indexFrozenCliModel,
  loadFrozenCliModel,
} from './frozen-cli-model.js';
export type { HelpPage, HelpRequest, HelpSection, RenderHelpOptions } from './help-page.js';
export { readGlobalOptions, renderHelpPage } from './help-page.js';
export type {
  CustomizationDoc,
  CustomizationDocs,
  HelpSources,
  ServiceDocs,
  ServiceShape,
  ShapeReference,
} from './help-sources.js';
export { createHelpSources, loadSnapshotCustomizationDocs } from './help-sources.js';
export type { ParseCommandLineOptions, Pipeline, PipelineArgv } from './parse-command-line.js';
export { parseCommandLine, parseFilterStages } from './parse-command-line.js';
export {
  escapeHiddenJson,
  escapeHiddenText,
  formatStagesForPerson,
  isHiddenCharacter,
} from './person-text.js';
export type {
  DecisionAction,
  Policy,
  PolicyFile,
  PolicyMode,
  PolicyRule,
  SecretsAnswer,
} from './policy.js';
export {
  isProfileAllowed,
  isRoleAllowed,
  loadPolicyFile,
  matchesGlob,
  parsePolicy,
  policyModes,
} from './policy.js';
export { redactArgv } from './redact-argv.js';
export { formatArgvForDisplay, quoteArgv, quoteWord } from './render-argv.js';
export type { SecretWordMatch, SecretWordRow } from './secret-words.js';
export {
  isSecretConfigKey,
  isSecretOptionName,
  isSecretReferenceName,
  secretConfigKeys,
  secretFieldWords,
  secretOptionWords,
  secretReferenceEnds,
} from './secret-words.js';
export type { Decision, ValidationContext } from './validate-pipeline.js';
export { validatePipeline } from './validate-pipeline.js';
