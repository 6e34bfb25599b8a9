/**
 * Inline SVG charts for the HTML report: no script, no font or image fetched, every label escaped (entity
 * values come from attackers). Stacked bars over time, horizontal bars, and a histogram.
 */
import type { Timeline } from '../evidence/evidence';

export const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];
export const colorOf = (i: number): string => PALETTE[i % PALETTE.length]!;

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function legend(keys: readonly string[], x: number, y: number): string {
  return keys
    .map(
      (k, i) =>
        `<g transform="translate(${x},${y + i * 16})"><rect width="10" height="10" fill="${colorOf(i)}"/>` +
        `<text x="14" y="9" font-size="11">${esc(k)}</text></g>`,
    )
    .join('');
}

/** Counts per bucket, one stacked series per key. */
export function stackedTimeline(title: string, t: Timeline): string {
  const keys = Object.keys(t.series);
  const W = 760;
  const H = 220;
  const left = 40;
  const plotW = 520;
  const plotH = 170;
  const top = 20;
  const totals = new Array<number>(t.buckets).fill(0);
  for (const k of keys) t.series[k]!.forEach((n, i) => (totals[i]! += n));
  const max = niceMax(Math.max(0, ...totals));
  const bw = plotW / t.buckets;
  const bars: string[] = [];
  const base = new Array<number>(t.buckets).fill(0);
  keys.forEach((k, ki) => {
    t.series[k]!.forEach((n, i) => {
      if (!n) return;
      const h = (n / max) * plotH;
      const y = top + plotH - ((base[i]! + n) / max) * plotH;
      base[i]! += n;
      bars.push(
        `<rect x="${(left + i * bw + 0.5).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${colorOf(ki)}"><title>${esc(k)}: ${n}</title></rect>`,
      );
    });
  });
  const start = Date.parse(t.start);
  const label = (i: number) =>
    new Date(start + i * t.bucketSeconds * 1000)
      .toISOString()
      .slice(t.bucketSeconds >= 86400 ? 0 : 5, 16)
      .replace('T', ' ');
  const ticks = [0, Math.floor(t.buckets / 2), t.buckets]
    .map(
      (i) =>
        `<text x="${left + i * bw}" y="${top + plotH + 14}" font-size="10" text-anchor="middle">${esc(label(i))}</text>`,
    )
    .join('');
  return svg(
    title,
    W,
    H,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>` +
      `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>` +
      `<text x="${left - 4}" y="${top + 4}" font-size="10" text-anchor="end">${max}</text>` +
      `<text x="${left - 4}" y="${top + plotH}" font-size="10" text-anchor="end">0</text>` +
      bars.join('') +
      ticks +
      `<text x="${left + plotW}" y="${top - 6}" font-size="10" text-anchor="end">per ${esc(bucketLabel(t.bucketSeconds))}, event time (UTC)</text>` +
      legend(keys, left + plotW + 20, top),
  );
}

/** One bar per key. */
export function horizontalBars(title: string, counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  const W = 760;
  const rowH = 20;
  const H = Math.max(60, entries.length * rowH + 30);
  const left = 200;
  const plotW = 480;
  const max = niceMax(Math.max(0, ...entries.map(([, n]) => n)));
  const rows = entries
    .map(([k, n], i) => {
      const w = (n / max) * plotW;
      const y = 10 + i * rowH;
      return (
        `<text x="${left - 6}" y="${y + 13}" font-size="11" text-anchor="end">${esc(k)}</text>` +
        `<rect x="${left}" y="${y + 2}" width="${Math.max(1, w).toFixed(1)}" height="${rowH - 6}" fill="${colorOf(i)}"><title>${esc(k)}: ${n}</title></rect>` +
        `<text x="${left + w + 4}" y="${y + 13}" font-size="11">${n}</text>`
      );
    })
    .join('');
  return svg(title, W, H, entries.length ? rows : `<text x="10" y="30" font-size="12">none in the period</text>`);
}

/** Bars over labelled bins. */
export function histogram(title: string, bins: readonly { readonly label: string; readonly count: number }[]): string {
  const W = 760;
  const H = 200;
  const left = 40;
  const plotW = 680;
  const plotH = 140;
  const top = 16;
  const max = niceMax(Math.max(0, ...bins.map((b) => b.count)));
  const bw = plotW / Math.max(1, bins.length);
  const bars = bins
    .map((b, i) => {
      const h = (b.count / max) * plotH;
      const x = left + i * bw;
      return (
        `<rect x="${(x + 4).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(bw - 8).toFixed(1)}" height="${h.toFixed(1)}" fill="${colorOf(0)}"><title>${esc(b.label)}: ${b.count}</title></rect>` +
        `<text x="${(x + bw / 2).toFixed(1)}" y="${top + plotH + 14}" font-size="11" text-anchor="middle">${esc(b.label)}</text>` +
        `<text x="${(x + bw / 2).toFixed(1)}" y="${(top + plotH - h - 3).toFixed(1)}" font-size="11" text-anchor="middle">${b.count}</text>`
      );
    })
    .join('');
  return svg(
    title,
    W,
    H,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>` + bars,
  );
}

function svg(title: string, w: number, h: number, body: string): string {
  return (
    `<figure><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" viewBox="0 0 ${w} ${h}" width="100%" style="max-width:${w}px" font-family="sans-serif">` +
    `<title>${esc(title)}</title>${body}</svg><figcaption>${esc(title)}</figcaption></figure>`
  );
}

function bucketLabel(s: number): string {
  if (s % 86400 === 0) return s === 86400 ? 'day' : `${s / 86400} days`;
  if (s % 3600 === 0) return s === 3600 ? 'hour' : `${s / 3600} h`;
  return s === 60 ? 'minute' : `${s / 60} min`;
}
