import { luhnValid, Masker } from './masking';

const masker = new Masker({ accountQueryKeys: ['account', 'iban'], accountPathSegments: ['accounts'] });

describe('masking', () => {
  it('masks a card number in a path, keeping the last four digits', () => {
    const r = masker.mask('/cards/4111111111111111/limits', null);
    expect(r.path).toBe('/cards/****1111/limits');
    expect(r.sensitive).toEqual(['pan']);
  });

  it('leaves the digit groups of UUIDs and hex ids alone', () => {
    // 41234567-1234-4256 is 16 digits that pass Luhn; inside a UUID it is not a card number.
    const uuid = '41234567-1234-4256-a6d8-b126fa9755bf';
    expect(masker.mask(`/v1/payments/${uuid}`, null).path).toBe(`/v1/payments/${uuid}`);
    expect(masker.mask('/v1/x/01480d78-f7f5-4111-1111-1111-1111a', null).sensitive).toEqual([]);
  });

  it('masks grouped card numbers in a query string', () => {
    const r = masker.mask('/pay', 'card=5555-5555-5555-4444&amount=10');
    expect(r.query).toBe('card=****4444&amount=10');
  });

  it('leaves digit runs that fail Luhn or look like millisecond timestamps', () => {
    expect(masker.mask('/x', 't=1764590400000').sensitive).toEqual([]);
    expect(masker.mask('/orders/4111111111111112', null).path).toBe('/orders/4111111111111112');
  });

  it('masks account numbers after an accounts segment and in account query keys', () => {
    const r = masker.mask('/accounts/12345678901/balance', 'iban=DE89370400440532013000');
    expect(r.path).toBe('/accounts/****8901/balance');
    expect(r.query).toBe('iban=****3000');
    expect(r.sensitive).toEqual(['account_number']);
  });

  it('masks e-mail addresses, plain or percent-encoded', () => {
    expect(masker.mask('/users/bob@example.com', 'cc=a%40b.io').path).toBe('/users/{email}');
    expect(masker.mask('/x', 'cc=a%40b.io').query).toBe('cc={email}');
  });

  it('returns the same strings when there is nothing sensitive', () => {
    const path = '/v1/accounts/42/transactions';
    expect(masker.mask(path, 'page=2').path).toBe(path);
    expect(masker.mask(path, 'page=2').sensitive).toEqual([]);
  });

  it('implements Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111121')).toBe(false);
  });
});
