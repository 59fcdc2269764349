/**
 * @aws-mcp/command: parse, validate and classify `aws … | filter …` command lines. Anything exported here is
 * public; nothing else may be imported from outside the package.
 */
export type { AwsGlobalOptions, AwsStage } from './_aws-stage.js';
export type { FilterInvocation, FilterStage } from './_filters.js';
export { listFilterNames, resolveFilterInvocation } from './_filters.js';
export type { Catalog, CatalogData, CatalogDescriptions, CatalogOperation } from './catalog.js';
export { buildCatalogFromBotocore, createCatalog, loadCatalogForCli, loadSnapshotCatalog } from './catalog.js';
export type { AccessClass, Classification } from './classify.js';
export { classifyAwsStage } from './classify.js';
export type { CommandErrorCode } from './command-error.js';
export { CommandError } from './command-error.js';
export type { Pipeline, PipelineArgv } from './parse-command-line.js';
export { parseCommandLine } from './parse-command-line.js';
export { formatArgvForDisplay, quoteArgv, quoteWord } from './render-argv.js';
export type { Decision, DecisionAction, Policy, PolicyMode, ValidationContext } from './validate-pipeline.js';
export { validatePipeline } from './validate-pipeline.js';
