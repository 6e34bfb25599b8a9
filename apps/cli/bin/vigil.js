#!/usr/bin/env node
'use strict';
// `vigil … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') process.exit(0);
  throw err;
});
let main;
try {
  ({ main } = require('../dist/main.js'));
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND') {
    process.stderr.write(
      'vigil: the CLI is not built yet. Run `npm ci` (or `npm run build`) in the repository root.\n',
    );
    process.exit(2);
  }
  throw err;
}
main(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`vigil: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
