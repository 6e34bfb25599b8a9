/**
 * The four formats behind one factory: a destination names its format in config and gets a formatter
 * that renders an alert as the text that goes on the wire and, for the JSON formats, the document itself
 * (Splunk HEC and webhooks embed it as JSON instead of re-parsing the text).
 */
import type { SiemAlert, SiemProduct } from '../siem-alert';
import { formatCef } from './cef';
import { ecsDocument } from './ecs';
import { formatLeef, type LeefOptions } from './leef';
import { ocsfDetectionFinding } from './ocsf';

export const SIEM_FORMATS = ['ecs', 'ocsf', 'cef', 'leef'] as const;
export type SiemFormat = (typeof SIEM_FORMATS)[number];

export interface RenderedAlert {
  /** The formatted record as sent by line transports (syslog, Kafka). */
  readonly text: string;
  /** ECS and OCSF only: the same record as a JSON value. */
  readonly json?: unknown;
}

export interface SiemFormatter {
  readonly format: SiemFormat;
  /** True for ECS and OCSF. */
  readonly isJson: boolean;
  render(alert: SiemAlert): RenderedAlert;
}

export interface SiemFormatterOptions {
  readonly product: SiemProduct;
  readonly leef?: LeefOptions;
}

export function siemFormatter(format: SiemFormat, options: SiemFormatterOptions): SiemFormatter {
  const { product } = options;
  const json = (doc: (a: SiemAlert, p: SiemProduct) => unknown): SiemFormatter => ({
    format,
    isJson: true,
    render: (a) => {
      const value = doc(a, product);
      return { text: JSON.stringify(value), json: value };
    },
  });
  switch (format) {
    case 'ecs':
      return json(ecsDocument);
    case 'ocsf':
      return json(ocsfDetectionFinding);
    case 'cef':
      return { format, isJson: false, render: (a) => ({ text: formatCef(a, product) }) };
    case 'leef':
      return { format, isJson: false, render: (a) => ({ text: formatLeef(a, product, options.leef) }) };
  }
}
