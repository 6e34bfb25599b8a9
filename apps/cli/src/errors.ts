import { statSync } from 'node:fs';

/** An error the user can fix (bad flag, missing file): printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A path the command reads must be an existing regular file; otherwise a UsageError that says which. */
export function requireInputFile(file: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new UsageError(`input file ${file} does not exist`);
  }
  if (!isFile) throw new UsageError(`input ${file} is not a file`);
}
