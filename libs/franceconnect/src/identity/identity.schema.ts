import { IdentityAccount } from './identity-account.entity.js';
import { IdentityLink } from './identity-link.entity.js';
import { CreateIdentityTables1795564800000 } from './migrations/1795564800000-CreateIdentityTables.js';
import { AddAccountCommonSub1796169600000 } from './migrations/1796169600000-AddAccountCommonSub.js';

/**
 * Entities of identity linking, to add to the application's `DataSource` `entities`.
 *
 * @example
 * ```ts
 * new DataSource({ type: 'postgres', entities: [...IDENTITY_ENTITIES], migrations: [...IDENTITY_MIGRATIONS] })
 * ```
 */
export const IDENTITY_ENTITIES = Object.freeze([IdentityAccount, IdentityLink] as const);

/** Migrations creating the identity tables, in order; add them to the `DataSource` `migrations`. */
export const IDENTITY_MIGRATIONS = Object.freeze([CreateIdentityTables1795564800000, AddAccountCommonSub1796169600000] as const);
