// Runs s3rver in its own process, so its memory is not counted as the executor's. Prints its endpoint.
import { startS3rver } from '@aws-mcp/emulators';

const s3 = await startS3rver();
process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint, credentials: s3.credentials })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await s3.stop();
  process.exit(0);
});
