/**
 * OpenAPI 3.0 / 3.1 documents (YAML or JSON), parsed and validated with @apidevtools/swagger-parser
 * (local files and local `$ref`s only: nothing is fetched). A spec applies to the hosts of its
 * `servers` URLs (with their path prefix, `https://api.bank.example/v1` → host `api.bank.example`,
 * prefix `/v1`); a spec with no absolute server URL, or bound on the command line with `HOST=FILE`,
 * applies to that host or to every host (`*`).
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { canonicalTemplate } from '../templating/template-resolver';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface SpecOperation {
  readonly method: string;
  /** Full path template including the server prefix. */
  readonly path: string;
  readonly deprecated: boolean;
  readonly operationId: string | null;
}

export interface LoadedSpec {
  readonly file: string;
  readonly title: string;
  readonly version: string;
  readonly openapi: string;
  /** Hosts this spec documents; `*` for any. */
  readonly hosts: readonly string[];
  readonly operations: readonly SpecOperation[];
}

export class SpecError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SpecError';
  }
}

interface ServerObject {
  url?: string;
  variables?: Record<string, { default?: string }>;
}
interface OperationObject {
  deprecated?: boolean;
  operationId?: string;
}
interface OpenApiDocument {
  openapi?: string;
  swagger?: string;
  info?: { title?: string; version?: string };
  servers?: ServerObject[];
  paths?: Record<string, Record<string, unknown> | undefined>;
}

/** `file`, or `host=file` to bind the spec to one host whatever its servers say. */
export async function loadOpenApiSpec(argument: string): Promise<LoadedSpec> {
  const eq = argument.indexOf('=');
  const boundHost = eq > 0 && !argument.slice(0, eq).includes('/') ? argument.slice(0, eq).toLowerCase() : null;
  const file = boundHost ? argument.slice(eq + 1) : argument;
  let doc: OpenApiDocument;
  try {
    doc = (await SwaggerParser.validate(file)) as unknown as OpenApiDocument;
  } catch (err) {
    throw new SpecError(`OpenAPI spec ${file} is invalid: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (!doc.openapi || !/^3\.[01]\./.test(doc.openapi)) {
    throw new SpecError(`${file}: only OpenAPI 3.0 and 3.1 are supported (got ${doc.openapi ?? doc.swagger})`);
  }
  const servers = (doc.servers ?? []).map(serverOf);
  const prefixes = servers.length ? [...new Set(servers.map((s) => s.prefix))] : [''];
  const hosts = boundHost
    ? [boundHost]
    : servers.some((s) => s.host)
      ? [...new Set(servers.filter((s) => s.host).map((s) => s.host!))]
      : ['*'];
  const operations: SpecOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!item) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method] as OperationObject | undefined;
      if (!op) continue;
      for (const prefix of prefixes) {
        operations.push({
          method: method.toUpperCase(),
          path: canonicalTemplate(`${prefix}/${path}`),
          deprecated: op.deprecated === true,
          operationId: op.operationId ?? null,
        });
      }
    }
  }
  return {
    file,
    title: doc.info?.title ?? file,
    version: doc.info?.version ?? '0',
    openapi: doc.openapi,
    hosts,
    operations,
  };
}

function serverOf(server: ServerObject): { host: string | null; prefix: string } {
  let url = server.url ?? '/';
  for (const [name, v] of Object.entries(server.variables ?? {})) url = url.split(`{${name}}`).join(v.default ?? '');
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/:]+)(?::\d+)?(\/.*)?$/i.exec(url);
  if (m) return { host: m[1]!.toLowerCase(), prefix: stripSlash(m[2] ?? '') };
  return { host: null, prefix: stripSlash(url.startsWith('/') ? url : '') };
}

function stripSlash(p: string): string {
  return p.replace(/\/+$/, '');
}

/** Documented path templates per host, for the template resolver. */
export function documentedTemplates(specs: readonly LoadedSpec[]): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const s of specs) {
    for (const h of s.hosts) {
      const set = out.get(h) ?? new Set<string>();
      for (const op of s.operations) set.add(op.path);
      out.set(h, set);
    }
  }
  return new Map([...out].map(([h, set]) => [h, [...set].sort()]));
}

/** Orders `1.10.0` after `1.9.2`; non-numeric parts compare as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/i, '').split(/[.\-+]/);
  const pb = b.replace(/^v/i, '').split(/[.\-+]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx - ny;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
