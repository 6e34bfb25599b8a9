/**
 * `npm run bench [-- --suite NAME] [-- --quick]`: runs the benchmark suites in one process each,
 * on generated realistic corpora, and prints a table plus a BENCH_JSON line.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { printResults, type BenchResult, type BenchSuite } from './harness';
import { SUITES } from './suites';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log(
      `usage: npm run bench -- [--suite NAME[,NAME]] [--quick] [--work-dir DIR] [--records N]\n` +
        `  --records N       features: corpus size (default 300,000; 50,000 with --quick)\n` +
        `  --repeat N        features: warm memory-store passes to take the median of (default 3)\n` +
        `  --redis-url URL   features: use this Redis instead of a throwaway redis-server\n` +
        `  --models DIR|none detector: one case with these models (default: the bundled models, then none)\n` +
        `  --windows partition detector: the service with redis.windows: partition, beside the memory store alone\n` +
        `  --checkpoint-ms N   detector, with --windows partition: redis.checkpointIntervalMs (0: write after every batch)\n` +
        `  --repartition       detector: the service re-keys the raw topic through its router (kafka.repartition) first\n` +
        `  --lanes             detector, with --windows partition: the router feeds the four detection lanes (kafka.repartition.lanes)\n` +
        `  --paired            detector, with --windows partition: a memory store beside each partition store, same batches, same moment\n` +
        `  --max-wait-ms N     detector: the service's kafka.maxWaitTimeMs (default 500)\n` +
        `  --latency-rate N    detector: events/s of the latency phase (default: half the measured throughput)\n` +
        `suites:\n${SUITES.map((s) => `  ${s.name.padEnd(12)} ${s.description}`).join('\n')}`,
    );
    return;
  }
  const suiteArg = valueOf(args, '--suite');
  const workDir = valueOf(args, '--work-dir') ?? join(__dirname, '..', '..', '.tmp', 'bench');
  mkdirSync(workDir, { recursive: true });
  const wanted = suiteArg ? suiteArg.split(',') : SUITES.map((s) => s.name);
  const unknown = wanted.filter((w) => !SUITES.some((s) => s.name === w));
  if (unknown.length)
    throw new Error(`unknown suite(s) ${unknown.join(', ')}; have ${SUITES.map((s) => s.name).join(', ')}`);
  const ctx = { workDir, quick: args.includes('--quick'), log: (m: string) => process.stderr.write(`[bench] ${m}\n`) };
  const results: BenchResult[] = [];
  for (const suite of SUITES.filter((s: BenchSuite) => wanted.includes(s.name))) {
    ctx.log(`suite ${suite.name}: ${suite.description}`);
    results.push(...(await suite.run(ctx)));
  }
  printResults(results);
}

function valueOf(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
