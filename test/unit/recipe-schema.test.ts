import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { recipeJsonSchema, recipeSchema } from '../../src/config/recipes.js';
import { shipped } from '../../src/paths.js';

describe('the recipe schema', () => {
  it('is published as JSON Schema in recipes/recipe.schema.json, and current (make schema regenerates it)', () => {
    const published = JSON.parse(readFileSync(shipped('recipes', 'recipe.schema.json'), 'utf8'));
    assert.deepEqual(published, JSON.parse(JSON.stringify(recipeJsonSchema())));
    assert.equal(published.additionalProperties, false, 'unknown keys are errors');
  });
  it('accepts every recipe pkg2os ships', () => {
    for (const file of readdirSync(shipped('recipes')).filter((f) => f.endsWith('.yaml'))) {
      const parsed = recipeSchema.safeParse(parse(readFileSync(shipped('recipes', file), 'utf8')));
      assert.ok(parsed.success, `${file}: ${JSON.stringify(parsed.error?.issues)}`);
    }
  });
});
