/**
 * The signed manifest of a report directory: the SHA-256 and size of every file in it (but the manifest
 * itself), and an HMAC-SHA256 under the report key over the canonical JSON of everything else in the
 * manifest. Verification recomputes the hashes and names each changed, added or removed file; with the key
 * it also checks the MAC, so that a manifest rewritten to match edited files is found too.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '@vigil/detection';

export const MANIFEST_FORMAT = 'vigil-report-manifest/1';
export const MANIFEST_FILE = 'manifest.json';
export const MIN_REPORT_KEY_BYTES = 16;

export interface ManifestEntry {
  /** Relative to the report directory, `/`-separated. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface ReportManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly createdAt: string;
  /** Names the key without revealing it: 16 hex digits of HMAC(key, "vigil-report-manifest/1 key id"). */
  readonly keyId: string;
  readonly developmentKey: boolean;
  readonly files: readonly ManifestEntry[];
  readonly mac: string;
}

export interface ManifestCheck {
  readonly ok: boolean;
  readonly changed: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Null without a key. */
  readonly macValid: boolean | null;
  /** The key given is not the one the manifest was signed with. */
  readonly keyMismatch: boolean;
}

export const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

function keyBytes(key: string | Uint8Array): Buffer {
  const b = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (b.length < MIN_REPORT_KEY_BYTES)
    throw new RangeError(`the report key has ${b.length} bytes; at least ${MIN_REPORT_KEY_BYTES} are needed`);
  return b;
}

export function reportKeyId(key: string | Uint8Array): string {
  return createHmac('sha256', keyBytes(key)).update(`${MANIFEST_FORMAT} key id`).digest('hex').slice(0, 16);
}

function macOf(key: string | Uint8Array, body: Omit<ReportManifest, 'mac'>): string {
  return createHmac('sha256', keyBytes(key)).update(canonicalJson(body)).digest('hex');
}

export function entryOf(path: string, bytes: Uint8Array): ManifestEntry {
  return { path, sha256: sha256(bytes), bytes: bytes.length };
}

export function buildManifest(
  entries: readonly ManifestEntry[],
  key: string | Uint8Array,
  options: { readonly createdAt?: Date; readonly developmentKey?: boolean } = {},
): ReportManifest {
  const files = [...entries].filter((e) => e.path !== MANIFEST_FILE).sort((a, b) => (a.path < b.path ? -1 : 1));
  const body = {
    format: MANIFEST_FORMAT,
    createdAt: (options.createdAt ?? new Date()).toISOString(),
    keyId: reportKeyId(key),
    developmentKey: options.developmentKey ?? false,
    files,
  } as const;
  return { ...body, mac: macOf(key, body) };
}

/** Validates a parsed manifest at the edge. */
export function parseManifest(value: unknown): ReportManifest {
  const m = value as Partial<ReportManifest> | null;
  if (
    !m ||
    m.format !== MANIFEST_FORMAT ||
    !Array.isArray(m.files) ||
    typeof m.mac !== 'string' ||
    typeof m.keyId !== 'string'
  )
    throw new Error(`not a ${MANIFEST_FORMAT} manifest`);
  for (const f of m.files)
    if (typeof f?.path !== 'string' || typeof f.sha256 !== 'string' || typeof f.bytes !== 'number')
      throw new Error(`${MANIFEST_FORMAT}: a file entry needs path, sha256 and bytes`);
  return m as ReportManifest;
}

export function verifyManifest(
  manifest: ReportManifest,
  actual: readonly ManifestEntry[],
  key: string | Uint8Array | null,
): ManifestCheck {
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  const present = new Map(actual.filter((f) => f.path !== MANIFEST_FILE).map((f) => [f.path, f]));
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [path, f] of listed) {
    const a = present.get(path);
    if (!a) removed.push(path);
    else if (a.sha256 !== f.sha256 || a.bytes !== f.bytes) changed.push(path);
  }
  const added = [...present.keys()].filter((p) => !listed.has(p)).sort();
  let macValid: boolean | null = null;
  let keyMismatch = false;
  if (key !== null) {
    keyMismatch = reportKeyId(key) !== manifest.keyId;
    const { mac, ...body } = manifest;
    const expected = Buffer.from(macOf(key, body), 'hex');
    const stored = Buffer.from(/^[0-9a-f]{64}$/.test(mac) ? mac : '0'.repeat(64), 'hex');
    macValid = !keyMismatch && timingSafeEqual(expected, stored);
  }
  return {
    ok: !changed.length && !added.length && !removed.length && macValid !== false,
    changed: changed.sort(),
    added,
    removed: removed.sort(),
    macValid,
    keyMismatch,
  };
}
