import { reportOf } from '../test-events';
import { inventoryCsv } from './csv-export';

function parseCsv(text: string): string[][] {
  // Enough RFC 4180 for these rows: quoted cells with doubled quotes, CRLF row ends.
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

describe('inventoryCsv', () => {
  it('writes one row per endpoint under a header, CRLF, with commas and quotes quoted', async () => {
    const r = await reportOf([{ routeTemplate: '/v1/search', query: 'q=a&sort=b' }, { routeTemplate: '/v1/cards' }]);
    const rows = parseCsv(inventoryCsv(r));
    expect(rows[0]!.slice(0, 5)).toEqual(['host', 'method', 'template', 'risk', 'risk_factors']);
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.length === rows[0]!.length)).toBe(true);
    const search = rows.find((row) => row[2] === '/v1/search')!;
    expect(search[rows[0]!.indexOf('query_keys')]).toBe('q sort');
  });

  it.each(['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd'])(
    'defuses a cell an attacker controls that starts like a formula: %j',
    async (host) => {
      const r = await reportOf([{ host, routeTemplate: '/x' }]);
      const rows = parseCsv(inventoryCsv(r));
      const cell = rows[1]![0]!;
      expect(cell).toBe(`'${host}`);
      expect(inventoryCsv(r)).not.toMatch(/(^|,|\r\n)"?[=+\-@]/m);
    },
  );
});
