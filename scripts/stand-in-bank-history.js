#!/usr/bin/env node
'use strict';
/**
 * A stand-in bank's history, as a data team would receive it: hours of Kong logs of one simulated bank
 * (one continuous run, so campaigns and customers run across the hours), cut into one file an hour, with
 * the SOC's knowledge beside them in the incident format (incidents.ndjson with campaign ids, benign.ndjson
 * with NAT ranges, partner keys, crawler and monitor addresses, travellers). The simulator's own ground
 * truth goes to truth/ (never read by vigil train from history/). Needs `npm run build` first.
 *
 *   node scripts/stand-in-bank-history.js --out DIR [--profile northbank] [--hours 6] [--seed 41] [--scale 1]
 *                                         [--gzip 1]
 *
 * Writes DIR/history/kong-HH.log (one per hour; kong-HH.log.gz with --gzip 1), DIR/history/incidents.ndjson,
 * DIR/history/benign.ndjson, DIR/truth/{labels.json,request-labels.ndjson,routes.json,manifest.json}.
 *
 * Streaming: each request goes straight into its hour's file as it is generated (no whole-run file to
 * split afterwards), so a day of history needs the disk for the day once and the memory of an hour.
 * Files are named by hour of day: runs over 24 hours would reuse names and are refused. A day at scale
 * 4.5 is about 10M requests (≈ 26 GB of Kong JSON, ≈ 2.5 GB with --gzip 1).
 */
const { createWriteStream, mkdirSync, writeFileSync } = require('node:fs');
const { Buffer } = require('node:buffer');
const { once } = require('node:events');
const { join } = require('node:path');
const { createGzip, constants: zlib } = require('node:zlib');
const { Simulation, SIMULATOR_VERSION, createWriter, isBankProfileId, sourceConfigFor } = require('@vigil/simulator');
const { incidentRecordsFromLabels } = require('@vigil/training');

function args(argv) {
  const o = { profile: 'northbank', hours: 6, seed: 41, scale: 1, gzip: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in o) && k !== 'out') throw new Error(`unknown option ${argv[i]}`);
    o[k] = k === 'out' || k === 'profile' ? argv[i + 1] : Number(argv[i + 1]);
  }
  if (!o.out) throw new Error('--out DIR is required');
  if (!isBankProfileId(o.profile)) throw new Error(`--profile ${o.profile} is not a bank profile`);
  if (!(o.hours > 0 && o.hours <= 24)) throw new Error('--hours must be in (0, 24]: files are named by hour of day');
  return o;
}

/** Lines joined a thousand at a time, written with backpressure, into a plain or gzipped file. */
class LineFile {
  constructor(path, gzip) {
    this.file = createWriteStream(path);
    this.out = gzip ? createGzip({ level: zlib.Z_BEST_SPEED }) : this.file;
    if (gzip) this.out.pipe(this.file);
    this.lines = [];
    this.bytes = 0;
  }
  push(line) {
    this.lines.push(line);
    return this.lines.length >= 1024 ? this.flush() : null;
  }
  flush() {
    if (!this.lines.length) return null;
    const buf = Buffer.from(`${this.lines.join('\n')}\n`);
    this.lines = [];
    this.bytes += buf.length;
    return this.out.write(buf) ? null : once(this.out, 'drain');
  }
  async close() {
    await this.flush();
    this.out.end();
    await once(this.file, 'finish');
  }
}

async function main() {
  const o = args(process.argv.slice(2));
  const truth = join(o.out, 'truth');
  const history = join(o.out, 'history');
  mkdirSync(history, { recursive: true });
  mkdirSync(truth, { recursive: true });
  const t0 = Date.now();
  const options = { seed: o.seed, minutes: o.hours * 60, scale: o.scale, profile: o.profile };
  const sim = new Simulation(options);
  const writer = createWriter('kong');
  const requestLabels = new LineFile(join(truth, 'request-labels.ndjson'), false);
  // One file an hour, by the gateway's receive time (Kong's started_at is the request's event time).
  const outs = new Map();
  const names = [];
  let lastLog = Date.now();
  let n = 0;
  for (const { request, group, kind } of sim.requests()) {
    const hour = Math.floor((request.ts - sim.startMs) / 3_600_000);
    let w = outs.get(hour);
    if (!w) {
      const hh = String(new Date(sim.startMs + hour * 3_600_000).getUTCHours()).padStart(2, '0');
      names.push(`kong-${hh}.log${o.gzip ? '.gz' : ''}`);
      w = new LineFile(join(history, names[names.length - 1]), o.gzip);
      outs.set(hour, w);
      // Hours arrive in order: the previous hour's file is complete.
      const prev = outs.get(hour - 1);
      if (prev) await prev.close();
    }
    const wait = w.push(writer.write(request));
    if (wait) await wait;
    if (group !== null) {
      const lw = requestLabels.push(JSON.stringify({ requestId: request.requestId, ts: request.ts, group, kind }));
      if (lw) await lw;
    }
    if (++n % 100_000 === 0 && Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      process.stderr.write(
        `stand-in bank: ${(n / 1e6).toFixed(2)}M requests, event time ${new Date(request.ts).toISOString()}, ` +
          `${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
      );
    }
  }
  const last = Math.max(...outs.keys());
  await outs.get(last).close();
  await requestLabels.close();
  const labels = sim.labels();
  const stats = sim.stats();
  writeFileSync(join(truth, 'labels.json'), `${JSON.stringify(labels, null, 1)}\n`);
  writeFileSync(join(truth, 'routes.json'), `${JSON.stringify(sim.routes(), null, 2)}\n`);
  const networks = Simulation.networks(o.profile);
  writeFileSync(
    join(truth, 'manifest.json'),
    `${JSON.stringify(
      {
        simulatorVersion: SIMULATOR_VERSION,
        format: 'kong',
        parameters: { ...options, startMs: sim.startMs, endMs: sim.endMs, attacks: true },
        files: {
          history: names,
          requestLabels: 'request-labels.ndjson',
          labels: 'labels.json',
          routes: 'routes.json',
          manifest: 'manifest.json',
        },
        sourceConfig: sourceConfigFor('kong', {}, { trustedProxies: networks.trustedProxies }),
        networks,
        stats,
      },
      null,
      2,
    )}\n`,
  );
  const records = incidentRecordsFromLabels(labels, { networks: networks.networks });
  const nd = (rs) => `${rs.map((r) => JSON.stringify(r)).join('\n')}\n`;
  writeFileSync(join(history, 'incidents.ndjson'), nd(records.filter((r) => 'type' in r)));
  writeFileSync(join(history, 'benign.ndjson'), nd(records.filter((r) => 'benign' in r)));
  const bytes = [...outs.values()].reduce((a, w) => a + w.bytes, 0);
  process.stderr.write(
    `stand-in bank ${o.profile}: ${stats.requests} requests (${(bytes / 1e9).toFixed(2)} GB of Kong JSON) in ` +
      `${outs.size} hourly files under ${history}, ${labels.campaigns.length} campaigns, ` +
      `${records.filter((r) => 'benign' in r).length} benign records (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
