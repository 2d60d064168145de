import type { Migration, MigrationProvider } from 'kysely';
import type { Dialect } from '../schema.js';
import { migration0001 } from './0001-init.js';
import { migration0002 } from './0002-log.js';
import { migration0003 } from './0003-franking.js';
import { migration0004 } from './0004-reports.js';
import { migration0005 } from './0005-moderation.js';
import { migration0006 } from './0006-authority.js';
import { migration0007 } from './0007-evidence.js';
import { migration0008 } from './0008-log-witnesses.js';

/** The numbered migrations, in order. Kysely's Migrator applies the ones not yet recorded. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001-init': migration0001(dialect),
        '0002-log': migration0002(dialect),
        '0003-franking': migration0003(dialect),
        '0004-reports': migration0004(dialect),
        '0005-moderation': migration0005(dialect),
        '0006-authority': migration0006(dialect),
        '0007-evidence': migration0007(dialect),
        '0008-log-witnesses': migration0008(dialect),
      };
    },
  };
}
