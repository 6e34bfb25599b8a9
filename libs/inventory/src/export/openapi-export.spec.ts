import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportOf } from '../test-events';
import { observedOpenApi } from './openapi-export';

/** @seriousme/openapi-schema-validator is an ES module, which Jest on Node 20 cannot load: a plain node runs it. */
function validate(doc: object): { valid: boolean; version: string; errors?: unknown } {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-oas-')), 'observed.json');
  writeFileSync(file, JSON.stringify(doc));
  const script = `import { Validator } from '@seriousme/openapi-schema-validator';
    const v = new Validator(); const r = await v.validate(${JSON.stringify(file)});
    console.log(JSON.stringify({ ...r, version: v.version }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: __dirname });
  return JSON.parse(out.toString()) as { valid: boolean; version: string };
}

describe('observedOpenApi', () => {
  it('writes an OpenAPI 3.1 document the schema validator accepts, with typed slots, query keys, responses, security', async () => {
    const report = await reportOf([
      { routeTemplate: '/v1/accounts/{id}/transactions/{uuid}', query: 'page=2&from=2026-01-01', authType: 'bearer' },
      { routeTemplate: '/v1/accounts/{id}/transactions/{uuid}', status: 404, authType: 'none' },
      { routeTemplate: '/v1/accounts/{id}/transfers/{id}', method: 'POST', authType: 'session_cookie' },
      { routeTemplate: '/v1/cards', host: 'cards.bank.example', authType: 'api_key' },
      { routeTemplate: '/v1/odd/{curly}', authType: 'basic' },
    ]);
    const doc = observedOpenApi(report, { apiKeyHeader: 'x-api-key', sessionCookie: 'bank_sid' });
    expect(validate(doc)).toEqual({ valid: true, version: '3.1' });

    const paths = doc['paths'] as Record<string, Record<string, Record<string, unknown>>>;
    const get = paths['/v1/accounts/{id}/transactions/{uuid}']!['get']!;
    expect(get['parameters']).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'integer', format: 'int64' } },
      { name: 'uuid', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
      { name: 'from', in: 'query', required: false, schema: { type: 'string' } },
      { name: 'page', in: 'query', required: false, schema: { type: 'integer' } },
    ]);
    expect(Object.keys(get['responses'] as object)).toEqual(['200', '404']);
    // Bearer or anonymous: both were served.
    expect(get['security']).toEqual([{ bearerAuth: [] }, {}]);
    expect(Object.keys(paths)).toContain('/v1/accounts/{id}/transfers/{id2}');
    expect(paths['/v1/cards']!['servers']).toEqual([{ url: 'https://cards.bank.example' }]);
    expect((doc['components'] as { securitySchemes: unknown }).securitySchemes).toEqual({
      apiKeyAuth: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      basicAuth: { type: 'http', scheme: 'basic' },
      bearerAuth: { type: 'http', scheme: 'bearer' },
      sessionCookie: { type: 'apiKey', in: 'cookie', name: 'bank_sid' },
    });
  });

  it('is valid with no endpoints at all (and the validator does reject a broken document)', async () => {
    expect(validate(observedOpenApi(await reportOf([])))).toEqual({ valid: true, version: '3.1' });
    expect(validate({ openapi: '3.1.0', info: { title: 'x' }, paths: {} }).valid).toBe(false);
  });
});
