#!/usr/bin/env node
'use strict';
/**
 * Makes sure the Debian packages listed in test/system-packages.txt are installed before the tests run.
 * Missing ones are installed when this can be done without a prompt (as root, or with `sudo -n`);
 * otherwise it stops at once, printing the apt-get command to run, with exit code 1.
 *
 * `npm test` runs it first (the `pretest` script), and so does .ci/run. It uses no npm package, so it
 * also works before `npm ci`.
 *
 *   node scripts/system-packages.js [--check] [--list FILE]
 *
 *   --check      only report: exit 1 if a package is missing, install nothing
 *   --list FILE  another list (default: test/system-packages.txt)
 *
 * VIGIL_ASSUME_NO_ROOT=1 makes it behave as a user without root or passwordless sudo.
 */
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..');
const DEFAULT_LIST = join(ROOT, 'test', 'system-packages.txt');
/** Debian policy: lowercase letters, digits, `+`, `-`, `.`; at least two characters, starting alphanumeric. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

/**
 * Parses the list: one package name per line, anything after `#` is a comment (on a package's line, the
 * reason it is needed). Blank lines are ignored; anything else is an error naming the line.
 * @param {string} text
 * @param {string} [source] the file name used in error messages
 * @returns {{ name: string, purpose: string }[]}
 */
function parsePackageList(text, source = 'system-packages.txt') {
  const packages = [];
  const seen = new Set();
  text.split(/\r?\n/).forEach((line, index) => {
    const hash = line.indexOf('#');
    const body = (hash === -1 ? line : line.slice(0, hash)).trim();
    if (body === '') return;
    const where = `${source}:${index + 1}`;
    if (!PACKAGE_NAME.test(body)) {
      throw new Error(`${where}: expected one Debian package name per line, got ${JSON.stringify(body)}`);
    }
    if (seen.has(body)) throw new Error(`${where}: ${body} is listed twice`);
    seen.add(body);
    packages.push({ name: body, purpose: hash === -1 ? '' : line.slice(hash + 1).trim() });
  });
  return packages;
}

/**
 * The installed package names in the output of `dpkg-query -W -f='${Package}\t${Status}\n' NAME...`
 * (Status is "want error state"; only the state `installed` counts, not `config-files` or half-done ones).
 * @param {string} output
 * @returns {Set<string>}
 */
function installedPackages(output) {
  const installed = new Set();
  for (const line of output.split('\n')) {
    const [name, status = ''] = line.split('\t');
    if (name && status.trim().split(/\s+/)[2] === 'installed') installed.add(name.split(':')[0]);
  }
  return installed;
}

/**
 * The listed packages that are not installed.
 * @param {{ name: string, purpose: string }[]} packages
 * @param {(names: string[]) => string} queryDpkg returns dpkg-query's output for these names
 */
function missingPackages(packages, queryDpkg) {
  if (packages.length === 0) return [];
  const installed = installedPackages(queryDpkg(packages.map((p) => p.name)));
  return packages.filter((p) => !installed.has(p.name));
}

/**
 * The command a person runs to install `names`.
 * @param {string[]} names
 * @param {boolean} sudo prefix each step with `sudo`
 */
function installCommand(names, sudo) {
  const s = sudo ? 'sudo ' : '';
  return `${s}apt-get update && ${s}apt-get install -y --no-install-recommends ${names.join(' ')}`;
}

/**
 * How to run a command as root without a prompt: [] when already root, ['sudo', '-n'] when sudo works
 * without a password, null otherwise.
 * @param {NodeJS.ProcessEnv} env
 * @returns {string[] | null}
 */
function rootPrefix(env) {
  if (env.VIGIL_ASSUME_NO_ROOT) return null;
  if (typeof process.getuid === 'function' && process.getuid() === 0) return [];
  const sudo = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 10_000 });
  return sudo.status === 0 ? ['sudo', '-n'] : null;
}

function queryDpkg(names) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Package}\\t${Status}\\n', ...names], { encoding: 'utf8' });
  if (result.error) throw result.error;
  // Exit 1 with "no packages found matching X" on stderr is a normal answer: X is not installed.
  return result.stdout;
}

function hasDpkg() {
  const result = spawnSync('dpkg-query', ['--version'], { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

function describe(packages) {
  const width = Math.max(...packages.map((p) => p.name.length));
  return packages.map((p) => `  ${p.name.padEnd(width)}  ${p.purpose}`.trimEnd()).join('\n');
}

function parseArgs(argv) {
  const options = { check: false, list: DEFAULT_LIST };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') options.check = true;
    else if (argv[i] === '--list' && i + 1 < argv.length) options.list = argv[++i];
    else
      throw new Error(
        `unknown argument ${JSON.stringify(argv[i])} (usage: system-packages.js [--check] [--list FILE])`,
      );
  }
  return options;
}

/** @returns {number} the exit code */
function main(argv, env) {
  const options = parseArgs(argv);
  const listName = relative(process.cwd(), options.list) || options.list;
  const packages = parsePackageList(readFileSync(options.list, 'utf8'), listName);
  const names = packages.map((p) => p.name);
  if (!hasDpkg()) {
    console.error(`system packages: no dpkg-query here, cannot check; the tests need: ${names.join(' ')}`);
    return 0;
  }
  const missing = missingPackages(packages, queryDpkg);
  if (missing.length === 0) {
    console.error(`system packages: all ${packages.length} present (${listName})`);
    return 0;
  }
  const missingNames = missing.map((p) => p.name);
  console.error(
    `system packages: missing ${missingNames.length} of ${packages.length} (${listName}):\n${describe(missing)}`,
  );

  const prefix = options.check ? null : rootPrefix(env);
  if (prefix === null) {
    const why = options.check ? '--check installs nothing' : 'not root, and no sudo without a password';
    console.error(
      `\nCannot install them here (${why}). Run this, then the tests again:\n\n  ${installCommand(missingNames, true)}\n`,
    );
    return 1;
  }

  const aptGet = (args) => {
    const [command, ...rest] = [...prefix, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
    return spawnSync(command, rest, { stdio: 'inherit' });
  };
  const asWho = prefix.length > 0 ? `${prefix.join(' ')} ` : '';
  for (const args of [
    ['update'],
    ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=120', ...missingNames],
  ]) {
    console.error(`system packages: ${asWho}apt-get ${args.join(' ')}`);
    const result = aptGet(args);
    if (result.error || result.status !== 0) {
      const how = result.error ? result.error.message : `exit code ${result.status}`;
      console.error(
        `\napt-get ${args[0]} failed (${how}). Install the packages yourself, then run the tests again:\n\n  ${installCommand(missingNames, asWho !== '')}\n`,
      );
      return 1;
    }
  }
  const still = missingPackages(packages, queryDpkg);
  if (still.length > 0) {
    console.error(`\nsystem packages: still missing after apt-get install: ${still.map((p) => p.name).join(' ')}`);
    return 1;
  }
  console.error(`system packages: installed ${missingNames.join(' ')}`);
  return 0;
}

module.exports = { parsePackageList, installedPackages, missingPackages, installCommand, DEFAULT_LIST };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`system packages: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
