#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader: one code path for the CLI, the
// server and the tests, with no build step between a clone and a running Latchkey.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
