/**
 * Handlebars templates under templates/<format>/, compiled once and cached.
 * Escaping is never implicit (`noEscape`): each format escapes what it must
 * in the view model it builds, where the rules of that format live.
 */
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { shipped } from '../paths.js';

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Render templates/<format>/<name>.hbs with `view`. */
export function renderTemplate(format: string, name: string, view: object): string {
  const key = `${format}/${name}`;
  let template = compiled.get(key);
  if (!template) {
    const source = readFileSync(shipped('templates', format, `${name}.hbs`), 'utf8');
    template = Handlebars.compile(source, { noEscape: true, strict: true });
    compiled.set(key, template);
  }
  return template(view);
}
