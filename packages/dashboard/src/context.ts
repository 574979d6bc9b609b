import { createContext, useContext } from 'react';
import type { ApiClient } from './api/client.ts';

export interface DashboardContext {
  api: ApiClient;
  /** The inbound gateway's API (/ingest/api/v1): sources, their endpoints and request log. */
  ingest: ApiClient;
  /** In the tenant portal: the one application shown; null for the operator. */
  portalAppId: string | null;
}

export const Dashboard = createContext<DashboardContext | null>(null);

export function useDashboard(): DashboardContext {
  const context = useContext(Dashboard);
  if (!context) throw new Error('useDashboard outside <Dashboard.Provider>');
  return context;
}
