import type { execa as execaFunction } from 'execa';

/** execa's `execa`, the one function of it the executor calls. */
export type Execa = typeof execaFunction;

let loaded: Execa | undefined;
let loading: Promise<Execa> | undefined;

/**
 * execa, imported at its first use rather than with the executor: evaluating its modules is about a tenth of a
 * bundled server's start-up, and nothing a server does before its first answer starts a process through it (the
 * sandbox probe uses Node's execFile). Bundled, the `import()` stays inside the bundle and only defers evaluation.
 */
export function loadExeca(): Promise<Execa> {
  loading ??= import('execa').then((module) => {
    loaded = module.execa;
    return loaded;
  });
  return loading;
}

/**
 * execa for code that cannot wait: the warm CLI's `run`, which every caller reaches after `loadExeca()` resolved
 * (spawnStages awaits it first). Throws, never starts anything otherwise.
 */
export function loadedExeca(): Execa {
  if (loaded === undefined) throw new Error('execa is not loaded yet: await loadExeca() before this call');
  return loaded;
}
