/**
 * Test helpers shared by the workspace's packages. Anything exported here is public within the workspace; the
 * package is private, a devDependency only, and never imported from production code.
 */

export {
  bubblewrapMissing,
  chooseBubblewrapBlock,
  describeWithBubblewrap,
  explainBubblewrapMissing,
  itWithBubblewrap,
} from './bwrap.js';
export type { EmulatedAws } from './emulators.js';
export { motoMissing, startEmulatedAws } from './emulators.js';
export type { HangingEndpoint } from './hanging-endpoint.js';
export { startHangingEndpoint } from './hanging-endpoint.js';
export type { ClientOptions, ConnectedClient, Consent, ConsentPolicy } from './mcp-clients.js';
export {
  connectHttpClient,
  connectInMemoryClient,
  connectStdioClient,
  createConsentClient,
} from './mcp-clients.js';
export { writeOpaqueCli } from './opaque-cli.js';
export { findFreePort, findRefusingEndpoint } from './ports.js';
export type { ProcessEntry } from './processes.js';
export {
  findProcesses,
  isProcessAlive,
  listChildPids,
  pollUntil,
  readProcessState,
  waitForExit,
  waitUntilDead,
} from './processes.js';
export type { RecordedRequest, RecordingProxy } from './recording-proxy.js';
export { startRecordingProxy } from './recording-proxy.js';
export { createRandom, pickJoined } from './seeded-random.js';
export type { TempDirRef } from './temp.js';
export { createTempDir, createTempDirSync, useTempDir } from './temp.js';
