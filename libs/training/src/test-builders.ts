/**
 * Builders for the training lib's own specs: an AccessEvent in one line, and a detector dataset from a
 * few readable row descriptions. (Kept beside the code, like @vigil/inventory's test-events.)
 */
import { ACCESS_EVENT_VERSION, type AccessEvent } from '@vigil/events';
import { newDataset } from './dataset/dataset-builder';
import type { Dataset } from './dataset/dataset';
import { DETECTOR_DEFINITIONS, type DetectorId } from './detectors/detector-definitions';

export function accessEvent(overrides: Partial<AccessEvent> = {}): AccessEvent {
  return {
    v: ACCESS_EVENT_VERSION,
    ts: Date.UTC(2026, 2, 2, 9),
    source: 'kong',
    gateway: 'kong',
    requestId: null,
    clientIp: '81.2.0.7',
    subnet: '81.2.0.0/24',
    asn: null,
    country: null,
    userAgent: 'test',
    tlsFingerprint: null,
    deviceId: null,
    sessionId: null,
    apiKeyId: null,
    principal: null,
    principalSource: null,
    authType: 'none',
    method: 'GET',
    host: 'api.bank.example',
    path: '/v1/products',
    query: null,
    routeTemplate: '/v1/products',
    routeClass: 'other',
    status: 200,
    bytesIn: 0,
    bytesOut: 512,
    latencyMs: 20,
    sensitive: [],
    sanitized: [],
    malformed: null,
    ...overrides,
  };
}

export interface RowSpec {
  readonly entity: string;
  readonly at: number;
  /** A positive row of this campaign (and style). */
  readonly campaign?: string;
  readonly style?: string;
  readonly trap?: string;
  /** Default: the campaign, else the entity. */
  readonly splitKey?: string;
  readonly origin?: 'history' | 'simulated';
  /** Feature value written in every column (default 0). */
  readonly value?: number;
}

export function datasetOf(rows: readonly RowSpec[], detector: DetectorId = 'credential-stuffing'): Dataset {
  const ds = newDataset(DETECTOR_DEFINITIONS[detector]);
  for (const r of rows) {
    const v = new Float32Array(ds.width).fill(r.value ?? 0);
    ds.push(v, 0, {
      label: r.campaign ? 1 : 0,
      entityKey: r.entity,
      at: r.at,
      campaign: r.campaign ?? null,
      style: r.campaign ? (r.style ?? 'unspecified') : null,
      trap: r.trap ?? null,
      splitKey: r.splitKey ?? r.campaign ?? r.entity,
      origin: r.origin ?? 'history',
    });
  }
  return ds;
}
