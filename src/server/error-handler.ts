/**
 * One error handler: whatever a route throws (a TlorcError, a fastify error about the
 * body, a bug) leaves the server as the TlorcError JSON shape with the catalog's HTTP
 * status. Spec errors carry their issues with field paths.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { TlorcError, toTlorcError } from '../errors/index.js';

/** fastify's own error codes -> ours. */
function fromFastify(e: FastifyError): TlorcError | null {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TlorcError('TLORC_API_PAYLOAD_TOO_LARGE', 'Request body is larger than the server accepts.', { cause: e });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TlorcError('TLORC_API_UNSUPPORTED_MEDIA_TYPE', e.message, { cause: e });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new TlorcError('TLORC_API_BAD_REQUEST', 'The JSON body is empty.', { cause: e });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new TlorcError('TLORC_API_BAD_REQUEST', e.message, { cause: e });
    default:
      break;
  }
  if (e instanceof SyntaxError || (e.statusCode === 400 && /JSON/i.test(e.message)))
    return new TlorcError('TLORC_API_BAD_REQUEST', `The body is not valid JSON: ${e.message}`, { cause: e });
  if (e.statusCode === 413) return new TlorcError('TLORC_API_PAYLOAD_TOO_LARGE', e.message, { cause: e });
  if (e.statusCode === 415) return new TlorcError('TLORC_API_UNSUPPORTED_MEDIA_TYPE', e.message, { cause: e });
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return new TlorcError('TLORC_API_BAD_REQUEST', e.message, { cause: e });
  return null;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, req, reply) => {
    const err = error instanceof TlorcError ? error : (fromFastify(error as FastifyError) ?? toTlorcError(error));
    const status = err.httpStatus;
    if (status >= 500) req.log.error({ err: error, code: err.code }, err.message);
    else req.log.info({ code: err.code, status }, err.message);
    const body = err.toJSON();
    // internal errors keep their cause in the log, not in the response
    if (err.code === 'TLORC_INTERNAL') {
      body.message = 'Internal server error.';
      body.details = { requestId: String(req.id) };
    }
    if (err.code === 'TLORC_API_UNAUTHORIZED') void reply.header('www-authenticate', 'Bearer');
    void reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const err = new TlorcError('TLORC_API_NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}.`);
    void reply.code(err.httpStatus).send(err.toJSON());
  });
}
