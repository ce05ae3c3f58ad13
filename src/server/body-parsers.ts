/**
 * Request bodies: JSON (a spec request, or a bare spec with apiVersion) and YAML
 * (a spec as text; parsed later so its errors carry line and column). Every other
 * media type is refused with the error shape (415).
 */
import type { FastifyInstance } from 'fastify';

export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A bare spec (has apiVersion, no `spec` key) becomes the request `{spec}`. */
export const asSpecRequest = (body: unknown): unknown => (isObject(body) && 'apiVersion' in body && !('spec' in body) ? { spec: body } : body);

export function installBodyParsers(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    json(req, body as string, (err: Error | null, value?: unknown) => (err ? done(err, undefined) : done(null, asSpecRequest(value))));
  });
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    done(null, { spec: body as string });
  });
}
