/** The published JSON Schema of the spec, derived from the zod schema (never written by hand). */
import { z } from 'zod';
import { Spec } from './schema.js';

export function specJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Spec, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $id: 'https://tlorc.dev/schema/tlorc-v1.json', ...schema };
}
