/** PEP 440 questions asked of untrusted versions: is it one, and are two the same version. */
import { eq, valid } from '@renovatebot/pep440';

/** True when `version` is a valid PEP 440 version. */
export function isPep440(version: string): boolean {
  return valid(version) !== null;
}

/** True when both are valid and PEP 440 calls them equal (1.0 == 1.0.0). */
export function pep440Equal(a: string, b: string): boolean {
  try {
    return isPep440(a) && isPep440(b) && eq(a, b);
  } catch {
    return false;
  }
}
