#!/usr/bin/env node
// The `aws-mcp-server` bin: runs the bundled server (dist/server.cjs, built from src/index.ts) with V8's code
// cache (_code-cache.ts), so a start compiles little of its 3.5 MB. Only Node's built-ins here: this file is the
// bin, apart from the bundle.
import { fileURLToPath } from 'node:url';
import { runBundleWithCodeCache } from './_code-cache.js';

runBundleWithCodeCache(fileURLToPath(new URL('./server.cjs', import.meta.url)));
