/**
 * An issue is data (zod's lesson): where, what was expected, what was found.
 * Rendering is separate: render.ts prints it for people, the API returns it as JSON.
 */
export interface Issue {
  /** Stable machine code of the problem, e.g. 'unknown_key', 'invalid_type', 'contradiction'. */
  code: string;
  /** Field path inside the spec, e.g. ['optimizer', 'learning_rate']. Empty for the root. */
  path: (string | number)[];
  /** One sentence: what is wrong. */
  message: string;
  expected?: string;
  found?: string;
  /** "did you mean" suggestion for unknown keys and enum values. */
  suggestion?: string;
  /** 1-based position in the YAML/JSON source when known. */
  line?: number;
  column?: number;
}

export const formatPath = (path: readonly (string | number)[]): string =>
  path.length === 0
    ? '(root)'
    : path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
