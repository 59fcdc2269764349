import { describe, expect, it } from 'vitest';
import { ExecutionError } from './execution-error.js';
import { createPipelineLimiter, defaultPipelineLimiter } from './pipeline-limiter.js';

describe('createPipelineLimiter', () => {
  it('lets maxConcurrent through and queues the rest first in, first out', async () => {
    const limiter = createPipelineLimiter({ maxConcurrent: 2 });
    const order: string[] = [];
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    const third = limiter.acquire().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = limiter.acquire().then((release) => {
      order.push('fourth');
      return release;
    });
    expect(limiter).toMatchObject({ active: 2, queued: 2 });
    first();
    first();
    (await third)();
    second();
    (await fourth)();
    expect(order).toEqual(['third', 'fourth']);
    expect(limiter).toMatchObject({ active: 0, queued: 0 });
  });

  it('drops a waiter whose signal aborts, rejecting with the reason', async () => {
    const limiter = createPipelineLimiter({ maxConcurrent: 1 });
    const release = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(limiter.queued).toBe(0);
    release();
    expect(limiter.active).toBe(0);
  });

  it('never hands the slot to a waiter whose signal aborted before its listener ran', async () => {
    const limiter = createPipelineLimiter({ maxConcurrent: 1 });
    const release = await limiter.acquire();
    const controller = new AbortController();
    // Runs before the limiter's own listener, as the abort that ends the running pipeline may.
    controller.signal.addEventListener('abort', () => release());
    const waiting = limiter.acquire(controller.signal);
    const after = limiter.acquire();
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(limiter).toMatchObject({ active: 1, queued: 0 });
    (await after)();
    expect(limiter.active).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxConcurrent %s', (maxConcurrent) => {
    expect(() => createPipelineLimiter({ maxConcurrent })).toThrow(ExecutionError);
  });

  it('shares a default of 8', () => {
    expect(defaultPipelineLimiter.maxConcurrent).toBe(8);
  });
});
