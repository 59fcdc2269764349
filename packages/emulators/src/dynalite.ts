import dynalite from 'dynalite';
import { closeHttpServer, type Emulator, type EmulatorCredentials, listeningPort } from './emulator.js';

/** dynalite accepts any key pair; these are the ones the tests and the demo use. */
export const DYNALITE_CREDENTIALS: EmulatorCredentials = {
  accessKeyId: 'AKIDDYNALITELOCAL',
  secretAccessKey: 'dynalite-local-secret',
};

/** Starts an in-memory dynalite on 127.0.0.1 on a free port, with tables active at once. */
export async function startDynalite(): Promise<Emulator> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = listeningPort(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    credentials: DYNALITE_CREDENTIALS,
    stop: () => closeHttpServer(server),
  };
}
