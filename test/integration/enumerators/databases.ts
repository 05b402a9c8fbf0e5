// The databases keyset runs on in these tests: the PostgreSQL server, the PGlite socket server
// (both through `pg`), and an in-process PGlite through its own adapter.
import { randomBytes } from 'node:crypto';

import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

import type { QueryFunction } from '../../../src/enumerators/index.js';
import { pgliteQuery, pgQuery } from '../../../src/enumerators/index.js';
import { pgliteUrl, postgresUrl } from '../../support/servers.js';

export interface Database {
  /** The query function handed to keyset, counting its calls. */
  readonly query: QueryFunction;
  /** Statements run through `query` so far. */
  readonly statements: string[];
  /** Runs setup SQL that is not under test. */
  exec(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  close(): Promise<void>;
}

export interface DatabaseKind {
  readonly name: string;
  open(): Promise<Database>;
}

function counting(query: QueryFunction, statements: string[]): QueryFunction {
  return (text, values) => {
    statements.push(text);
    return query(text, values);
  };
}

function overPg(url: () => string, max: number): () => Promise<Database> {
  return async () => {
    const pool = new pg.Pool({ connectionString: url(), max });
    const statements: string[] = [];
    return {
      query: counting(pgQuery(pool), statements),
      statements,
      exec: (text, values) => pool.query(text, values),
      close: () => pool.end(),
    };
  };
}

export const databases: readonly DatabaseKind[] = [
  { name: 'postgres', open: overPg(postgresUrl, 2) },
  // PGlite has one session for all its socket clients: one connection keeps statements in order.
  { name: 'pglite socket', open: overPg(pgliteUrl, 1) },
  {
    name: 'pglite in process',
    open: async () => {
      const db = await PGlite.create();
      const statements: string[] = [];
      return {
        query: counting(pgliteQuery(db), statements),
        statements,
        exec: (text, values) => db.query<Record<string, unknown>>(text, values),
        close: () => db.close(),
      };
    },
  },
];

/** A table name no other test uses. */
export function uniqueTable(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}
