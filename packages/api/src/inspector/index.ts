import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.ts';
import { registerInspectorBinRoutes } from './bins.ts';
import { registerInspectorPageRoutes } from './page-routes.ts';

/** The request inspector (Herald extension): mint capture bins, watch captures live. Capturing is on /in/ (inbound/receive-route.ts). */
export function registerInspector(app: FastifyInstance, deps: ApiDeps): void {
  registerInspectorBinRoutes(app, deps);
  registerInspectorPageRoutes(app, deps);
}
