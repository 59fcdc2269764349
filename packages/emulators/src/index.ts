/**
 * Local AWS emulators for tests and the demo. Anything exported here is public within the workspace;
 * the package is private and never published.
 */

export type { SandboxProfile } from './aws-home.js';
export { createAwsSandboxHome } from './aws-home.js';
export { DYNALITE_CREDENTIALS, startDynalite } from './dynalite.js';
export type { Emulator, EmulatorCredentials } from './emulator.js';
export type { MotoEmulator } from './moto.js';
export { findMotoServer, MOTO_CREDENTIALS, projectMotoVenv, startMoto } from './moto.js';
export { S3RVER_CREDENTIALS, startS3rver } from './s3rver.js';
