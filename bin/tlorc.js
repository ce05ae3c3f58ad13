#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli (built by `npm install` via the prepare script).
import('../dist/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  console.error(`tlorc: could not start (${err && err.message ? err.message : err}). Run \`npm install\` first.`);
  process.exit(70);
});
