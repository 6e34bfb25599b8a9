/**
 * Signatures (field → required value, every field must match) indexed by their most selective field: a
 * request is checked against the signatures filed under its own value of each field in use — a handful
 * of map lookups and the candidates they return, never every signature.
 */
import { SIGNATURE_FIELDS, type Signature, type SignatureField } from '@vigil/detection';

/** The request's side of a signature match: its value of each field a signature may name. */
export type SignatureSubject = Readonly<Partial<Record<SignatureField, string | null>>>;

/**
 * Most selective first: a TLS fingerprint or user agent narrows a campaign to a few tools; a route class
 * or method is shared by most traffic and is used only when a signature names nothing else.
 */
const SELECTIVITY: readonly SignatureField[] = [
  'tlsFingerprint',
  'userAgent',
  'path',
  'host',
  'asn',
  'country',
  'routeClass',
  'method',
];

export function indexFieldOf(signature: Signature): SignatureField | null {
  for (const f of SELECTIVITY) if (signature[f] !== undefined) return f;
  return null;
}

export function signatureMatches(signature: Signature, subject: SignatureSubject): boolean {
  for (const f of SIGNATURE_FIELDS) {
    const want = signature[f];
    if (want !== undefined && subject[f] !== want) return false;
  }
  return true;
}

export class SignatureIndex<T> {
  private readonly byField = new Map<SignatureField, Map<string, Set<T>>>();
  private count = 0;

  constructor(private readonly signatureOf: (item: T) => Signature) {}

  get size(): number {
    return this.count;
  }

  /** False (and nothing stored) for a signature that names no field: it would match every request. */
  add(item: T): boolean {
    const signature = this.signatureOf(item);
    const field = indexFieldOf(signature);
    if (!field) return false;
    let values = this.byField.get(field);
    if (!values) this.byField.set(field, (values = new Map()));
    const value = signature[field]!;
    let items = values.get(value);
    if (!items) values.set(value, (items = new Set()));
    if (!items.has(item)) {
      items.add(item);
      this.count++;
    }
    return true;
  }

  remove(item: T): boolean {
    const signature = this.signatureOf(item);
    const field = indexFieldOf(signature);
    const values = field ? this.byField.get(field) : undefined;
    const items = values?.get(signature[field!]!);
    if (!items?.delete(item)) return false;
    this.count--;
    if (items.size === 0) values!.delete(signature[field!]!);
    if (values!.size === 0) this.byField.delete(field!);
    return true;
  }

  /** Every stored signature the subject matches in all its fields. */
  matching(subject: SignatureSubject, out: T[] = []): T[] {
    for (const [field, values] of this.byField) {
      const own = subject[field];
      if (own === null || own === undefined) continue;
      const candidates = values.get(own);
      if (!candidates) continue;
      for (const item of candidates) if (signatureMatches(this.signatureOf(item), subject)) out.push(item);
    }
    return out;
  }
}
