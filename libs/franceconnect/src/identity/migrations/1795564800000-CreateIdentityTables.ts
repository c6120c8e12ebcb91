import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { identityColumnTypes } from '../identity-columns.js';

/**
 * Creates `fc_account` and `fc_identity_link` on PostgreSQL or SQLite (better-sqlite3), with the same
 * constraint and index names as the entities, so that TypeORM's schema diff stays empty afterwards.
 * Written with TypeORM's `Table` API, which also honours the data source's `schema` on PostgreSQL.
 */
export class CreateIdentityTables1795564800000 implements MigrationInterface {
  // Explicit, so that a bundler renaming classes cannot change the name recorded in `migrations`.
  readonly name = 'CreateIdentityTables1795564800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = identityColumnTypes(queryRunner.dataSource.options.type);
    await queryRunner.createTable(
      new Table({
        name: 'fc_account',
        columns: [
          { name: 'id', type: types.uuid, isPrimary: true, primaryKeyConstraintName: 'PK_fc_account' },
          { name: 'created_at', type: types.timestamp },
          { name: 'pivot_hash', type: 'varchar', length: '64', isNullable: true },
        ],
        indices: [{ name: 'IDX_fc_account_pivot_hash', columnNames: ['pivot_hash'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'fc_identity_link',
        columns: [
          { name: 'id', type: types.uuid, isPrimary: true, primaryKeyConstraintName: 'PK_fc_identity_link' },
          { name: 'account_id', type: types.uuid },
          { name: 'platform', type: 'varchar', length: '3' },
          { name: 'sub', type: 'varchar', length: '255' },
          { name: 'first_seen_at', type: types.timestamp },
          { name: 'last_seen_at', type: types.timestamp },
          { name: 'last_acr', type: 'varchar', length: '64' },
          { name: 'pivot_hash', type: 'varchar', length: '64', isNullable: true },
        ],
        uniques: [
          { name: 'UQ_fc_identity_link_platform_sub', columnNames: ['platform', 'sub'] },
          { name: 'UQ_fc_identity_link_account_platform', columnNames: ['account_id', 'platform'] },
        ],
        checks: [{ name: 'CHK_fc_identity_link_platform', expression: `"platform" IN ('fc', 'fcp')` }],
        indices: [{ name: 'IDX_fc_identity_link_pivot_hash', columnNames: ['pivot_hash'] }],
        foreignKeys: [
          {
            name: 'FK_fc_identity_link_account',
            columnNames: ['account_id'],
            referencedTableName: 'fc_account',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('fc_identity_link');
    await queryRunner.dropTable('fc_account');
  }
}
