import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from './_find-executable.js';
import { warmServerSource } from './_warm-cli-source.js';

const python = findExecutable('python3', process.env.PATH);

/**
 * The warm server's set-up (all of it before it serves) in a real interpreter. For each case named on stdin it forks
 * a child that registers the case's handlers on an emitter of its own, as a call's session and plugins do, and prints
 * whether botocore accepted or refused each, and how often the kept check asked inspect itself (a miss).
 */
const driver = `
import functools, json, os, sys
import botocore.handlers, botocore.hooks
source = sys.argv[1]
sys.argv = ['warm', '']
exec(compile(source[:source.index('\\npreload()\\n')] + '\\npreload()\\n', '<warm-server>', 'exec'))

def register(handler):
    try:
        botocore.hooks.HierarchicalEmitter().register('before-call.sts.GetCallerIdentity', handler)
        return 'accepted'
    except ValueError:
        return 'refused'

def without_kwargs():
    def handler(params):
        pass
    return [register(handler)]

def with_kwargs_twice():
    def handler(params, **kwargs):
        pass
    return [register(handler), register(handler)]

def same_name_after_one_with_kwargs():
    def handler(**kwargs):
        pass
    first = register(handler)
    def handler(params):
        pass
    return [first, register(handler)]

def named_as_a_preloaded_handler():
    preloaded = botocore.handlers.handle_service_name_alias
    def impostor(service_name):
        pass
    for name in ('__name__', '__qualname__', '__module__'):
        setattr(impostor, name, getattr(preloaded, name))
    return [register(preloaded), register(impostor)]

def its_code_replaced():
    def handler(**kwargs):
        pass
    first = register(handler)
    handler.__code__ = (lambda params: None).__code__
    return [first, register(handler)]

def methods():
    class Plugin:
        def on_call(self, params):
            pass
        def on_any(self, **kwargs):
            pass
    return [register(Plugin().on_call), register(Plugin().on_any), register(Plugin().on_any)]

def a_partial():
    def handler(params, context):
        pass
    partial = functools.partial(handler, None)
    return [register(partial), register(partial)]

for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        inspected = [0]
        asked = _accepts_kwargs
        def counting(handler):
            inspected[0] += 1
            return asked(handler)
        _accepts_kwargs = counting
        outcomes = globals()[line.strip()]()
        print(json.dumps({'outcomes': outcomes, 'inspected': inspected[0]}))
        sys.stdout.flush()
        os._exit(0)
    os.waitpid(pid, 0)
`;

/** Each case: what it shows, the driver's function, botocore's verdict on each handler, and the misses. */
const CASES: Array<[string, string, string[], number]> = [
  ['refuses a handler without **kwargs, checked once', 'without_kwargs', ['refused'], 1],
  [
    'accepts one with **kwargs, asking inspect only the first time',
    'with_kwargs_twice',
    ['accepted', 'accepted'],
    1,
  ],
  [
    'refuses one without, of the same name as one with that was checked first',
    'same_name_after_one_with_kwargs',
    ['accepted', 'refused'],
    2,
  ],
  [
    'refuses one without, named as a handler the parent checked, which stays accepted without asking again',
    'named_as_a_preloaded_handler',
    ['accepted', 'refused'],
    1,
  ],
  [
    'refuses a checked handler once its code takes no **kwargs',
    'its_code_replaced',
    ['accepted', 'refused'],
    2,
  ],
  [
    "judges bound methods by their function, once for every instance's",
    'methods',
    ['refused', 'accepted', 'accepted'],
    2,
  ],
  ['asks inspect every time for what is not a function (a partial)', 'a_partial', ['refused', 'refused'], 2],
];

describe.skipIf(python === undefined)("the warm server's kept **kwargs check", () => {
  let parent: ChildProcessByStdio<Writable, Readable, null>;
  let lines: AsyncIterator<string>;

  beforeAll(() => {
    parent = spawn(python as string, ['-c', driver, warmServerSource], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    lines = createInterface({ input: parent.stdout })[Symbol.asyncIterator]();
  });

  afterAll(() => {
    parent.stdin.end();
    parent.kill('SIGKILL');
  });

  it.each(CASES)(
    '%s',
    async (_, name, outcomes, inspected) => {
      parent.stdin.write(`${name}\n`);
      const line = await lines.next();
      expect(JSON.parse(line.value as string)).toEqual({ outcomes, inspected });
    },
    30_000,
  );
});
