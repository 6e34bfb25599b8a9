/**
 * Syslog delivery into a real rsyslog started by the test: RFC 5424 over TCP with octet counting
 * (imptcp), over TLS (imtcp with the ossl driver, RFC 5425) and over UDP (imudp, RFC 5426). What
 * rsyslog writes down must be, byte for byte, the message the transport built — the formatted alert
 * intact (escapes, non-ASCII, a line break where octet counting must carry it) — and rsyslog must have
 * parsed it as RFC 5424 (PRI, hostname, app, MSGID, structured data, MSG).
 */
import {
  siemFormatter,
  syslogMessage,
  SyslogStreamTransport,
  SyslogUdpTransport,
  type OutboundRecord,
  type SiemAlert,
  type SiemFormat,
  type SyslogHeaderOptions,
} from '@vigil/connectors';
import { HOSTILE_IP_ALERT, HOSTILE_PRINCIPAL_ALERT, HOSTILE_PRODUCT } from './fixtures/hostile-alerts';
import { startRsyslog, type RsyslogServer } from './rsyslog-server';

const header: SyslogHeaderOptions = {
  facility: 'local4',
  hostname: 'vigil-test',
  appName: 'vigil',
  enterpriseNumber: 32473,
};

function outbound(alert: SiemAlert, format: SiemFormat): OutboundRecord {
  return { alert, rendered: siemFormatter(format, { product: HOSTILE_PRODUCT }).render(alert) };
}

const expectedRaw = (r: OutboundRecord) => syslogMessage(r.alert, r.rendered.text, header).toString('utf8');

describe('syslog into rsyslog', () => {
  let rsyslog: RsyslogServer;

  beforeAll(async () => {
    rsyslog = await startRsyslog();
  }, 30_000);

  afterAll(async () => {
    await rsyslog?.stop();
  });

  it('delivers CEF, LEEF, ECS and OCSF over TCP, TLS and UDP, each message intact and parsed as RFC 5424', async () => {
    const records = [
      outbound(HOSTILE_IP_ALERT, 'cef'),
      outbound(HOSTILE_PRINCIPAL_ALERT, 'leef'),
      outbound(HOSTILE_IP_ALERT, 'ecs'),
      outbound(HOSTILE_PRINCIPAL_ALERT, 'ocsf'),
    ];
    const tcp = new SyslogStreamTransport({ host: '127.0.0.1', port: rsyslog.ports.tcp, header });
    const tls = new SyslogStreamTransport({
      host: '127.0.0.1',
      port: rsyslog.ports.tls,
      header,
      tls: { ca: rsyslog.certificate, servername: 'localhost' },
    });
    const udp = new SyslogUdpTransport({ host: '127.0.0.1', port: rsyslog.ports.udp, header, maxMessageBytes: 8192 });
    try {
      for (const t of [tcp, tls, udp])
        expect(await t.send(records)).toEqual(records.map(() => ({ status: 'delivered' })));
    } finally {
      await Promise.all([tcp.close(), tls.close(), udp.close()]);
    }
    const got = await rsyslog.waitFor(12);
    for (const input of ['tcp', 'tls', 'udp']) {
      const here = got.filter((m) => m.input === input);
      // TCP and TLS keep order on one connection; UDP datagrams may in principle reorder.
      const raws = here.map((m) => m.raw);
      expect(input === 'udp' ? [...raws].sort() : raws).toEqual(
        input === 'udp' ? records.map(expectedRaw).sort() : records.map(expectedRaw),
      );
      for (const m of here) {
        expect([m.hostname, m.app]).toEqual(['vigil-test', 'vigil']);
        const r = records.find((x) => expectedRaw(x) === m.raw)!;
        // MSG is the formatted record, exactly; PRI local4 (20) × 8 + syslog severity.
        expect(m.msg).toBe(r.rendered.text);
        expect(Number(m.pri)).toBe(20 * 8 + { low: 5, medium: 4, high: 3, critical: 2 }[r.alert.severity]);
        expect(m.msgid).toBe(r.alert.detector.replace(/[^\x21-\x7e]/g, '_').slice(0, 32));
        expect(m.sd).toContain(`[vigil@32473 alertId="`);
      }
    }
    // The hostile CEF line went through untouched: escapes, the lone surrogate's U+FFFD, non-ASCII.
    const cef = got.find((m) => m.input === 'tls' && m.msg.startsWith('CEF:'))!;
    expect(cef.msg).toContain(String.raw`cs4Label=decisionIds cs4=d1,d\=2|\n`);
    expect(cef.msg).toContain('1.0\\|β');
  }, 30_000);

  it('frames by octet count: a message holding line breaks arrives whole, as one message', async () => {
    const before = (await rsyslog.received()).length;
    const pretty = { ...outbound(HOSTILE_IP_ALERT, 'ecs') };
    const multiline: OutboundRecord = {
      alert: { ...pretty.alert, id: 'multi-line' },
      rendered: { text: 'line one\nline two\r\nline three é' },
    };
    const tcp = new SyslogStreamTransport({ host: '127.0.0.1', port: rsyslog.ports.tcp, header });
    try {
      expect(await tcp.send([multiline, multiline])).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    } finally {
      await tcp.close();
    }
    const got = (await rsyslog.waitFor(before + 2)).slice(before);
    expect(got.map((m) => m.msg)).toEqual(['line one\nline two\r\nline three é', 'line one\nline two\r\nline three é']);
  }, 20_000);

  it('refuses a TLS receiver whose certificate it cannot verify, and reports it as a retry', async () => {
    const tls = new SyslogStreamTransport({
      host: '127.0.0.1',
      port: rsyslog.ports.tls,
      header,
      connectTimeoutMs: 3000,
      tls: {}, // the system's roots: the throwaway certificate is not among them
    });
    try {
      const [outcome] = await tls.send([outbound(HOSTILE_IP_ALERT, 'cef')]);
      expect(outcome).toMatchObject({ status: 'retry', code: 'connect_error' });
      expect((outcome as { detail: string }).detail).toMatch(/self[- ]signed|certificate/i);
    } finally {
      await tls.close();
    }
  });

  it('reports a receiver that is not there as a retry, and a datagram over the limit as refused', async () => {
    const gone = new SyslogStreamTransport({ host: '127.0.0.1', port: 1, header, connectTimeoutMs: 2000 });
    expect(await gone.send([outbound(HOSTILE_IP_ALERT, 'cef')])).toMatchObject([
      { status: 'retry', code: 'connect_error' },
    ]);
    await gone.close();
    const udp = new SyslogUdpTransport({ host: '127.0.0.1', port: rsyslog.ports.udp, header, maxMessageBytes: 480 });
    expect(await udp.send([outbound(HOSTILE_IP_ALERT, 'ecs')])).toMatchObject([
      { status: 'refused', code: 'too_large' },
    ]);
    await udp.close();
  });
});
