import { escapeSdParamValue, frameSyslog, syslogHeaderField, syslogMessage } from './syslog-message';

const alert = { ts: 1_700_000_000_123, severity: 'high' as const, id: 'a"1]\\', detector: 'cred stuffing|é' };

describe('RFC 5424 messages', () => {
  it('writes PRI (facility × 8 + severity), version 1, an RFC 3339 UTC time and printable-ASCII header fields', () => {
    const m = syslogMessage(alert, 'CEF:0|x', { facility: 'auth', hostname: 'host one', appName: 'vigil' }).toString(
      'utf8',
    );
    // auth (4) × 8 + err (3) = 35; MSGID is the detector with non-printable-ASCII replaced.
    expect(m).toBe('<35>1 2023-11-14T22:13:20.123Z host_one vigil - cred_stuffing|_ - CEF:0|x');
  });

  it('writes the SD element only with an enterprise number, escaping ", \\ and ] in its values', () => {
    const m = syslogMessage(alert, 'CEF:0|x', {
      facility: 'local4',
      hostname: 'h',
      appName: 'a',
      enterpriseNumber: 32473,
    });
    expect(m.toString('utf8')).toBe(
      String.raw`<163>1 2023-11-14T22:13:20.123Z h a - cred_stuffing|_ [vigil@32473 alertId="a\"1\]\\" detector="cred stuffing|é"] CEF:0|x`,
    );
    expect(escapeSdParamValue('"]\\x')).toBe(String.raw`\"\]\\x`);
  });

  it('starts MSG with the UTF-8 BOM only when asked', () => {
    const m = syslogMessage(alert, 'CEF:0|x', { facility: 'auth', hostname: 'h', appName: 'a', bom: true });
    const at = m.indexOf(Buffer.from('CEF:'));
    expect([...m.subarray(at - 3, at)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('uses NILVALUE for empty fields and cuts them at their RFC lengths', () => {
    expect(syslogHeaderField('', 48)).toBe('-');
    expect(syslogHeaderField('x'.repeat(300), 255)).toHaveLength(255);
  });

  it('frames by octet count in bytes, not characters (RFC 6587 §3.4.1)', () => {
    const msg = Buffer.from('<13>1 - - - - - - é\nü', 'utf8');
    expect(frameSyslog(msg).toString('utf8')).toBe(`${msg.length} <13>1 - - - - - - é\nü`);
    expect(msg.length).toBe(23);
    expect(frameSyslog(Buffer.from('x'), 'lf').toString()).toBe('x\n');
  });
});
