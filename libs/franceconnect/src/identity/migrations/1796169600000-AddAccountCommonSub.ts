import { type MigrationInterface, type QueryRunner, TableColumn, TableUnique } from 'typeorm';

/**
 * Adds `fc_account.common_sub` and its unique constraint: with FranceConnect's common identifier, the
 * `sub` an account was created for, so that two first sign-ins of one person (one per platform) racing
 * on several instances cannot create two accounts. Existing accounts keep `null`: they are found by their
 * links, as before.
 */
export class AddAccountCommonSub1796169600000 implements MigrationInterface {
  // Explicit, so that a bundler renaming classes cannot change the name recorded in `migrations`.
  readonly name = 'AddAccountCommonSub1796169600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('fc_account', new TableColumn({ name: 'common_sub', type: 'varchar', length: '255', isNullable: true }));
    await queryRunner.createUniqueConstraint('fc_account', new TableUnique({ name: 'UQ_fc_account_common_sub', columnNames: ['common_sub'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropUniqueConstraint('fc_account', 'UQ_fc_account_common_sub');
    await queryRunner.dropColumn('fc_account', 'common_sub');
  }
}
