/**
 * The services' config plumbing, one way for all three (detector, enforcer, notifier): a YAML or JSON file
 * named by `--config <file>` or VIGIL_CONFIG (none: the environment alone), validated once at start by
 * the app's own schema, every problem listed as `path: message` under the file's name.
 */
import { readConfigFile } from './config-file';

/** zod's `safeParse` result, by shape: this lib needs no zod. */
export type SchemaResult<T> =
  | { readonly success: true; readonly data: T }
  | {
      readonly success: false;
      readonly error: {
        readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
      };
    };

/** The file `--config` or VIGIL_CONFIG names, parsed, and what to call it in messages. */
export function serviceConfigSource(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { readonly raw: unknown; readonly origin: string } {
  const i = argv.indexOf('--config');
  const path = i >= 0 ? argv[i + 1] : env['VIGIL_CONFIG'];
  return { raw: path ? readConfigFile(path) : {}, origin: path ?? 'environment' };
}

/**
 * Validates a parsed config: a mapping at the top level, then `validate` (the schema, with the
 * environment applied over the mapping); throws `fail(message)` naming every problem.
 */
export function validateServiceConfig<T>(
  raw: unknown,
  origin: string,
  validate: (mapping: Record<string, unknown>) => SchemaResult<T>,
  fail: (message: string) => Error,
): T {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw fail(`${origin}: expected a mapping at the top level`);
  const result = validate(raw as Record<string, unknown>);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(top)'}: ${i.message}`);
    throw fail(`${origin} is not valid:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}
