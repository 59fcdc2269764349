import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { closeHttpServer, type Emulator, type EmulatorCredentials, listeningPort } from './emulator.js';

/** s3rver accepts only this key pair. */
export const S3RVER_CREDENTIALS: EmulatorCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * Starts s3rver on 127.0.0.1 on a free port, storing objects in a fresh temporary folder that `stop()` removes.
 */
export async function startS3rver(): Promise<Emulator> {
  const directory = await mkdtemp(join(tmpdir(), 'aws-mcp-s3rver-'));
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  await s3rver.run();
  const server = (s3rver as unknown as { httpServer: Server }).httpServer;
  const port = listeningPort(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    credentials: S3RVER_CREDENTIALS,
    async stop() {
      await closeHttpServer(server);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
