/**
 * Strings a dataset repeats on many rows (entity keys, campaign keys, styles, classes, origins), stored
 * once and referred to by a small integer code, so that a row costs a few bytes of metadata instead of
 * a handful of string pointers and a fresh `source|id` string.
 */
export class StringTable {
  private readonly codes = new Map<string, number>();
  private readonly strings: string[] = [];

  /** The code of `s`, added when new. */
  code(s: string): number {
    let c = this.codes.get(s);
    if (c === undefined) {
      c = this.strings.length;
      this.strings.push(s);
      this.codes.set(s, c);
    }
    return c;
  }

  /** The code of `s`, or -1 for null (a column with no value on this row). */
  codeOrNull(s: string | null): number {
    return s === null ? -1 : this.code(s);
  }

  string(code: number): string {
    return this.strings[code]!;
  }

  stringOrNull(code: number): string | null {
    return code < 0 ? null : this.strings[code]!;
  }

  get size(): number {
    return this.strings.length;
  }
}
