/** What each role may do, and which studies a caller may see. The one place of these rules. */
import { HpoError } from '@hpo/core';
import type { Identity, Role } from './auth-file.js';

/** What an RPC does, as far as authorisation is concerned. */
export type Action = 'read' | 'create' | 'upload' | 'cancel' | 'export';

const ALLOWED: Record<Role, ReadonlySet<Action>> = {
  viewer: new Set(['read']),
  submitter: new Set(['read', 'create', 'upload', 'cancel', 'export']),
  admin: new Set(['read', 'create', 'upload', 'cancel', 'export']),
};

/** Throws PERMISSION_DENIED unless `who`'s role allows `action`. */
export function authorize(who: Identity, action: Action): void {
  if (!ALLOWED[who.role].has(action))
    throw new HpoError('permission_denied', `${who.name} (role ${who.role}) may not ${action}`, {
      hint: action === 'read' ? undefined : 'this needs a submitter or admin token',
    });
}

/** Whether `who` may see something of `tenant` (an admin sees every tenant). */
export function canSee(who: Identity, tenant: string): boolean {
  return who.role === 'admin' || who.tenant === tenant;
}
