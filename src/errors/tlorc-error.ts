import { ERRORS, type ErrorCode } from './catalog.js';
import type { Issue } from '../spec/issues.js';

export interface TlorcErrorOptions {
  /** Field path for errors about one place in a spec (e.g. ['optimizer', 'learning_rate']). */
  path?: (string | number)[];
  /** Every problem found, for errors that gather several (spec validation). */
  issues?: Issue[];
  /** Override the catalog's hint with a more specific one. */
  hint?: string;
  /** Structured details (exit code, signal, stderr tail, ...). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The single error type tlorc throws at its boundaries; everything a user sees is one of these. */
export class TlorcError extends Error {
  override readonly name = 'TlorcError';
  readonly code: ErrorCode;
  readonly hint: string;
  readonly path: (string | number)[] | undefined;
  readonly issues: Issue[];
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: TlorcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint ?? ERRORS[code].hint;
    this.path = options.path;
    this.issues = options.issues ?? [];
    this.details = options.details ?? {};
  }

  get exitCode(): number {
    return ERRORS[this.code].exit;
  }

  get httpStatus(): number {
    return ERRORS[this.code].http;
  }

  /** The flat, JSON form shared by the REST API and `--json` output. */
  toJSON(): ErrorBody {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      ...(this.path ? { path: this.path } : {}),
      ...(this.issues.length ? { issues: this.issues } : {}),
      ...(Object.keys(this.details).length ? { details: this.details } : {}),
    };
  }
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  hint: string;
  path?: (string | number)[];
  issues?: Issue[];
  details?: Record<string, unknown>;
}

export const isTlorcError = (e: unknown): e is TlorcError => e instanceof TlorcError;

/** Wrap anything thrown into a TlorcError (unknown errors become TLORC_INTERNAL with the cause kept). */
export function toTlorcError(e: unknown): TlorcError {
  if (isTlorcError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new TlorcError('TLORC_INTERNAL', message, { cause: e });
}
