/**
 * NGINX JSON access logs: `log_format vigil escape=json '{"remote_addr":"$remote_addr", …}'`, one object a
 * line. The keys default to the NGINX variable names (`remote_addr`, `time_iso8601`, `request`, `status`,
 * `http_user_agent`, `http_x_login_username`, `cookie_sid`, …); every `http_*` key is a request header and
 * every `cookie_*` key a cookie, whatever its name. The mapping is the text decoder's (nginx-variables.ts).
 *
 * `config.fields` maps a variable to the key it is logged under: `{ time_iso8601: 'time',
 * http_x_login_username: 'login_user' }`. Keys: the variables of NGINX_VARIABLES, `http_<name>`, `cookie_<name>`.
 *
 * Numbers are accepted unquoted (`"status":$status`). A format written without `escape=json` produces
 * `\xHH` escapes, which are not JSON: those lines dead-letter as malformed_json.
 */
import type { DecodeResult } from '../dead-letter';
import type { JsonRecordDecoder } from '../decoder';
import type { RawRequest } from '../raw-request';
import { ConfigError, type SourceConfig } from '../source-config';
import { jsonDecoder } from './json-line';
import { NGINX_VARIABLES, NginxValues, nginxRequest, nginxTarget, type NginxTarget } from './nginx-variables';

/** Keys outside the configured set are looked up once and remembered; the cap bounds hostile key floods. */
const DYNAMIC_KEY_CACHE_CAP = 4096;

export function createNginxJsonDecoder(config: SourceConfig): JsonRecordDecoder {
  const decoder = new NginxJsonDecoder(config.fields);
  return jsonDecoder('nginx-json', (rec) => decoder.decodeObject(rec));
}

class NginxJsonDecoder {
  private readonly byKey = new Map<string, NginxTarget>();
  private readonly dynamic = new Map<string, NginxTarget | null>();
  private readonly values = new NginxValues();
  /** Variables the config moved to another key: their own name is no longer read. */
  private readonly moved: ReadonlySet<string>;

  constructor(fields: Readonly<Record<string, string>>) {
    this.moved = new Set(Object.keys(fields));
    const issues: string[] = [];
    for (const [variable, key] of Object.entries(fields)) {
      const target = nginxTarget(variable);
      if (target === null) issues.push(`fields.${variable}: not an NGINX variable the nginx-json decoder reads`);
      else this.byKey.set(key, target);
    }
    if (issues.length > 0) {
      throw new ConfigError(
        `config is invalid:\n  - ${issues.join('\n  - ')}\n  (variables: ${NGINX_VARIABLES.join(', ')}, http_*, cookie_*)`,
        issues,
      );
    }
    for (const variable of NGINX_VARIABLES) {
      if (!this.moved.has(variable) && !this.byKey.has(variable)) this.byKey.set(variable, nginxTarget(variable)!);
    }
  }

  decodeObject(rec: Record<string, unknown>): DecodeResult<RawRequest> {
    const values = this.values;
    values.reset();
    for (const key in rec) {
      const target = this.byKey.get(key) ?? this.dynamicTarget(key);
      if (target !== null) values.set(target, rec[key]);
    }
    return nginxRequest(values, 'nginx-json', rec);
  }

  private dynamicTarget(key: string): NginxTarget | null {
    const c0 = key.charCodeAt(0);
    if (c0 !== 104 /* h */ && c0 !== 99 /* c */) return null;
    let target = this.dynamic.get(key);
    if (target === undefined) {
      // Fixed variables are all in byKey unless moved; a moved http_*/cookie_* is read from its new key only.
      target = this.moved.has(key) ? null : nginxTarget(key);
      if (target !== null && target.kind === 'var') target = null;
      if (this.dynamic.size >= DYNAMIC_KEY_CACHE_CAP) this.dynamic.clear();
      this.dynamic.set(key, target);
    }
    return target;
  }
}
