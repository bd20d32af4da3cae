/** Durations: one number and one unit; "m" is minutes; what is ambiguous is refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../../src/config/duration.js';
import { ConfigError } from '../../src/errors.js';
import { throwsWithCode } from '../support/assert-error.js';

describe('durations', () => {
  it('reads s, m (minutes), h, d, w and y', () => {
    assert.equal(parseDuration('30s'), 30);
    assert.equal(parseDuration('30m'), 1800, '--retention 30m is thirty minutes, not thirty months');
    assert.equal(parseDuration('12h'), 43200);
    assert.equal(parseDuration('14d'), 14 * 86400);
    assert.equal(parseDuration('2w'), 14 * 86400);
    assert.equal(parseDuration('1y'), Math.round(365.25 * 86400));
  });
  it('refuses what is ambiguous or not a duration, naming the option', () => {
    for (const text of ['30', '1mo', '2 months', '1.5h', '3d12h', '', 'soon']) throwsWithCode(() => parseDuration(text, '--retention'), ConfigError, 'USAGE');
    assert.match(throwsWithCode(() => parseDuration('2M', '--valid-for'), ConfigError, 'USAGE').message, /--valid-for "2M".*months have no fixed length/);
  });
});
