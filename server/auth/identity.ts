// What the server knows about the caller after checking its credential. The database gets only the ids
// (Caller) and derives rights itself; the API uses the rest to answer early and clearly.
import type { Caller } from '../db/database.ts';

export type AgencyRole = 'agency_admin' | 'editor' | 'viewer';

export interface Membership {
  agency_id: string;
  agency_code: string;
  agency_name_vi: string;
  role: AgencyRole;
  layer_scope: string[] | null;
}

export interface Identity extends Caller {
  kind: 'anonymous' | 'user' | 'api_client';
  sessionId?: string;
  csrfHash?: string;
  username?: string;
  displayName?: string;
  isOperator: boolean;
  memberships: Membership[];
  apiClient?: { agencyId: string; agencyCode: string; name: string; layerScope: string[] | null; canWrite: boolean };
}

export const anonymousIdentity: Identity = Object.freeze({ kind: 'anonymous', isOperator: false, memberships: [] });

/** May this caller write features of a layer owned by `ownerAgencyId`? (The database checks again.) */
export function canWriteLayer(identity: Identity, layer: { id: string; owner: { id: string } }): boolean {
  if (identity.kind === 'api_client') {
    const c = identity.apiClient!;
    return c.canWrite && c.agencyId === layer.owner.id && (c.layerScope === null || c.layerScope.includes(layer.id));
  }
  return identity.memberships.some(
    (m) => m.role === 'editor' && m.agency_id === layer.owner.id && (m.layer_scope === null || m.layer_scope.includes(layer.id)),
  );
}

export function administers(identity: Identity, agencyId: string): boolean {
  return identity.isOperator || identity.memberships.some((m) => m.role === 'agency_admin' && m.agency_id === agencyId);
}
