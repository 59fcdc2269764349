// Mutation testing of the server's pipeline tool, on demand: `pnpm mutation server` (docs/testing.md).
import { defineMutationConfig } from '../../scripts/mutation-config.mjs';

export default defineMutationConfig({
  name: 'server',
  // The pipeline tool and the private modules of the tools folder it is made of.
  mutate: ['src/tools/aws-cli-pipeline.ts', 'src/tools/_*.ts'],
});
