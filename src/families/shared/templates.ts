/**
 * Handlebars templates: pkg2os's own under templates/<group>/ (deb, rpm,
 * repo), each of which a user may override from a directory of their own
 * (`--templates-dir`, `templates-dir:`): a file there, at the same relative
 * path, wins over pkg2os's, file by file. Compiled once per file and cached.
 * Escaping is never implicit (`noEscape`): each family escapes what it must
 * in the view model it builds, where the rules of its format live; `strict`
 * makes a template that names a value the view does not have an error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { ConfigError } from '../../errors.js';
import { shipped } from '../../paths.js';

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Where a run's templates come from: pkg2os's own, each overridable by a file in the user's directory. */
export class Templates {
  readonly userDir?: string;

  constructor(userDir?: string) {
    this.userDir = userDir ? resolve(userDir) : undefined;
  }

  /** The file of templates/<group>/<name>.hbs this run uses: the user's when it has one. */
  file(group: string, name: string): string {
    const own = this.userDir ? join(this.userDir, group, `${name}.hbs`) : undefined;
    return own && existsSync(own) ? own : shipped('templates', group, `${name}.hbs`);
  }

  /** Render templates/<group>/<name>.hbs with `view`. */
  render(group: string, name: string, view: object): string {
    return this.renderWith(group, name, view, true);
  }

  /** Render an HTML template: here Handlebars escapes every {{value}} (&, <, >, ", ', `, =), as HTML needs. */
  renderHtml(group: string, name: string, view: object): string {
    return this.renderWith(group, name, view, false);
  }

  private renderWith(group: string, name: string, view: object, noEscape: boolean): string {
    const file = this.file(group, name);
    const key = `${noEscape ? 'text' : 'html'}\u0000${file}`;
    let template = compiled.get(key);
    if (!template) {
      template = Handlebars.compile(readFileSync(file, 'utf8'), { noEscape, strict: true });
      compiled.set(key, template);
    }
    try {
      return template(view);
    } catch (error) {
      // Only a user's template can be wrong here: pkg2os's own are golden-tested.
      throw new ConfigError('INVALID_CONFIG', `The template ${file} does not render: ${(error as Error).message.split('\n')[0]}.`, {
        hint: `Its values are those of pkg2os's own ${group}/${name}.hbs (templates/ in pkg2os); fix the file or remove it to use pkg2os's.`,
        cause: error,
      });
    }
  }
}

/** pkg2os's own templates, no user overrides (tests, and runs without a templates directory). */
export const SHIPPED_TEMPLATES = new Templates();

/** Render one of pkg2os's own templates (tests). */
export function renderTemplate(group: string, name: string, view: object): string {
  return SHIPPED_TEMPLATES.render(group, name, view);
}
