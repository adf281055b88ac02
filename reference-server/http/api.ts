import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticateRequest } from '../auth.ts';
import type { Principal, ServerContext } from '../context.ts';
import { createBooking, listMessages, transitionBooking } from '../domain/bookings.ts';
import { changePrice, createListing } from '../domain/listings.ts';
import type { Result } from '../result.ts';
import type { HttpOperations } from '../defects/defect.ts';
import { BodyError, readJsonBody, sendError, sendJson } from './json.ts';

interface Route {
  method: string;
  pattern: RegExp;
  /** 201 for creations, 200 otherwise. */
  createdStatus?: number;
  handle(ctx: ServerContext, user: Principal, params: string[], req: IncomingMessage, url: URL): Promise<Result<unknown>>;
}

const SEGMENT = '([^/]+)';

function createRoutes(ops: HttpOperations): Route[] {
  return [
  {
    method: 'POST',
    pattern: /^\/api\/listings$/,
    createdStatus: 201,
    handle: async (ctx, user, _params, req) => createListing(ctx, user, await readJsonBody(req)),
  },
  {
    method: 'PATCH',
    pattern: new RegExp(`^/api/listings/${SEGMENT}$`),
    handle: async (ctx, user, [id], req) => ops.changePrice(ctx, user, id ?? '', await readJsonBody(req)),
  },
  {
    method: 'POST',
    pattern: /^\/api\/bookings$/,
    createdStatus: 201,
    handle: async (ctx, user, _params, req) => ops.createBooking(ctx, user, await readJsonBody(req)),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/bookings/${SEGMENT}/transition$`),
    handle: async (ctx, user, [id], req) => transitionBooking(ctx, user, id ?? '', await readJsonBody(req)),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/bookings/${SEGMENT}/messages$`),
    handle: async (ctx, user, [id], _req, url) => listMessages(ctx, user, id ?? '', url.searchParams.get('after')),
  },
  ];
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // not a valid id either way; the handler says bad_request
  }
}

/** The contract's HTTP API (docs/contract.md §2.3). Every request is authenticated first. */
export function createApiHandler(ctx: ServerContext, jwtSecret: string, overrides: Partial<HttpOperations> = {}) {
  const routes = createRoutes({ createBooking, changePrice, ...overrides });
  return async function handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      if (req.method === 'GET' || req.method === 'HEAD') sendJson(res, 200, { ok: true });
      else sendError(res, { code: 'bad_request', message: 'use GET /healthz' });
      return;
    }
    const route = routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    if (!route) {
      const pathKnown = routes.some((r) => r.pattern.test(url.pathname));
      sendError(res, {
        code: pathKnown ? 'bad_request' : 'not_found',
        message: pathKnown ? `${req.method} is not allowed on ${url.pathname}` : `no route ${url.pathname}`,
      });
      return;
    }
    const auth = authenticateRequest(req, jwtSecret, ctx.nowMs());
    if (!auth.ok) {
      ctx.log.debug({ reason: auth.reason, path: url.pathname }, 'http request rejected');
      sendError(res, { code: 'unauthorized', message: 'a valid Bearer token is required' });
      return;
    }
    await ctx.store.recordUser(auth.user.userId, auth.user.role);
    const params = (route.pattern.exec(url.pathname) ?? []).slice(1).map(decodeSegment);
    try {
      const result = await route.handle(ctx, auth.user, params, req, url);
      if (result.ok) sendJson(res, route.createdStatus ?? 200, result.value);
      else sendError(res, result.error);
    } catch (error) {
      if (error instanceof BodyError) {
        sendError(res, { code: 'bad_request', message: error.message });
        return;
      }
      ctx.log.error({ err: error, path: url.pathname }, 'http handler failed');
      if (!res.headersSent) sendError(res, { code: 'internal', message: 'the server failed; it has been logged' });
    }
  };
}
