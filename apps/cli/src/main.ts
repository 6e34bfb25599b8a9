/**
 * The `vigil` command. Each subcommand lives in commands/<name>.ts and registers itself here.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@vigil/events';
import { ConfigFileError } from '@vigil/platform';
import { registerAudit } from './commands/audit';
import { registerEvaluate } from './commands/evaluate';
import { registerFeatures } from './commands/features';
import { registerInventory } from './commands/inventory';
import { registerModels } from './commands/models';
import { registerReplay } from './commands/replay';
import { registerReport } from './commands/report';
import { registerRun } from './commands/run';
import { registerTrain } from './commands/train';
import { registerSimulate } from './commands/simulate';
import { registerTopics } from './commands/topics';
import { UsageError } from './errors';

export function buildProgram(): Command {
  const program = new Command('vigil')
    .description('Vigil: detect credential stuffing, account takeover and scraping in API gateway logs')
    .version(cliVersion())
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: true })
    .exitOverride();
  registerReplay(program);
  registerRun(program);
  registerFeatures(program);
  registerSimulate(program);
  registerInventory(program);
  registerTrain(program);
  registerEvaluate(program);
  registerModels(program);
  registerAudit(program);
  registerReport(program);
  registerTopics(program);
  return program;
}

function cliVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** Runs the CLI; resolves to the exit code. User errors print one clear line, not a stack trace. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    // A command that found a problem (models validate, audit verify) sets process.exitCode.
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof ConfigFileError) {
      process.stderr.write(`vigil: ${err.message}\n`);
      return 2;
    }
    const e = err as NodeJS.ErrnoException;
    if (e && typeof e.message === 'string' && /^input file|^input .* is a directory/.test(e.message)) {
      process.stderr.write(`vigil: ${e.message}\n`);
      return 2;
    }
    throw err;
  }
}
