/**
 * `--principal-map`: raw value → HMAC id for the principals, sessions, devices and API keys that
 * decisions and alerts name, so an analyst can find the customer behind an id. Off by default; the file
 * holds raw identifiers and is as sensitive as the logs. Values are collected as the normalizer hashes
 * them (on the main thread), up to a cap; only the named ones are written.
 */
import type { SourceDecoder } from '@vigil/events';
import { NdjsonWriter } from '@vigil/connectors';

const KIND_NAMES = { p: 'principal', s: 'session', d: 'device', k: 'api_key' } as const;
const MAX_VALUES = 2_000_000;

export class PrincipalMap {
  private readonly byDigest = new Map<string, { kind: keyof typeof KIND_NAMES; raw: string }>();
  dropped = 0;

  observe(decoder: SourceDecoder): void {
    const hasher = decoder.normalizer?.hasher;
    if (!hasher) return;
    hasher.observer = (kind, raw, digest) => {
      if (this.byDigest.has(digest)) return;
      if (this.byDigest.size >= MAX_VALUES) {
        this.dropped++;
        return;
      }
      this.byDigest.set(digest, { kind, raw });
    };
  }

  async write(path: string, named: ReadonlySet<string>): Promise<number> {
    const out = NdjsonWriter.open(path);
    let n = 0;
    for (const id of [...named].sort()) {
      const hit = this.byDigest.get(id);
      if (!hit) continue;
      out.write({ id, type: KIND_NAMES[hit.kind], raw: hit.raw });
      n++;
    }
    await out.close();
    return n;
  }
}
