/**
 * Writes the published JSON Schemas (`make schema`): recipes/recipe.schema.json
 * from the recipe schema, schemas/report.schema.json and schemas/plan.schema.json
 * from the report schemas. Tests keep them current.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { recipeJsonSchema } from '../src/config/recipes.js';
import { shipped } from '../src/paths.js';
import { explainJsonSchema } from '../src/pipeline/explain.js';
import { reportJsonSchemas } from '../src/pipeline/report.js';

const write = (path: string, schema: object) => writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
write(shipped('recipes', 'recipe.schema.json'), recipeJsonSchema());
mkdirSync(shipped('schemas'), { recursive: true });
for (const [name, schema] of Object.entries(reportJsonSchemas())) write(shipped('schemas', `${name}.schema.json`), schema);
write(shipped('schemas', 'explain.schema.json'), explainJsonSchema());
