import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedSpec } from './openapi-spec';
import { loadOpenApiSpec } from './openapi-spec';
import { SpecComparison } from './spec-comparison';

const HOST = 'api.bank.example';

function spec(
  version: string,
  ops: [method: string, path: string, deprecated?: boolean][],
  title = 'Accounts',
): LoadedSpec {
  return {
    file: `accounts-${version}.yaml`,
    title,
    version,
    openapi: '3.1.0',
    hosts: [HOST],
    operations: ops.map(([method, path, deprecated]) => ({
      method,
      path,
      deprecated: deprecated ?? false,
      operationId: null,
    })),
  };
}

describe('SpecComparison', () => {
  const v1 = spec('1.4.0', [
    ['GET', '/v1/accounts/{accountId}'],
    ['GET', '/v1/accounts/{accountId}/statements'],
    ['GET', '/v1/legacy-export'],
    ['GET', '/v1/fax'],
  ]);
  const v2 = spec('2.0.0', [
    ['GET', '/v1/accounts/{accountId}'],
    ['GET', '/v1/accounts/{accountId}/statements', true],
    ['GET', '/v1/users/{userName}'],
    ['DELETE', '/v1/payees/{payeeId}'],
  ]);

  it('documents an endpoint of the newest version whatever the slot names, and a spec slot matches a literal', () => {
    const c = new SpecComparison([v1, v2]);
    expect(c.classify(HOST, 'GET', '/v1/accounts/{id}')).toMatchObject({
      status: 'documented',
      spec: { version: '2.0.0' },
    });
    expect(c.classify(HOST, 'GET', '/v1/users/alice').status).toBe('documented');
  });

  it('calls an endpoint zombie when the newest version deprecates it', () => {
    const c = new SpecComparison([v1, v2]);
    expect(c.classify(HOST, 'GET', '/v1/accounts/{id}/statements')).toMatchObject({
      status: 'zombie',
      reason: 'deprecated in Accounts 2.0.0 but still called',
    });
  });

  it('calls an endpoint zombie when only an older version lists it and it is still called', () => {
    const c = new SpecComparison([v2, v1]); // the order of the files does not matter: versions do
    expect(c.classify(HOST, 'GET', '/v1/legacy-export')).toMatchObject({
      status: 'zombie',
      spec: { version: '1.4.0' },
      reason: 'only in Accounts 1.4.0, removed by 2.0.0, but still called',
    });
  });

  it('calls shadow what no spec of the host lists: other method, other host, other shape', () => {
    const c = new SpecComparison([v1, v2]);
    expect(c.classify(HOST, 'POST', '/v1/accounts/{id}').status).toBe('shadow');
    expect(c.classify('other.example', 'GET', '/v1/accounts/{id}').status).toBe('shadow');
    expect(c.classify(HOST, 'GET', '/v1/accounts/{id}/balances').status).toBe('shadow');
    expect(c.classify(HOST, 'GET', '/v1/users/{id}').status).toBe('documented');
    expect(new SpecComparison([]).classify(HOST, 'GET', '/x')).toMatchObject({
      status: 'shadow',
      reason: 'no OpenAPI spec was loaded',
    });
  });

  it('lists as orphans the newest operations nobody called, not the retired ones', () => {
    const c = new SpecComparison([v1, v2]);
    c.classify(HOST, 'GET', '/v1/accounts/{id}');
    c.classify(HOST, 'GET', '/v1/accounts/{id}/statements');
    expect(c.orphans().map((o) => `${o.method} ${o.path}`)).toEqual([
      'GET /v1/users/{userName}',
      'DELETE /v1/payees/{payeeId}',
    ]);
  });

  it('loads an OpenAPI 3.0 YAML file and applies it to its servers’ host under their path prefix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-spec-'));
    const file = join(dir, 'cards.yaml');
    writeFileSync(
      file,
      [
        'openapi: 3.0.3',
        'info: { title: Cards, version: "3" }',
        'servers: [{ url: "https://api.bank.example/v1" }]',
        'paths:',
        '  /cards/{cardId}:',
        '    get:',
        '      deprecated: true',
        '      parameters: [{ name: cardId, in: path, required: true, schema: { type: string } }]',
        '      responses: { "200": { description: OK } }',
      ].join('\n'),
    );
    const loaded = await loadOpenApiSpec(file);
    expect(loaded).toMatchObject({ title: 'Cards', version: '3', hosts: [HOST] });
    expect(loaded.operations).toEqual([
      { method: 'GET', path: '/v1/cards/{cardId}', deprecated: true, operationId: null },
    ]);
    expect((await loadOpenApiSpec(`other.example=${file}`)).hosts).toEqual(['other.example']);
    expect(new SpecComparison([loaded]).classify(HOST, 'GET', '/v1/cards/{id}').status).toBe('zombie');
  });
});
