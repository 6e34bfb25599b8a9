/**
 * NGINX text access logs. The lines follow a `log_format` (https://nginx.org/en/docs/http/ngx_http_log_module.html),
 * by default `combined`; a source names its own with `nginxLogFormat`, written as NGINX joins it (the
 * single-quoted pieces of a multi-line `log_format` directive may be pasted as they are).
 *
 * The format is compiled once, per decoder, into one anchored RegExp: literal text is escaped, each
 * `$name` / `${name}` becomes a capture. A variable followed by `"` captures up to the closing quote
 * (skipping `\"`); any other variable captures up to the first character of the literal after it; a
 * variable at the end takes the rest of the line. Variables are mapped by nginx-variables.ts.
 *
 * Escapes: in the default `escape=default` mode NGINX writes `"`, `\`, control characters and every byte
 * above 0x7E as `\xHH`. Values are decoded back to their bytes and read as UTF-8, so that a UTF-8 user
 * agent reads as written and a control character reaches the normalizer, which replaces it and notes
 * `control_chars`. Bytes that are not UTF-8 become U+FFFD. `\"` and `\\` (from log shippers that re-escape)
 * are decoded too.
 */
import { fail, type DecodeResult } from '../dead-letter';
import type { LineDecoder } from '../decoder';
import type { RawRequest } from '../raw-request';
import { ConfigError, type SourceConfig } from '../source-config';
import { NginxValues, nginxRequest, nginxTarget, type NginxTarget } from './nginx-variables';

export const NGINX_COMBINED_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

export interface CompiledNginxFormat {
  readonly regex: RegExp;
  /** The variable of each capture group, in order. */
  readonly variables: readonly string[];
  /** Where each capture goes; null for variables Vigil does not read. */
  readonly targets: readonly (NginxTarget | null)[];
}

type FormatPart = { readonly literal: string } | { readonly variable: string };

const NAME_CHAR_RE = /[A-Za-z0-9_]/;
/** Up to an unescaped `"`, in the unrolled-loop form that cannot backtrack badly on hostile lines. */
const QUOTED_CAPTURE = '([^"\\\\]*(?:\\\\.[^"\\\\]*)*)';

export function compileNginxFormat(format: string): CompiledNginxFormat {
  const parts = tokenize(joinConfigPieces(format));
  const variables: string[] = [];
  let source = '^';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if ('literal' in part) {
      source += escapeRegExp(part.literal);
      continue;
    }
    variables.push(part.variable);
    const next = parts[i + 1];
    if (next === undefined) source += '(.*?)';
    else if (!('literal' in next)) source += '(.*?)';
    else if (next.literal.charCodeAt(0) === 34 /* " */) source += QUOTED_CAPTURE;
    else source += `([^${escapeClass(next.literal[0]!)}]*)`;
  }
  source += '\\r?$';
  if (variables.length === 0) {
    throw new ConfigError('config is invalid:\n  - nginxLogFormat: has no $variable', [
      'nginxLogFormat: has no $variable',
    ]);
  }
  return { regex: new RegExp(source), variables, targets: variables.map(nginxTarget) };
}

export function createNginxDecoder(config: SourceConfig): LineDecoder {
  const keys = Object.keys(config.fields);
  if (keys.length > 0) {
    const issues = keys.map((k) => `fields.${k}: the nginx text decoder reads nginxLogFormat, not fields`);
    throw new ConfigError(`config is invalid:\n  - ${issues.join('\n  - ')}`, issues);
  }
  return new NginxTextDecoder(config.nginxLogFormat);
}

class NginxTextDecoder implements LineDecoder {
  readonly format = 'nginx';
  private readonly compiled: CompiledNginxFormat;
  private readonly formatName: string;
  private readonly values = new NginxValues();

  constructor(logFormat: string | undefined) {
    this.compiled = compileNginxFormat(logFormat ?? NGINX_COMBINED_FORMAT);
    this.formatName = logFormat === undefined ? 'combined' : 'nginxLogFormat';
  }

  decode(line: string): DecodeResult<RawRequest> {
    const m = this.compiled.regex.exec(line);
    if (m === null) return fail('unparseable_line', `line does not match the ${this.formatName} log format`);
    const targets = this.compiled.targets;
    const values = this.values;
    values.reset();
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i];
      if (target === null || target === undefined) continue;
      const raw = m[i + 1];
      if (raw === undefined) continue;
      values.set(target, raw.indexOf('\\') < 0 ? raw : decodeNginxEscapes(raw));
    }
    return nginxRequest(values, 'nginx', null);
  }
}

/** `\xHH` → the byte, `\"` → `"`, `\\` → `\`; the bytes are then read as UTF-8. */
export function decodeNginxEscapes(s: string): string {
  const out = Buffer.allocUnsafe(Buffer.byteLength(s, 'utf8'));
  let n = 0;
  let runStart = 0;
  let i = s.indexOf('\\');
  while (i >= 0) {
    const d = s.charCodeAt(i + 1);
    let byte = -1;
    let width = 0;
    if (d === 120 /* x */) {
      const hi = hexValue(s.charCodeAt(i + 2));
      const lo = hexValue(s.charCodeAt(i + 3));
      if (hi >= 0 && lo >= 0) {
        byte = hi * 16 + lo;
        width = 4;
      }
    } else if (d === 34 || d === 92) {
      byte = d;
      width = 2;
    }
    if (byte < 0) {
      i = s.indexOf('\\', i + 1);
      continue;
    }
    if (i > runStart) n += out.write(s.slice(runStart, i), n, 'utf8');
    out[n++] = byte;
    runStart = i + width;
    i = s.indexOf('\\', runStart);
  }
  if (runStart < s.length) n += out.write(s.slice(runStart), n, 'utf8');
  return out.toString('utf8', 0, n);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** `'$remote_addr - [$time_local] ' '"$request" $status'` (as in nginx.conf) → the joined format. */
function joinConfigPieces(format: string): string {
  const trimmed = format.trim();
  if (!trimmed.startsWith("'") || !trimmed.endsWith("'")) return format;
  const pieces = [...trimmed.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
  return pieces.join('');
}

function tokenize(format: string): FormatPart[] {
  const parts: FormatPart[] = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '$') {
      literal += c;
      continue;
    }
    let name = '';
    let end = i + 1;
    if (format[end] === '{') {
      const close = format.indexOf('}', end);
      if (close < 0) throw formatError(`unterminated \${ at position ${i}`);
      name = format.slice(end + 1, close);
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw formatError(`invalid variable name \${${name}}`);
      end = close + 1;
    } else {
      while (end < format.length && NAME_CHAR_RE.test(format[end]!)) name += format[end++];
    }
    if (name.length === 0) {
      literal += c; // a lone `$` is text
      continue;
    }
    if (literal) parts.push({ literal });
    literal = '';
    parts.push({ variable: name.toLowerCase() });
    i = end - 1;
  }
  if (literal) parts.push({ literal });
  return parts;
}

function formatError(message: string): ConfigError {
  return new ConfigError(`config is invalid:\n  - nginxLogFormat: ${message}`, [`nginxLogFormat: ${message}`]);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function escapeClass(c: string): string {
  return c === ']' || c === '\\' || c === '^' || c === '-' ? `\\${c}` : c;
}
