import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * What an integration helper throws when a Debian package the tests need is missing, so the failing suite
 * names the package instead of timing out or failing deep inside. Every package named here is listed in
 * test/system-packages.txt, which `npm test` checks (and installs) before Jest starts.
 */
export function missingPackageError(what: string, debianPackage: string): Error {
  return new Error(
    `${what} not found: install the Debian package ${debianPackage} (sudo apt-get install ${debianPackage})`,
  );
}

/** The full path of `command` on PATH; throws missingPackageError when it is not there. */
export function requireCommand(command: string, debianPackage: string): string {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  throw missingPackageError(command, debianPackage);
}

/** `path` if it is an executable file; throws missingPackageError otherwise. */
export function requireExecutable(path: string, debianPackage: string): string {
  if (isExecutable(path)) return path;
  throw missingPackageError(path, debianPackage);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
