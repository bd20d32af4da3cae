/** Writes recipes/recipe.schema.json from the recipe schema (`make schema`); a test keeps it current. */
import { writeFileSync } from 'node:fs';
import { recipeJsonSchema } from '../src/config/recipes.js';
import { shipped } from '../src/paths.js';

writeFileSync(shipped('recipes', 'recipe.schema.json'), `${JSON.stringify(recipeJsonSchema(), null, 2)}\n`);
