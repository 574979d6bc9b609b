/** One mutating API call, as the audit log keeps it. Rows are only ever appended. */
export interface AuditEntry {
  id: string;
  at: number;
  actorKind: 'admin' | 'organisation' | 'application';
  /** The stored token's id; null for the admin token. */
  actorTokenId: string | null;
  method: string;
  /** The route pattern, e.g. /api/v1/app/:app_id/endpoint/:endpoint_id. */
  route: string;
  /** The path parameters and, for a create, the new resource's id. */
  resourceIds: Record<string, string>;
  status: number;
}
