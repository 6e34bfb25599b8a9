import { createHmac } from 'node:crypto';
import { signWebhookBody, verifyWebhookSignature, webhookDeliveryId } from './webhook';

describe('webhook signatures', () => {
  const body = Buffer.from('[{"a":"é"}]');
  const secret = 'shh-0123456789';

  it('signs HMAC-SHA256 over "<timestamp>.<body>", hex, as v1=', () => {
    const expected = createHmac('sha256', secret)
      .update(Buffer.concat([Buffer.from('1700000000.'), body]))
      .digest('hex');
    expect(signWebhookBody(secret, 1_700_000_000, body)).toBe(`v1=${expected}`);
  });

  it('verifies a good signature (also among several during a rotation) and refuses tampering, replays and bad input', () => {
    const ts = '1700000000';
    const sig = signWebhookBody(secret, ts, body);
    const check = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({ secret, timestamp: ts, signature: sig, body, nowSeconds: 1_700_000_100, ...over });
    expect(check({})).toEqual({ ok: true });
    expect(check({ signature: `v1=${'0'.repeat(64)}, ${sig}` })).toEqual({ ok: true });
    expect(check({ body: Buffer.from('[{"a":"e"}]') })).toMatchObject({
      ok: false,
      reason: 'signature does not match',
    });
    expect(check({ secret: 'other-secret-0123' })).toMatchObject({ ok: false });
    expect(check({ nowSeconds: 1_700_000_000 + 301 })).toMatchObject({
      ok: false,
      reason: 'timestamp outside the tolerance',
    });
    expect(check({ timestamp: 'soon' })).toMatchObject({ ok: false });
    expect(check({ signature: 'v1=zz' })).toMatchObject({ ok: false });
    expect(check({ signature: undefined })).toMatchObject({ ok: false, reason: 'missing signature' });
  });

  it('gives a batch the same delivery id on every resend', () => {
    expect(webhookDeliveryId(['a', 'b'])).toBe(webhookDeliveryId(['a', 'b']));
    expect(webhookDeliveryId(['a', 'b'])).not.toBe(webhookDeliveryId(['ab']));
  });
});
