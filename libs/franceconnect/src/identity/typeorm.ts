/**
 * `nest-franceconnect/typeorm`: the identity tables on TypeORM (PostgreSQL or SQLite). Add
 * `IDENTITY_ENTITIES` to the application's data source and run `IDENTITY_MIGRATIONS`; the module uses
 * `TypeOrmIdentityStore` when `identityLinking` is given a `dataSource`. Only this entry loads `typeorm`.
 */
export { IdentityAccount } from './identity-account.entity.js';
export { IdentityLink } from './identity-link.entity.js';
export { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from './identity.schema.js';
export { TypeOrmIdentityStore } from './typeorm-identity.store.js';
