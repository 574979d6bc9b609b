import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.ts';
import { registerInspectorBinRoutes } from './bins.ts';
import { registerCaptureRoutes } from './capture.ts';
import { registerInspectorPageRoutes } from './page-routes.ts';

/** The request inspector (Herald extension): mint capture bins, capture anything, watch it live. */
export function registerInspector(app: FastifyInstance, deps: ApiDeps): void {
  registerInspectorBinRoutes(app, deps);
  registerCaptureRoutes(app, deps);
  registerInspectorPageRoutes(app, deps);
}
