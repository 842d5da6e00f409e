import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { operations, type OperationInput, type OperationName } from '../../shared/contract.js';
import { AppError, fieldDetails } from './errors.js';
import { describeErrors, formatPath } from './schema-errors.js';

type Checker = ReturnType<typeof Compile>;

/**
 * Checks operation inputs against the contract's schemas. REST and IPC share one instance, so
 * both answer bad input with the same INVALID_INPUT error naming the field.
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
    const problems = describeErrors(checker.Errors(value)).map(({ path, message }) => ({ field: formatPath(path), message }));
    const summary = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    throw new AppError('INVALID_INPUT', summary || 'invalid input', fieldDetails(...problems));
  }
}
