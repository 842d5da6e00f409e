import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { operations, type OperationInput, type OperationName } from '../../shared/contract.js';
import { AppError, fieldDetails } from './app-error.js';
import { describeErrors, formatPath } from './schema-errors.js';

type Checker = ReturnType<typeof Compile>;

const UNKNOWN = 'unknown field(s): ';

/** `unknown field(s): logging` gets `(did you mean logging.level or logging_level?)` when accepted names start so. */
function withSuggestion(message: string, accepted: string[]): string {
  if (!message.startsWith(UNKNOWN)) return message;
  const unknown = message.slice(UNKNOWN.length).split(', ');
  const near = accepted.filter((a) => unknown.some((u) => a.startsWith(`${u}.`) || a.startsWith(`${u}_`)));
  return near.length > 0 ? `${message} (did you mean ${near.join(' or ')}?)` : message;
}

/** The property names of an object schema, or null. */
function acceptedFields(schema: unknown): string[] | null {
  const props = (schema as { properties?: unknown }).properties;
  return props && typeof props === 'object' ? Object.keys(props) : null;
}

/**
 * Checks operation inputs against the contract's schemas, compiling each schema once. REST and IPC
 * share one instance (`startBridge` builds it and hands it to `buildServer` and, through
 * `Bridge.validator`, to the desktop shell's `registerIpc`), so both answer bad input with the same
 * INVALID_INPUT error naming the field.
 */
export class InputValidator {
  private readonly checkers = new Map<OperationName, Checker>();

  private checker(name: OperationName): Checker {
    let c = this.checkers.get(name);
    if (!c) {
      c = Compile(operations[name].input);
      this.checkers.set(name, c);
    }
    return c;
  }

  /** Validates (after converting query-string scalars when `convert` is set) or throws INVALID_INPUT. */
  check<K extends OperationName>(name: K, input: unknown, opts: { convert?: boolean } = {}): OperationInput<K> {
    const value = opts.convert ? Value.Convert(operations[name].input, input) : input;
    const checker = this.checker(name);
    if (checker.Check(value)) return value as OperationInput<K>;
    const accepted = acceptedFields(operations[name].input);
    const problems = describeErrors(checker.Errors(value)).map(({ path, message }) => ({
      field: formatPath(path),
      message: path.length === 0 && accepted ? withSuggestion(message, accepted) : message,
    }));
    const summary = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    throw new AppError('INVALID_INPUT', summary || 'invalid input', fieldDetails(...problems));
  }
}
