// A file for library-messages.test.ts: AWS_MCP_IN_COMMENT is in a comment and must not count.
/** Nor AWS_MCP_IN_DOC. */
export const probe = ['the mode (AWS_MCP_MODE)', `sandbox ${'x'} AWS_MCP_SANDBOX`];
export const serverProbe = 'not run by this server'; // the server in a comment does not count
