#!/usr/bin/env node
// The `bazaar` command. In a checkout it runs the TypeScript sources (bin/bazaar.ts) with the
// pinned Node's type stripping, so development needs no build and never runs a stale dist/.
// The installed package ships no sources, only the compiled CLI under dist/ (Node refuses to
// strip types under node_modules): that is what runs there.
import { existsSync } from 'node:fs';

const source = new URL('./bazaar.ts', import.meta.url);
await import(existsSync(source) ? source.href : '../dist/bin/bazaar.js');
