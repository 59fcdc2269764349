export { sessionLabel } from '@aws-mcp/mcp-http';
