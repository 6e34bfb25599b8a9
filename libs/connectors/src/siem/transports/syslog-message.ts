/**
 * RFC 5424 syslog messages and their framing on a stream.
 *
 *   SYSLOG-MSG = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]
 *
 * (https://www.rfc-editor.org/rfc/rfc5424#section-6). Header fields are PRINTUSASCII (%d33-126) with
 * lengths 255 / 48 / 128 / 32 and `-` for an empty one; anything else in them becomes `_` here. SD-PARAM
 * values escape `"`, `\` and `]` with a backslash (§6.3.3). MSG is the formatted alert, UTF-8, with the
 * BOM of §6.4 only when asked for (CEF and LEEF receivers look for `CEF:` / `LEEF:` at the start of MSG,
 * and a BOM hides it from many of them; without a BOM the MSG is §6.4's MSG-ANY, which is allowed).
 *
 * On TCP and TLS each message is framed by octet counting, `MSG-LEN SP SYSLOG-MSG` with MSG-LEN in bytes
 * (RFC 6587 §3.4.1, required by RFC 5425 §4.3 for TLS): a message may then hold any byte, line breaks
 * included. Non-transparent framing (a trailing LF, RFC 6587 §3.4.2) is there for receivers that know no
 * other; all four formats keep LF out of their text, so it is safe with them. UDP (RFC 5426) sends one
 * message per datagram, unframed.
 */
import type { SiemAlert, SiemSeverity } from '../siem-alert';

/** RFC 5424 §6.2.1 facility codes. */
export const SYSLOG_FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  audit: 13,
  alert: 14,
  clock: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;
export type SyslogFacility = keyof typeof SYSLOG_FACILITIES;

/** Alert severity → syslog severity: critical 2 (Critical), high 3 (Error), medium 4 (Warning), low 5 (Notice). */
export const SYSLOG_SEVERITY: Readonly<Record<SiemSeverity, number>> = { critical: 2, high: 3, medium: 4, low: 5 };

export type SyslogFraming = 'octet-counting' | 'lf';

export interface SyslogHeaderOptions {
  readonly facility: SyslogFacility;
  /** FQDN, hostname or IP of this machine; `-` when unknown. */
  readonly hostname: string;
  readonly appName: string;
  /** Default: `-` (the PROCID of a restarted notifier would change for the same alert). */
  readonly procId?: string;
  /**
   * With an IANA Private Enterprise Number, each message carries `[vigil@<pen> alertId="…" detector="…"]`
   * so that a receiver can dedupe without parsing MSG. Without one no SD element is written: an SD-ID
   * containing `@` must name a registered number (RFC 5424 §7.2.2).
   */
  readonly enterpriseNumber?: number;
  /** Start MSG with the UTF-8 BOM (RFC 5424 §6.4 MSG-UTF8). Default false. */
  readonly bom?: boolean;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A header field: PRINTUSASCII only (others → `_`), cut to `max`, `-` when empty. */
export function syslogHeaderField(value: string, max: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return printable === '' ? '-' : printable;
}

/** An SD-PARAM value: `"`, `\` and `]` escaped with a backslash. */
export function escapeSdParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** What of an alert the syslog header carries. */
export type SyslogAlertFields = Pick<SiemAlert, 'id' | 'ts' | 'severity' | 'detector'>;

/**
 * One RFC 5424 message as bytes: `text` (the formatted alert) as MSG, the alert's time, severity and
 * detector in the header. MSGID is the detector's name (printable ASCII, 32 at most).
 */
export function syslogMessage(alert: SyslogAlertFields, text: string, options: SyslogHeaderOptions): Buffer {
  const pri = SYSLOG_FACILITIES[options.facility] * 8 + SYSLOG_SEVERITY[alert.severity];
  const sd =
    options.enterpriseNumber === undefined
      ? '-'
      : `[vigil@${options.enterpriseNumber} alertId="${escapeSdParamValue(alert.id)}" detector="${escapeSdParamValue(alert.detector)}"]`;
  const header = [
    `<${pri}>1`,
    new Date(alert.ts).toISOString(),
    syslogHeaderField(options.hostname, 255),
    syslogHeaderField(options.appName, 48),
    syslogHeaderField(options.procId ?? '-', 128),
    syslogHeaderField(alert.detector, 32),
    sd,
  ].join(' ');
  const head = Buffer.from(`${header} `, 'utf8');
  const msg = Buffer.from(text, 'utf8');
  return options.bom ? Buffer.concat([head, BOM, msg]) : Buffer.concat([head, msg]);
}

/** RFC 6587 framing of one message for a stream transport. */
export function frameSyslog(message: Buffer, framing: SyslogFraming = 'octet-counting'): Buffer {
  return framing === 'lf'
    ? Buffer.concat([message, Buffer.from('\n')])
    : Buffer.concat([Buffer.from(`${message.length} `, 'ascii'), message]);
}
