// RELIABILITY_PROFILE=short (the default, and what .ci/run runs: about 3 minutes) or full (on demand: longer
// fuzz and soak). RELIABILITY_SEED fixes the fuzz seed (default 20250101), so a failure can be replayed.
const name = process.env.RELIABILITY_PROFILE === 'full' ? 'full' : 'short';

/** The sizes of the current profile. */
export const profile = {
  name,
  seed: Number(process.env.RELIABILITY_SEED ?? 20250101),
  fuzzCases: Number(process.env.RELIABILITY_FUZZ_CASES ?? (name === 'full' ? 6000 : 1000)),
  soakRequests: name === 'full' ? 4000 : 1200,
  soakClients: name === 'full' ? 8 : 6,
  scaleOutCalls: name === 'full' ? 40 : 12,
};
