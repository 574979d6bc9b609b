#!/usr/bin/env node
// Herald has no build step: tsx loads the TypeScript sources, as `npm start` does for the server.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
