import { type FSWatcher, type StatsListener, unwatchFile, watch, watchFile } from 'node:fs';
import { basename, dirname } from 'node:path';
import {
  type AwsSetup,
  type ReadAwsSetupOptions,
  readAwsSetup,
  resolveAwsFilePaths,
} from './read-aws-setup.js';

/** Options for {@link watchAwsSetup}. */
export interface WatchAwsSetupOptions extends Omit<ReadAwsSetupOptions, 'strict'> {
  /** Called with the new setup after an edit changed it (not for edits that change nothing). */
  onChange: (setup: AwsSetup) => void;
  /** Called when `onChange` throws; without it such errors are dropped, since a library never logs. */
  onError?: (error: unknown) => void;
  /** Edits closer together than this are read once. Default 100 ms. */
  debounceMs?: number;
  /** Stat polling interval, the fallback for folders that cannot be watched or do not exist yet. Default 2000 ms. */
  pollIntervalMs?: number;
}

/** A running watch; `ready` resolves with the setup as it was when watching started. */
export interface AwsSetupWatcher {
  ready: Promise<AwsSetup>;
  close(): void;
}

/**
 * Watches the AWS config and credentials files (including ones that do not exist yet, and editors that replace
 * a file by renaming) and calls `onChange` with a freshly read setup whenever an edit changes it. Never throws;
 * read problems arrive as warnings in the setup. Call `close()` to stop.
 */
export function watchAwsSetup(options: WatchAwsSetupOptions): AwsSetupWatcher {
  const { onChange, onError, debounceMs = 100, pollIntervalMs = 2000, ...readOptions } = options;
  const paths = resolveAwsFilePaths(readOptions);
  const files = [paths.config.path, paths.credentials.path];
  const watchers: FSWatcher[] = [];
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let reading: Promise<void> | undefined;
  let again = false;
  let last = '';

  const ready = readAwsSetup(readOptions).then((setup) => {
    last = JSON.stringify(setup);
    return setup;
  });

  const reload = async (): Promise<void> => {
    await ready;
    do {
      again = false;
      const setup = await readAwsSetup(readOptions);
      const serialized = JSON.stringify(setup);
      if (closed || serialized === last) continue;
      last = serialized;
      try {
        onChange(setup);
      } catch (error) {
        onError?.(error);
      }
    } while (again && !closed);
  };

  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (reading !== undefined) {
        again = true;
        return;
      }
      reading = reload().finally(() => {
        reading = undefined;
      });
    }, debounceMs);
    timer.unref();
  };

  for (const folder of new Set(files.map((file) => dirname(file)))) {
    const names = new Set(files.filter((file) => dirname(file) === folder).map((file) => basename(file)));
    try {
      const watcher = watch(folder, { persistent: false }, (_event, name) => {
        if (name === null || names.has(name.toString())) schedule();
      });
      watcher.on('error', () => watcher.close());
      watchers.push(watcher);
    } catch {
      // The folder may not exist yet; stat polling below still notices the file appearing.
    }
  }
  const poll: StatsListener = (current, previous) => {
    if (
      current.mtimeMs !== previous.mtimeMs ||
      current.ino !== previous.ino ||
      current.size !== previous.size
    ) {
      schedule();
    }
  };
  for (const file of files) watchFile(file, { persistent: false, interval: pollIntervalMs }, poll);

  return {
    ready,
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      for (const file of files) unwatchFile(file, poll);
    },
  };
}
