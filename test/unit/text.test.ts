/** Untrusted text reaches a terminal only with its control characters made visible (src/text.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { safeJson, visible } from '../../src/text.js';

describe('text for a terminal', () => {
  it('makes escape sequences, carriage returns, C1 controls and bidi overrides visible, and keeps newlines and tabs', () => {
    const osc52 = '\u001b]52;c;ZXZpbA==\u0007';
    const title = '\u001b]0;owned\u0007';
    const fake = '\u001b[2K\rpkg2os: published /srv/repo (signed by 0000)';
    const text = `build said: ${osc52}${title}${fake}\n\tnext\u009b31m \u202egpj.exe\u202c`;
    const shown = visible(text);
    assert.doesNotMatch(shown, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    assert.match(shown, /\\e\]52;c;ZXZpbA==\\a/);
    assert.match(shown, /\\e\[2K\\rpkg2os: published/);
    assert.match(shown, /\\x9b31m \\u202egpj\.exe\\u202c/);
    assert.match(shown, /\n\tnext/);
  });

  it('leaves no control character but newline and tab in anything', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(visible(s))));
  });

  it('JSON for a terminal parses back to the same value, with nothing raw in it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const json = safeJson({ s });
        return JSON.parse(json).s === s && !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/.test(json.replace(/\n {0,2}/g, ''));
      }),
    );
  });
});
