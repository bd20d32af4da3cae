/** The distributions' own version comparison, run for real: dpkg and rpm. */
import { execa } from 'execa';

/** Sign of dpkg's comparison of two Debian versions. */
export async function dpkgCompare(a: string, b: string): Promise<number> {
  for (const [op, sign] of [['lt', -1], ['eq', 0]] as const) {
    const r = await execa('dpkg', ['--compare-versions', a, op, b], { reject: false });
    if (r.exitCode === 0) return sign;
  }
  return 1;
}

/** Signs of rpm's vercmp for many pairs, in one rpm process (rpm's Lua rpm.vercmp). */
export async function rpmCompareMany(pairs: Array<[string, string]>): Promise<number[]> {
  if (pairs.length === 0) return [];
  // rpm's Lua print() adds no separator of its own.
  const lua = pairs.map(([a, b]) => `print(rpm.vercmp(${JSON.stringify(a)}, ${JSON.stringify(b)}) .. ",")`).join(' ');
  const { stdout } = await execa('rpm', ['--eval', `%{lua: ${lua}}`]);
  const signs = stdout.trim().replace(/,$/, '').split(',').map((l) => Math.sign(Number(l)));
  if (signs.length !== pairs.length || signs.some(Number.isNaN)) throw new Error(`rpm vercmp answered ${stdout}`);
  return signs;
}
