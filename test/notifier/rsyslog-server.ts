/**
 * A throwaway rsyslog (Debian's /usr/sbin/rsyslogd) for the notifier's syslog tests: its own config in a
 * temp dir, listening on free loopback ports with imptcp (plain TCP, octet-counted framing detected),
 * imtcp over the ossl netstream driver (TLS, RFC 5425, a certificate made with openssl for the run) and
 * imudp, and writing every message it receives as one JSON line (input, raw message, and the RFC 5424
 * fields rsyslog parsed) to a file the test reads.
 *
 * rsyslog escapes control characters on receipt by default (a line break becomes `#012`); that is
 * turned off here so that the test sees the bytes that arrived. maxMessageSize is raised to 64 KiB
 * (rsyslog's default, 8 KiB, would cut a long record). TLS input needs the ossl (or gtls) netstream
 * driver, which Debian ships apart: rsyslog-openssl (listed in test/system-packages.txt).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getFreePort } from '../infra/free-port';
import { spawnOwned, type OwnedProcess } from '../infra/owned-process';
import { missingPackageError, requireExecutable } from '../infra/system-packages';

const run = promisify(execFile);
const RSYSLOGD = '/usr/sbin/rsyslogd';
const OSSL_DRIVER = '/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so';

export interface ReceivedSyslog {
  /** `tcp`, `tls` or `udp`: the input it came in on. */
  readonly input: string;
  /** The syslog message as received (without the octet count). */
  readonly raw: string;
  readonly pri: string;
  readonly hostname: string;
  readonly app: string;
  readonly msgid: string;
  readonly sd: string;
  readonly msg: string;
}

export interface RsyslogServer {
  readonly ports: { readonly tcp: number; readonly tls: number; readonly udp: number };
  /** PEM of the throwaway certificate (self-signed for `localhost` and 127.0.0.1): the client's CA. */
  readonly certificate: string;
  /** Every message written so far, in arrival order. */
  received(): Promise<ReceivedSyslog[]>;
  /** Until `count` messages have arrived (or throws after `timeoutMs`, listing what came). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedSyslog[]>;
  stop(): Promise<void>;
}

export async function startRsyslog(): Promise<RsyslogServer> {
  requireExecutable(RSYSLOGD, 'rsyslog');
  if (!existsSync(OSSL_DRIVER)) throw missingPackageError('rsyslog TLS driver lmnsd_ossl.so', 'rsyslog-openssl');
  const dir = await mkdtemp(join(tmpdir(), 'vigil-rsyslog-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
  ]); // prettier-ignore
  const [tcp, tls, udp] = [await getFreePort(), await getFreePort(), await freeUdpPort()];
  const out = join(dir, 'received.jsonl');
  await writeFile(out, '');
  await writeFile(
    join(dir, 'rsyslog.conf'),
    `global(workDirectory="${dir}" maxMessageSize="64k" parser.escapeControlCharactersOnReceive="off"
  defaultNetstreamDriverCAFile="${cert}" defaultNetstreamDriverCertFile="${cert}" defaultNetstreamDriverKeyFile="${key}")
module(load="imptcp")
module(load="imudp")
module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imptcp" address="127.0.0.1" port="${tcp}" name="tcp")
input(type="imtcp" address="127.0.0.1" port="${tls}" name="tls")
input(type="imudp" address="127.0.0.1" port="${udp}" name="udp")
template(name="received" type="list" option.jsonf="on") {
  property(outname="input" name="inputname" format="jsonf")
  property(outname="raw" name="rawmsg" format="jsonf")
  property(outname="pri" name="pri" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
}
action(type="omfile" file="${out}" template="received" asyncWriting="off" flushOnTXEnd="on")
`,
  );
  const proc: OwnedProcess = await spawnOwned('rsyslogd', RSYSLOGD, [
    '-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid'),
  ]); // prettier-ignore
  const received = async (): Promise<ReceivedSyslog[]> =>
    (await readFile(out, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ReceivedSyslog);
  await waitUntilListening(proc, tcp);
  return {
    ports: { tcp, tls, udp },
    certificate: await readFile(cert, 'utf8'),
    received,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = await received();
        if (got.length >= count) return got;
        if (Date.now() > deadline)
          throw new Error(
            `rsyslog got ${got.length} of ${count} messages:\n${JSON.stringify(got)}\n${proc.recentOutput()}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** rsyslog opens its inputs after reading the config; a connect to the TCP input says it is up. */
async function waitUntilListening(proc: OwnedProcess, port: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 10_000;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`rsyslogd exited before listening:\n${proc.recentOutput()}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`rsyslogd did not listen on ${port} within 10 s:\n${proc.recentOutput()}`);
}
