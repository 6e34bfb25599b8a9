/**
 * Reads a YAML or JSON config file into a plain value, with errors that say which file and line.
 * Validation against a schema is the caller's (each lib owns its config schema).
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';

export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigFileError(
      code === 'ENOENT'
        ? `config file ${path} does not exist`
        : `cannot read config file ${path}: ${(err as Error).message}`,
    );
  }
  // YAML is a superset of JSON, so one parser serves both and reports line/column for either.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigFileError(
      `config file ${path} is not valid YAML/JSON:\n  ${doc.errors.map((e) => e.message).join('\n  ')}`,
    );
  }
  return doc.toJS() ?? {};
}
