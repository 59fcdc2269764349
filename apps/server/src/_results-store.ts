// The store lives in the executor; this name stays for the modules that still import it from here.
export type { KeptResult, ResultPage, ResultsStore, ResultsStoreOptions } from '@aws-mcp/executor';
export { createResultsStore, readResultPage } from '@aws-mcp/executor';
