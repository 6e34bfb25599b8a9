/**
 * Masks card numbers (PAN), account numbers and e-mail addresses in paths and query strings before
 * anything is stored (PCI DSS 4.0 req. 3.4: at most the last four digits are kept).
 * Reports which kinds it found, because the API inventory flags endpoints that carry them.
 *
 * Hot path: a single scan decides whether there is anything to look at (a run of 8+ digits, or an
 * `@`); most requests have neither and cost one pass over the string.
 */
import type { SensitiveKind } from '../access-event';

export interface MaskResult {
  readonly path: string;
  readonly query: string | null;
  readonly sensitive: readonly SensitiveKind[];
}

export interface MaskingOptions {
  readonly accountQueryKeys: readonly string[];
  readonly accountPathSegments: readonly string[];
}

const NONE: readonly SensitiveKind[] = Object.freeze([]);
// Card numbers: 13-19 digits, optionally grouped by spaces or dashes, starting with an issuer digit 2-6
// (Mastercard 2/5, Amex/JCB/Diners 3, Visa 4, Discover/UnionPay 6). This keeps 13-digit ms timestamps out.
// Not glued to letters or to another dash-joined group: the digit groups of a UUID or hex id
// (`12345678-1234-4257-a6d8-…`) pass Luhn one time in ten and must not be masked into a new "id".
const PAN_RE = /(?<![0-9A-Za-z]-?)[2-6](?:[ -]?[0-9]){12,18}(?!-?[0-9A-Za-z])/g;
const EMAIL_RE = /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,24}/g;
const IBAN_RE = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/;
const ACCOUNT_DIGITS_RE = /^[0-9]{8,17}$/;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function maskDigits(digits: string): string {
  return `****${digits.slice(-4)}`;
}

function worthScanning(s: string): boolean {
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++run >= 8) return true;
    } else if (c !== 32 && c !== 45) {
      // Spaces and dashes do not break a run: card numbers are often grouped ("4111 1111 …").
      if (c === 64 /* @ */ || (c === 37 && s.charCodeAt(i + 1) === 52 && s.charCodeAt(i + 2) === 48)) return true;
      run = 0;
    }
  }
  return false;
}

export class Masker {
  private readonly accountKeys: ReadonlySet<string>;
  private readonly accountSegments: ReadonlySet<string>;

  constructor(options: MaskingOptions) {
    this.accountKeys = new Set(options.accountQueryKeys.map((k) => k.toLowerCase()));
    this.accountSegments = new Set(options.accountPathSegments.map((k) => k.toLowerCase()));
  }

  mask(path: string, query: string | null): MaskResult {
    const scanPath = worthScanning(path);
    const scanQuery = query !== null && worthScanning(query);
    if (!scanPath && !scanQuery) return { path, query, sensitive: NONE };
    const found = new Set<SensitiveKind>();
    const maskedPath = scanPath ? this.maskPath(path, found) : path;
    const maskedQuery = scanQuery ? this.maskQuery(query!, found) : query;
    return { path: maskedPath, query: maskedQuery, sensitive: found.size ? [...found].sort() : NONE };
  }

  private maskPath(path: string, found: Set<SensitiveKind>): string {
    let out = maskFreeText(path, found);
    if (this.accountSegments.size > 0) {
      const parts = out.split('/');
      let changed = false;
      for (let i = 1; i < parts.length; i++) {
        const seg = parts[i]!;
        const prev = parts[i - 1]!.toLowerCase();
        if (
          (this.accountSegments.has(prev) && ACCOUNT_DIGITS_RE.test(seg)) ||
          (seg.length >= 15 && IBAN_RE.test(seg))
        ) {
          parts[i] = maskDigits(seg);
          found.add('account_number');
          changed = true;
        }
      }
      if (changed) out = parts.join('/');
    }
    return out;
  }

  private maskQuery(query: string, found: Set<SensitiveKind>): string {
    let out = maskFreeText(query, found);
    if (this.accountKeys.size === 0) return out;
    const pairs = out.split('&');
    let changed = false;
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const key = pair.slice(0, eq).toLowerCase();
      const value = pair.slice(eq + 1);
      if (this.accountKeys.has(key) && value.length >= 6 && !value.startsWith('****')) {
        pairs[i] = `${pair.slice(0, eq)}=${maskDigits(value)}`;
        found.add('account_number');
        changed = true;
      }
    }
    if (changed) out = pairs.join('&');
    return out;
  }
}

function maskFreeText(text: string, found: Set<SensitiveKind>): string {
  let out = text.replace(PAN_RE, (m) => {
    const digits = m.replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) return m;
    found.add('pan');
    return maskDigits(digits);
  });
  if (out.includes('@') || out.includes('%40')) {
    out = out.replace(EMAIL_RE, () => {
      found.add('email');
      return '{email}';
    });
  }
  return out;
}
