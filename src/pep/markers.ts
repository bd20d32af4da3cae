/**
 * PEP 508 environment markers (https://peps.python.org/pep-0508/#environment-markers),
 * evaluated for the *target's* environment, not the host's. Comparison follows
 * the `packaging` library: version operators compare as PEP 440 versions when
 * both sides parse, `==`/`!=` fall back to string comparison, `in`/`not in`
 * are substring tests, and `extra` is compared by normalized name.
 */
import { satisfies, valid } from '@renovatebot/pep440';

export type MarkerVariable =
  | 'python_version'
  | 'python_full_version'
  | 'os_name'
  | 'sys_platform'
  | 'platform_release'
  | 'platform_system'
  | 'platform_version'
  | 'platform_machine'
  | 'platform_python_implementation'
  | 'implementation_name'
  | 'implementation_version'
  | 'extra';

const VARIABLES = new Set<string>([
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
  'extra',
]);

/** Legacy spellings that `packaging` still accepts. */
const ALIASES: Record<string, MarkerVariable> = {
  'os.name': 'os_name',
  'sys.platform': 'sys_platform',
  'platform.version': 'platform_version',
  'platform.machine': 'platform_machine',
  'platform.python_implementation': 'platform_python_implementation',
  python_implementation: 'platform_python_implementation',
};

export type MarkerEnvironment = Omit<Record<MarkerVariable, string>, 'extra'>;

type Operand = { kind: 'var'; name: MarkerVariable } | { kind: 'str'; value: string };
export type MarkerOp = '<' | '<=' | '==' | '!=' | '>=' | '>' | '~=' | '===' | 'in' | 'not in';
export type Marker =
  | { kind: 'and' | 'or'; left: Marker; right: Marker }
  | { kind: 'compare'; left: Operand; op: MarkerOp; right: Operand };

type Token = { t: 'var'; v: MarkerVariable } | { t: 'str'; v: string } | { t: 'op'; v: MarkerOp } | { t: 'and' | 'or' | '(' | ')' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const c = text[i]!;
    if (c === '(' || c === ')') {
      tokens.push({ t: c });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated string in marker "${text}"`);
      tokens.push({ t: 'str', v: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const op = /^(===|~=|==|!=|<=|>=|<|>|not\s+in\b|in\b)/.exec(rest);
    if (op) {
      tokens.push({ t: 'op', v: (op[1]!.startsWith('not') ? 'not in' : op[1]) as MarkerOp });
      i += op[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (word) {
      const w = word[0];
      if (w === 'and' || w === 'or') tokens.push({ t: w });
      else if (VARIABLES.has(w)) tokens.push({ t: 'var', v: w as MarkerVariable });
      else if (ALIASES[w]) tokens.push({ t: 'var', v: ALIASES[w]! });
      else throw new Error(`unknown marker variable "${w}"`);
      i += w.length;
      continue;
    }
    throw new Error(`unexpected "${c}" in marker "${text}"`);
  }
  return tokens;
}

/** Parse a marker expression (the part after ";" in a requirement). */
export function parseMarker(text: string): Marker {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const expect = (what: string): Token => {
    const tok = tokens[pos++];
    if (!tok) throw new Error(`marker "${text}" ends where ${what} was expected`);
    return tok;
  };
  const operand = (): Operand => {
    const tok = expect('a variable or a quoted string');
    if (tok.t === 'var') return { kind: 'var', name: tok.v };
    if (tok.t === 'str') return { kind: 'str', value: tok.v };
    throw new Error(`marker "${text}" has ${tok.t} where a variable or a quoted string was expected`);
  };
  const atom = (): Marker => {
    if (peek()?.t === '(') {
      pos++;
      const inner = orExpr();
      if (expect('")"').t !== ')') throw new Error(`marker "${text}" has an unclosed "("`);
      return inner;
    }
    const left = operand();
    const opTok = expect('an operator');
    if (opTok.t !== 'op') throw new Error(`marker "${text}" has no comparison operator after its first operand`);
    const right = operand();
    return { kind: 'compare', left, op: opTok.v, right };
  };
  const andExpr = (): Marker => {
    let left = atom();
    while (peek()?.t === 'and') {
      pos++;
      left = { kind: 'and', left, right: atom() };
    }
    return left;
  };
  const orExpr = (): Marker => {
    let left = andExpr();
    while (peek()?.t === 'or') {
      pos++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };
  const result = orExpr();
  if (pos !== tokens.length) throw new Error(`marker "${text}" has unexpected text after a complete expression`);
  return result;
}

const VERSION_VARS = new Set<MarkerVariable>(['python_version', 'python_full_version', 'implementation_version', 'platform_release']);

function normalizeExtra(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

function compare(lhs: string, op: MarkerOp, rhs: string): boolean {
  if (op === 'in') return rhs.includes(lhs);
  if (op === 'not in') return !rhs.includes(lhs);
  if (op === '===') return lhs === rhs;
  // Version comparison when both sides are versions (packaging's Specifier.contains, pre-releases allowed).
  const spec = `${op}${rhs}`;
  if (valid(lhs) !== null && valid(rhs.replace(/\.\*$/, '')) !== null) {
    try {
      return satisfies(lhs, spec, { prereleases: true });
    } catch {
      // fall through to string comparison
    }
  }
  if (op === '==') return lhs === rhs;
  if (op === '!=') return lhs !== rhs;
  throw new Error(`cannot compare "${lhs}" ${op} "${rhs}": neither side is a version`);
}

/**
 * Evaluate `marker` in `env`. `extras` are the extras requested for the
 * project whose metadata holds the marker; a marker that mentions `extra`
 * is true only when one of them makes it true.
 */
export function evaluateMarker(marker: Marker, env: MarkerEnvironment, extras: readonly string[] = []): boolean {
  switch (marker.kind) {
    case 'and':
      return evaluateMarker(marker.left, env, extras) && evaluateMarker(marker.right, env, extras);
    case 'or':
      return evaluateMarker(marker.left, env, extras) || evaluateMarker(marker.right, env, extras);
    case 'compare': {
      const usesExtra = (marker.left.kind === 'var' && marker.left.name === 'extra') || (marker.right.kind === 'var' && marker.right.name === 'extra');
      if (usesExtra) {
        const candidates = extras.length ? extras : [''];
        return candidates.some((extra) => {
          const value = (o: Operand): string => (o.kind === 'var' ? (o.name === 'extra' ? extra : env[o.name]) : normalizeExtra(o.value));
          return compare(value(marker.left), marker.op, value(marker.right));
        });
      }
      const value = (o: Operand): string => (o.kind === 'var' ? env[o.name as Exclude<MarkerVariable, 'extra'>] : o.value);
      const isVersionVar = (o: Operand) => o.kind === 'var' && VERSION_VARS.has(o.name);
      if (!isVersionVar(marker.left) && !isVersionVar(marker.right) && (marker.op === '==' || marker.op === '!=')) {
        const l = value(marker.left);
        const r = value(marker.right);
        return marker.op === '==' ? l === r : l !== r;
      }
      return compare(value(marker.left), marker.op, value(marker.right));
    }
  }
}
