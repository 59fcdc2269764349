import { defineConfig } from 'vitest/config';

// Runs only the fixture, for test-support's own test of what a block needing bubblewrap does without it.
export default defineConfig({ test: { include: ['blocks.fixture.ts'] } });
