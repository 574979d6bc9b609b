/**
 * An endpoint's transformation (Svix's IngestEndpointTransformation*): code kept as given, and
 * whether it runs. Stored here since issue 12 (the ingest API's get/patch); run by issue 13's engine.
 * Kept in its own table, so endpoints without one cost nothing, and deleted with its endpoint.
 */
export interface EndpointTransformation {
  code: string | null;
  enabled: boolean;
  updatedAt: number;
}

export interface TransformationStore {
  /** undefined when the endpoint never had one (the API shows {code: null, enabled: false}). */
  getEndpointTransformation(endpointId: string): Promise<EndpointTransformation | undefined>;
  /**
   * Changes the given fields (a field left out keeps its value; a first change starts from
   * {code: null, enabled: false}). NotFoundError if there is no such endpoint.
   */
  setEndpointTransformation(endpointId: string, changes: { code?: string | null; enabled?: boolean }, now: number): Promise<EndpointTransformation>;
}
