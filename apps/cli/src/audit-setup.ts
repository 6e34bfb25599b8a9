/**
 * The audit trail of a CLI run: every decision and alert, with the finding behind it, appended to a
 * hash-chained file (libs/detection/src/audit). The checkpoint key comes from VIGIL_AUDIT_KEY; without
 * it a development key is used and the run says so, as it does for the hashing key.
 */
import { auditEntryOf, openAuditTrailFile, type AuditTrail, type PolicyRecord } from '@vigil/detection';
import type { DetectionSetup } from './detection-setup';

export const DEVELOPMENT_AUDIT_KEY = 'vigil-development-audit-key-not-for-production';

export interface AuditHandle {
  readonly path: string;
  readonly developmentKey: boolean;
  append(r: PolicyRecord, watermark: number): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function openAudit(path: string, setup: DetectionSetup, env: NodeJS.ProcessEnv): Promise<AuditHandle> {
  const key = env['VIGIL_AUDIT_KEY'];
  const trail: AuditTrail = await openAuditTrailFile(path, {
    key: key ?? DEVELOPMENT_AUDIT_KEY,
    configDigest: setup.configDigest,
  });
  if (!key)
    process.stderr.write('audit: VIGIL_AUDIT_KEY is not set; checkpoints are signed with the development key\n');
  return {
    path,
    developmentKey: !key,
    append: (r, watermark) => trail.append(auditEntryOf(r, watermark, setup.configDigest)),
    flush: () => trail.flush(),
    close: () => trail.close(),
  };
}
