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
 *
 * Writes DIR/history/kong-HH.log (one per hour), DIR/history/incidents.ndjson, DIR/history/benign.ndjson,
 * DIR/truth/{labels.json,request-labels.ndjson,routes.json,manifest.json}.
 */
const { createReadStream, createWriteStream, mkdirSync, rmSync, writeFileSync, readFileSync } = require('node:fs');
const { once } = require('node:events');
const { join } = require('node:path');
const { createInterface } = require('node:readline');
const { Simulation, simulateToDirectory, isBankProfileId } = require('@vigil/simulator');
const { incidentRecordsFromLabels } = require('@vigil/training');

function args(argv) {
  const o = { profile: 'northbank', hours: 6, seed: 41, scale: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in o) && k !== 'out') throw new Error(`unknown option ${argv[i]}`);
    o[k] = k === 'out' || k === 'profile' ? argv[i + 1] : Number(argv[i + 1]);
  }
  if (!o.out) throw new Error('--out DIR is required');
  if (!isBankProfileId(o.profile)) throw new Error(`--profile ${o.profile} is not a bank profile`);
  return o;
}

async function main() {
  const o = args(process.argv.slice(2));
  const truth = join(o.out, 'truth');
  const history = join(o.out, 'history');
  mkdirSync(history, { recursive: true });
  const t0 = Date.now();
  const sim = await simulateToDirectory({
    outDir: truth,
    format: 'kong',
    seed: o.seed,
    minutes: o.hours * 60,
    scale: o.scale,
    profile: o.profile,
  });
  const labels = JSON.parse(readFileSync(sim.files.labels, 'utf8'));
  // One file an hour, by the gateway's receive time.
  const outs = new Map();
  const lines = createInterface({ input: createReadStream(sim.files.traffic), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const ts = JSON.parse(line).started_at;
    const hour = Math.floor((ts - labels.startMs) / 3_600_000);
    let w = outs.get(hour);
    if (!w) {
      const hh = String(new Date(labels.startMs + hour * 3_600_000).getUTCHours()).padStart(2, '0');
      w = createWriteStream(join(history, `kong-${hh}.log`));
      outs.set(hour, w);
    }
    if (!w.write(`${line}\n`)) await once(w, 'drain');
  }
  for (const w of outs.values()) {
    w.end();
    await once(w, 'finish');
  }
  rmSync(sim.files.traffic);
  const records = incidentRecordsFromLabels(labels, { networks: Simulation.networks(o.profile).networks });
  const nd = (rs) => `${rs.map((r) => JSON.stringify(r)).join('\n')}\n`;
  writeFileSync(join(history, 'incidents.ndjson'), nd(records.filter((r) => 'type' in r)));
  writeFileSync(join(history, 'benign.ndjson'), nd(records.filter((r) => 'benign' in r)));
  process.stderr.write(
    `stand-in bank ${o.profile}: ${sim.stats.requests} requests in ${outs.size} hourly files under ${history}, ` +
      `${labels.campaigns.length} campaigns, ${records.filter((r) => 'benign' in r).length} benign records ` +
      `(${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
