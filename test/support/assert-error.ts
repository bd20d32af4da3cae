/** Precise failure assertions: the error's class and code, not just "it threw". */
import assert from 'node:assert/strict';
import { Pkg2osError } from '../../src/errors.js';

type ErrorClass = abstract new (...args: never[]) => Pkg2osError;

export async function rejectsWithCode(promise: Promise<unknown> | (() => Promise<unknown>), cls: ErrorClass, code: string): Promise<Pkg2osError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    assert.ok(error instanceof cls, `expected ${cls.name}, got ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    assert.equal((error as Pkg2osError).code, code, (error as Error).message);
    return error as Pkg2osError;
  }
  assert.fail(`expected ${cls.name} ${code}, but nothing was thrown`);
}

export function throwsWithCode(fn: () => unknown, cls: ErrorClass, code: string): Pkg2osError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof cls, `expected ${cls.name}, got ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    assert.equal((error as Pkg2osError).code, code, (error as Error).message);
    return error as Pkg2osError;
  }
  assert.fail(`expected ${cls.name} ${code}, but nothing was thrown`);
}
