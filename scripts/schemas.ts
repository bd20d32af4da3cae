/** Every JSON Schema pkg2os publishes: where it goes, and what it is (make schema writes them; tests keep them current). */
import { errorJsonSchema } from '../src/cli/error-document.js';
import { configJsonSchema } from '../src/config/config-schema.js';
import { recipeJsonSchema } from '../src/config/recipes.js';
import { explainJsonSchema } from '../src/coordinator/pipeline/explain.js';
import { reportJsonSchemas } from '../src/coordinator/pipeline/report.js';

export function publishedSchemas(): Array<{ file: string; title: string; schema: object }> {
  const entry = (file: string, schema: object) => ({ file, title: (schema as { title?: string }).title ?? file, schema });
  return [
    entry('recipes/recipe.schema.json', recipeJsonSchema()),
    ...Object.entries(reportJsonSchemas()).map(([name, schema]) => entry(`schemas/${name}.schema.json`, schema)),
    entry('schemas/explain.schema.json', explainJsonSchema()),
    entry('schemas/error.schema.json', errorJsonSchema()),
    entry('schemas/config.schema.json', configJsonSchema()),
  ];
}
