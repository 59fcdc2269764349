import type { Server } from 'node:http';

/** Static credentials an emulator accepts. */
export interface EmulatorCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A running emulator, listening on 127.0.0.1 only. */
export interface Emulator {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  credentials: EmulatorCredentials;
  /** Stops the emulator, dropping open connections; safe to call twice. */
  stop(): Promise<void>;
}

/** Closes an HTTP server without waiting for keep-alive connections to time out. */
export function closeHttpServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The port an HTTP server is listening on. */
export function listeningPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('server is not listening on a TCP port');
  }
  return address.port;
}
