/**
 * Bearer-token authentication: when the server has a token, every route but the
 * health checks needs `Authorization: Bearer <token>`. Compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { TlorcError } from '../errors/index.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function installAuth(app: FastifyInstance, token: string | null): void {
  if (token === null) return;
  const expected = digest(token);
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config?.auth === false) return;
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
      throw new TlorcError('TLORC_API_UNAUTHORIZED', header ? 'The bearer token is not valid.' : 'This server requires a bearer token.');
    }
  });
}
