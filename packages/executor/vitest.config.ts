import { mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default mergeConfig(shared, {
  test: {
    // Loaded through vitest rather than Node, so find-aws-cli.test.ts can load it again as on Windows.
    server: { deps: { inline: ['which'] } },
  },
});
