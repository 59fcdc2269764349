/**
 * @aws-mcp/executor: run a validated `aws … | filter …` pipeline without a shell, with bounded output, a
 * timeout and cancellation. Anything exported here is public; nothing else may be imported from outside.
 */
export type { AssumeRoleOptions } from './_assume-role.js';
export { checkAssumeRoleOptions } from './_assume-role.js';
export type { CredentialsMode } from './_environment.js';
export { buildAwsEnvironment, buildFilterEnvironment, credentialsModes } from './_environment.js';
export { checkWorkdir } from './_prepare-stages.js';
export type { AccountIdentity, AccountLookup, CreateAccountLookupOptions } from './account-lookup.js';
export { createAccountLookup } from './account-lookup.js';
export type { AvailableAwsCli, AwsCliWatch, AwsCliWatchNames, WatchAwsCliOptions } from './aws-cli-watch.js';
export { defaultAwsCliRetryMs, watchAwsCli } from './aws-cli-watch.js';
export type { AwsHelpResult, AwsHelpTopic } from './aws-help.js';
export { cleanHelpText, compactHelpText, runAwsHelp, stripUsageBanner } from './aws-help.js';
export { buildBubblewrapArguments, createBubblewrapSandbox } from './bubblewrap-sandbox.js';
export { buildAwsArguments } from './build-aws-arguments.js';
export type { CappedOutput } from './cap-output.js';
export { capOutput } from './cap-output.js';
export type {
  AwsChoiceNames,
  AwsChoiceRefusal,
  AwsChoiceRefusalCode,
  CheckAwsChoicesOptions,
  CheckAwsRegionOptions,
} from './check-aws-choices.js';
export { checkAwsChoices, checkAwsRegion } from './check-aws-choices.js';
export type { AwsCliStatus } from './check-aws-cli.js';
export { checkAwsCli } from './check-aws-cli.js';
export type { CheckNames, DescribeCheckedCallOptions } from './describe-call.js';
export { asSentence, describeCheckedCall } from './describe-call.js';
export type {
  BuildConsentTextOptions,
  ConsentAnswer,
  ConsentNames,
  ConsentOutcome,
  ConsentRefusalCode,
  ConsentReply,
  ConsentRole,
  DescribeConsentRefusalOptions,
  ReadConsentReplyOptions,
  SecretsQuestion,
} from './describe-consent.js';
export { buildConsentText, describeConsentRefusal, readConsentReply } from './describe-consent.js';
export type { DescribeRunResultOptions, ResultNames, ResultSecrets } from './describe-result.js';
export {
  describeOutfiles,
  describeResultSecrets,
  describeRunResult,
  describeSecretsNote,
  readCliMessage,
} from './describe-result.js';
export type { ExecutionErrorCode, ExecutionErrorOptions } from './execution-error.js';
export { awsCliInstallHint, ExecutionError, gawkInstallHint, gnuSedInstallHint } from './execution-error.js';
export type { AwsFailureNames, ExplainAwsFailureOptions } from './explain-aws-failure.js';
export { awsFailureIds, explainAwsFailure } from './explain-aws-failure.js';
export type { FailureHintInput } from './failure-hints.js';
export { failureHintIds, hintForResult } from './failure-hints.js';
export type {
  FanOutJsonEntry,
  FanOutJudged,
  FanOutRun,
  FanOutStop,
  JsonOutput,
  JudgeFanOutOptions,
  RunFanOutTargetsOptions,
} from './fan-out.js';
export {
  checkFanOutDecisions,
  judgeFanOutTargets,
  mergeFanOutJson,
  readFanOutAccounts,
  readJsonOutput,
  runFanOutTargets,
} from './fan-out.js';
export type {
  EnabledRegions,
  FanOutContexts,
  FanOutNames,
  FanOutRefusal,
  FanOutRefusalCode,
  FanOutRequest,
  FanOutTarget,
  FanOutTargets,
  ReadEnabledRegionsOptions,
  ResolveFanOutOptions,
} from './fan-out-targets.js';
export {
  createEnabledRegionsLookup,
  createFanOutContexts,
  describeFanOutTarget,
  fanOutNamesOf,
  isFanOut,
  isFanOutRefusal,
  readEnabledRegions,
  resolveFanOutTargets,
  saveNameForTarget,
  splitOutputCap,
  targetOptionsOf,
} from './fan-out-targets.js';
export type {
  FanOutConsentTarget,
  FanOutOutcome,
  FanOutResultFields,
  FanOutStopReason,
  MergedFanOutResults,
} from './fan-out-texts.js';
export {
  describeFanOutCheck,
  describeFanOutStops,
  describeFanOutTargets,
  describeFinishedTarget,
  listFanOutConsentTargets,
  mergeFanOutResults,
} from './fan-out-texts.js';
export type {
  FilteredKeptResult,
  FilterKeptResultOptions,
  KeptOutput,
  KeptOutputReason,
  KeptPageRefusal,
  KeptResult,
  KeptResultRefusal,
  NotKeptReason,
  ResultPage,
  ResultsStore,
  ResultsStoreOptions,
} from './kept-results.js';
export {
  createResultsStore,
  describeFilteredResult,
  describeKeptOutput,
  describeKeptResult,
  filterKeptResult,
  findKeptResult,
  keepCutOutput,
  keptResultUri,
  readKeptResult,
  readResultPage,
} from './kept-results.js';
export type { CliCatalogLearner, LearnCliCatalogOptions } from './learn-cli-catalog.js';
export { cliCatalogCacheDirectory, learnCliCatalog } from './learn-cli-catalog.js';
export type { CliModelLearner, LearnCliModelOptions } from './learn-cli-model.js';
export { checkModelCacheApart, cliModelCacheDirectory, learnCliModel } from './learn-cli-model.js';
export { isSecretFieldName, isSecretOnlyOutput, maskedValue, maskSecrets } from './mask-secrets.js';
export type {
  AddPagingOptions,
  FilterPagedOutputOptions,
  PageAwsCommandOptions,
  PagingRefusal,
  PagingRefusalCode,
  PagingRequest,
  RunPagedPipelineOptions,
} from './paging.js';
export {
  addPagingArguments,
  defaultMaxPageChars,
  describeNextToken,
  filterPagedOutput,
  isNextTokenLost,
  isWrappedQuery,
  pageAwsCommand,
  readNextToken,
  reportsNextToken,
  resolveDefaultOutput,
  runPagedPipeline,
  runsPageApart,
  unwrapQueriedPage,
  wrappedFormatOf,
  wrapQueryForToken,
} from './paging.js';
export type { PipelineLimiter } from './pipeline-limiter.js';
export {
  createPipelineLimiter,
  defaultMaxConcurrentPipelines,
  defaultPipelineLimiter,
} from './pipeline-limiter.js';
export type { HelpPageRequest, HelpPageResult, ReadHelpPageOptions } from './read-help-page.js';
export { readHelpPage } from './read-help-page.js';
export type {
  AwsCommandAuditEntry,
  AwsCommandChoices,
  ConfirmAnswer,
  ConfirmResult,
  JudgeAwsCommandOptions,
  JudgedAwsCommand,
  PreflightAwsCommandOptions,
  RunAwsCommandOptions,
  RunAwsCommandResult,
} from './run-aws-command.js';
export {
  auditEntryOf,
  auditFieldsOf,
  describeRunningRole,
  judgeAwsCommand,
  preflightAwsCommand,
  runAwsCommand,
  runOptionsOf,
} from './run-aws-command.js';
export type {
  FanOutAuditAbout,
  FanOutAuditEntry,
  FanOutCommandOutcome,
  FanOutCommandRun,
  FanOutConfirmRequest,
  FanOutConsent,
  FanOutCoveredConsent,
  RunFanOutCommandOptions,
} from './run-fan-out-command.js';
export { runFanOutCommand } from './run-fan-out-command.js';
export type { RunFiltersOptions } from './run-filters.js';
export { runFilters } from './run-filters.js';
export type {
  AwsRequestId,
  PipelineProgress,
  PipelineResult,
  PipelineStatus,
  ReturnedOutfile,
  RunPipelineOptions,
  StageResult,
} from './run-pipeline.js';
export { runPipeline } from './run-pipeline.js';
export type {
  AppliedStageLimits,
  CliCacheNames,
  ExceededStageLimit,
  KeptCapability,
  PrivateCopyRequest,
  Sandbox,
  SandboxedCommand,
  SandboxStage,
  StageLimitName,
  StageLimitOff,
  StageLimitOptions,
  StageLimitReport,
  StageLimits,
} from './sandbox.js';
export { noSandbox, stageLimitOptions } from './sandbox.js';
export { buildSeatbeltProfile, createSeatbeltSandbox, sandboxExecPath } from './seatbelt-sandbox.js';
export type { PipelineSecrets, SecretOutput, SecretsHandling } from './secret-output.js';
export { secretOutputOf } from './secret-output.js';
export type { SaveNameProblem, SecretsFolderNames } from './secrets-folder.js';
export {
  checkSaveName,
  checkSecretsFolderApart,
  defaultSaveName,
  prepareSecretsFolder,
  resolveSecretsFolder,
} from './secrets-folder.js';
export type { PlanSecretsOptions, SecretsPlan } from './secrets-plan.js';
export { planSecrets, readSecretsPreAnswer, secretsHandlingOf } from './secrets-plan.js';
export type { SandboxMode, SandboxSelection } from './select-sandbox.js';
export { sandboxModes, selectSandbox } from './select-sandbox.js';
export type {
  ApprovalBinding,
  ApprovalScope,
  ApprovalStore,
  ApprovalSubject,
  BindingParseOptions,
  CheckStandingApprovalOptions,
  ConfirmFanOutWithStandingApprovalOptions,
  ConfirmWithStandingApprovalOptions,
  FanOutApprovalTarget,
  FanOutStandingConfirmation,
  FanOutStandingOffer,
  OfferStandingApprovalOptions,
  StandingAnswer,
  StandingApprovalRecord,
  StandingCheck,
  StandingConfirmation,
  StandingOffer,
} from './standing-approvals.js';
export {
  approvalMinutes,
  bindToApprovalAccount,
  checkStandingApproval,
  confirmFanOutWithStandingApproval,
  confirmWithStandingApproval,
  createApprovalStore,
  describeTargets,
  offerFanOutStandingApproval,
  offerStandingApproval,
  planStandingOffer,
} from './standing-approvals.js';
export type { SweepStaleCliCachesOptions } from './sweep-cli-caches.js';
export { sweepStaleCliCaches } from './sweep-cli-caches.js';
export type { PlanWarmCliOptions, WarmCli, WarmCliStatus } from './warm-cli.js';
export { planWarmCli } from './warm-cli.js';
