/**
 * What a package says of itself: the start of upstream's long description
 * (lintian: extended-description-line-too-long counted 717 lines on 35 real
 * packages that carried their whole README), and licences Debian ships
 * referenced rather than copied (copyright-file-contains-full-apache-2-license).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commonLicense, descriptionStart, wrap } from '../../src/families/shared/common.js';

const README = `
[![PyPI](https://img.shields.io/pypi/v/example.svg)](https://pypi.org/project/example/) [![CI](https://github.com/x/y/actions/workflows/ci.yml/badge.svg)](https://github.com/x/y/actions)

# Example

<p align="center"><img src="logo.png"></p>

**Example** is a library for doing things with [other things](https://example.org/things), quickly and correctly, from \`async\` code and from threads alike, whatever the platform.

It is tested on CPython and PyPy.

## Installation

\`\`\`console
$ pip install example
\`\`\`

More text that is not the opening.
`;

describe('the extended description', () => {
  it('is the opening prose of the README: no badges, images, headings or code, every line within the width', () => {
    const lines = descriptionStart(README, { width: 78, more: 'The full description: https://example.org/example' });
    assert.ok(lines.every((l) => l.length <= 78), lines.join('\n'));
    const text = lines.join('\n');
    assert.match(text.replace(/\n/g, ' '), /^Example is a library for doing things with other things, quickly and correctly,/);
    assert.match(text, /It is tested on CPython and PyPy\./);
    assert.doesNotMatch(text, /shields|badge|<img|pip install|Installation|# Example|\]\(/);
    assert.match(text, /The full description: https:\/\/example\.org\/example$/, 'it says where the rest is');
  });

  it('cuts at a line budget, and cuts a word longer than a line (a URL) into lines', () => {
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const lines = descriptionStart(`${long} ${'x'.repeat(200)}`, { width: 40, maxLines: 5, more: 'more at https://example.org' });
    assert.ok(lines.every((l) => l.length <= 40), lines.join('\n'));
    assert.equal(lines.at(-1), 'more at https://example.org');
    assert.ok(lines.length <= 7);
    assert.deepEqual(wrap('y'.repeat(90), 40), ['y'.repeat(40), 'y'.repeat(40), 'y'.repeat(10)]);
  });

  it('is empty for a description with no prose (the summary stands in)', () => {
    assert.deepEqual(descriptionStart('[![x](y)](z)\n\n# Title\n\n```\ncode\n```\n'), []);
  });
});

describe('common licences', () => {
  it('knows the licences /usr/share/common-licenses holds by their opening, and no others', () => {
    assert.deepEqual(commonLicense('\n                                 Apache License\n                           Version 2.0, January 2004\n                        http://www.apache.org/licenses/\n'), { name: 'Apache-2.0', title: 'the Apache License, Version 2.0' });
    assert.equal(commonLicense('                    GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n')?.name, 'GPL-3');
    assert.equal(commonLicense('Mozilla Public License Version 2.0\n==================================\n')?.name, 'MPL-2.0');
    assert.equal(commonLicense('MIT License\n\nCopyright (c) 2024 Someone\n\nPermission is hereby granted, free of charge'), undefined);
  });
});
