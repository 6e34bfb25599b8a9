/**
 * Confirmed-incident label files: what a bank's SOC knows for sure. JSON (an array) or NDJSON, one
 * incident per record: an IP or a principal (the login name, hashed here with the source's key like the
 * normalizer does; or `principalHash` when already hashed), a time range (ISO or epoch ms) and a type.
 *
 *   {"ip": "203.0.113.7", "start": "2026-03-02T08:10:00Z", "end": "2026-03-02T08:40:00Z", "type": "credential_stuffing"}
 *   {"principal": "alice@example.com", "start": 1772439000000, "end": 1772440800000, "type": "account_takeover"}
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { IdHasher } from '@vigil/events';
import { CAMPAIGN_TYPES } from '@vigil/simulator';
import type { ConfirmedIncident } from './label-index';

const time = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `not a time: ${String(v)}` });
    return z.NEVER;
  }
  return ms;
});

const incidentSchema = z
  .object({
    ip: z.string().optional(),
    principal: z.string().optional(),
    principalHash: z.string().optional(),
    start: time,
    end: time,
    type: z.enum(CAMPAIGN_TYPES),
  })
  .refine((i) => i.ip || i.principal || i.principalHash, 'needs ip, principal or principalHash')
  .refine((i) => i.end >= i.start, 'end is before start');

export function parseIncidents(text: string, hasher: IdHasher, origin = 'incidents'): ConfirmedIncident[] {
  const trimmed = text.trim();
  const records: unknown[] = trimmed.startsWith('[')
    ? (JSON.parse(trimmed) as unknown[])
    : trimmed
        .split('\n')
        .filter((l) => l.trim())
        .map((l, i) => {
          try {
            return JSON.parse(l) as unknown;
          } catch {
            throw new Error(`${origin} line ${i + 1} is not JSON`);
          }
        });
  return records.map((rec, i) => {
    const r = incidentSchema.safeParse(rec);
    if (!r.success) throw new Error(`${origin} record ${i + 1}: ${r.error.issues.map((x) => x.message).join('; ')}`);
    const v = r.data;
    return {
      ip: v.ip ?? null,
      principal: v.principalHash ?? (v.principal ? hasher.hash('p', v.principal.trim().toLowerCase()) : null),
      startMs: v.start,
      endMs: v.end,
      type: v.type,
    };
  });
}

export function readIncidents(path: string, hasher: IdHasher): ConfirmedIncident[] {
  return parseIncidents(readFileSync(path, 'utf8'), hasher, path);
}
