/**
 * `vigil audit verify FILE`: checks a hash-chained audit trail (format: libs/detection/src/audit/
 * audit-record.ts) end to end in constant memory and names the first line that breaks it. Exit code 0 when
 * intact, 1 when broken, 2 for usage errors.
 */
import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import { readAuditLines, verifyAuditTrail, type AuditVerification } from '@vigil/detection';
import { requireInputFile, UsageError } from '../errors';

/** Where the CLI (and the apps) read the audit trail key from by default. */
export const AUDIT_KEY_ENV = 'VIGIL_AUDIT_KEY';

interface VerifyOptions {
  keyEnv?: string;
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('check the hash-chained audit trail of decisions and alerts');
  audit
    .command('verify')
    .description('verify an audit trail file: hash chain, sequence and keyed checkpoints (exit code 1 if broken)')
    .argument('<file>', 'the audit trail (NDJSON)')
    .option('--key-env <name>', `environment variable holding the trail key (default ${AUDIT_KEY_ENV})`)
    .addHelpText(
      'after',
      `
Examples:
  VIGIL_AUDIT_KEY=... vigil audit verify audit.ndjson
  vigil audit verify audit.ndjson --key-env AUDIT_KEY_2025

Every line carries the SHA-256 of the line before it, so an edited, deleted, inserted or moved line
breaks the chain at that line. Checkpoints carry an HMAC under the trail key: without the key only the
chain is checked, which anyone could have recomputed after an edit. Lines after the last checkpoint
(a writer still running, or one that stopped without closing) are reported as a warning.`,
    )
    .action(async (file: string, opts: VerifyOptions) => {
      const key = resolveKey(opts.keyEnv);
      requireInputFile(file);
      const result = await verifyAuditTrail(readAuditLines(createReadStream(file)), { key });
      process.stdout.write(describe(file, result, opts.keyEnv ?? AUDIT_KEY_ENV));
      if (!result.ok) process.exitCode = 1;
    });
}

function resolveKey(keyEnv: string | undefined): string | null {
  const value = process.env[keyEnv ?? AUDIT_KEY_ENV];
  if (value) return value;
  if (keyEnv) throw new UsageError(`--key-env ${keyEnv}: the environment variable ${keyEnv} is not set`);
  return null;
}

function describe(file: string, r: AuditVerification, keyEnv: string): string {
  const counts =
    `${r.records} records (${r.decisions} decisions, ${r.alerts} alerts), ` +
    `${r.checkpoints} checkpoint${r.checkpoints === 1 ? '' : 's'}`;
  const lines: string[] = [];
  const b = r.firstBreak;
  if (b) {
    const seq = b.seq === null ? '' : ` (seq ${b.seq})`;
    lines.push(`audit trail ${file}: broken at line ${b.line}${seq}: ${b.reason} ${b.detail}`);
    lines.push(`  verified before it: ${counts}`);
  } else {
    lines.push(`audit trail ${file}: ${counts}, chain intact`);
    if (r.lastCheckpoint) {
      lines.push(
        `  last checkpoint: line ${r.lastCheckpoint.line}, seq ${r.lastCheckpoint.seq}, ${r.lastCheckpoint.hash}`,
      );
    }
    if (r.uncheckpointedTail > 0) {
      lines.push(
        `  warning: the last ${r.uncheckpointedTail} lines follow the last checkpoint (a writer still running, ` +
          'one that stopped without closing, or a cut tail): chained, but no key vouches for them',
      );
    }
  }
  if (!r.checkpointsVerified) {
    lines.push(`  note: checkpoints were not verified (no key: set ${keyEnv}); only the hash chain was checked`);
  }
  return lines.join('\n') + '\n';
}
