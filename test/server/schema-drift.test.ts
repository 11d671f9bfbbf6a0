import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testEngines } from '../db.js';

/**
 * The hand-written Kysely types (server/db/schema.ts) against the migrated database: the same tables and
 * columns, each column of the same type family and nullability. TypeScript types are erased at run time, so
 * schema.ts is read with the TypeScript compiler: every column's *select* type (ColumnType<S, …> and
 * Generated<S> unwrapped, as Kysely does) is reduced to a family and whether it includes `null`.
 */

type Family = 'string' | 'number' | 'boolean' | 'Date' | 'json';
interface ColumnDescription {
  type: Family;
  nullable: boolean;
}
type SchemaDescription = Record<string, Record<string, ColumnDescription>>;

/**
 * How node-postgres and PGlite hand each Postgres type to us (int8 is parsed as a number on both engines:
 * server/db/index.ts). A Postgres type missing here fails the test: decide its family, then add it.
 */
const PG_FAMILY: Readonly<Record<string, Family>> = {
  text: 'string',
  varchar: 'string',
  bpchar: 'string',
  citext: 'string',
  uuid: 'string',
  int2: 'number',
  int4: 'number',
  int8: 'number',
  float4: 'number',
  float8: 'number',
  bool: 'boolean',
  timestamptz: 'Date',
  jsonb: 'json',
  json: 'json',
};

const SCHEMA_FILE = fileURLToPath(new URL('../../server/db/schema.ts', import.meta.url));

/** Reads `interface DB` of server/db/schema.ts with the compiler: table → column → family and nullability. */
function describeSchemaTs(file: string): SchemaDescription {
  const program = ts.createProgram([file], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`cannot read ${file}`);
  const db = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'DB');
  if (!db) throw new Error(`no interface DB in ${file}`);

  /** Kysely's SelectType, distributively: `ColumnType<S, I, U> | null` → S | null. */
  const selectParts = (type: ts.Type): ts.Type[] =>
    (type.isUnion() ? type.types : [type]).flatMap((part) => {
      const select = part.getProperty('__select__');
      return select ? selectParts(checker.getTypeOfSymbolAtLocation(select, db)) : [part];
    });

  function familyOf(part: ts.Type): Family | `unrecognised: ${string}` {
    const f = part.flags;
    if (f & (ts.TypeFlags.String | ts.TypeFlags.StringLiteral)) return 'string';
    if (f & (ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral)) return 'number';
    if (f & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral)) return 'boolean';
    if (f & ts.TypeFlags.Object) {
      if (part.getSymbol()?.getName() === 'Date') return 'Date';
      // Record<string, unknown> and friends: a JSON object.
      if (checker.getIndexInfosOfType(part).some((info) => info.keyType.flags & ts.TypeFlags.String)) return 'json';
    }
    return `unrecognised: ${checker.typeToString(part)}`;
  }

  const description: SchemaDescription = {};
  for (const table of checker.getPropertiesOfType(checker.getTypeAtLocation(db))) {
    const columns: Record<string, ColumnDescription> = {};
    for (const column of checker.getPropertiesOfType(checker.getTypeOfSymbolAtLocation(table, db))) {
      const parts = selectParts(checker.getTypeOfSymbolAtLocation(column, db));
      const nullable = parts.some((p) => p.flags & ts.TypeFlags.Null);
      const families = [...new Set(parts.filter((p) => !(p.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined))).map(familyOf))];
      const where = `${table.getName()}.${column.getName()}`;
      if (families.length !== 1) throw new Error(`${where}: expected one type family in schema.ts, found ${families.join(', ') || 'none'}`);
      if (families[0]!.startsWith('unrecognised')) throw new Error(`${where}: ${families[0]}`);
      columns[column.getName()] = { type: families[0] as Family, nullable };
    }
    description[table.getName()] = columns;
  }
  return description;
}

const sortKeys = <T>(record: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));

let declared: SchemaDescription;
beforeAll(() => {
  declared = describeSchemaTs(SCHEMA_FILE);
});

describe('reading server/db/schema.ts', () => {
  // Guards the reader itself: were the compiler to lose kysely's ColumnType, these would no longer hold.
  it('finds every table, and unwraps ColumnType, Generated and `| null` as Kysely does', () => {
    expect(Object.keys(declared).length).toBeGreaterThanOrEqual(18);
    expect(declared.inquiries?.expires_at).toEqual({ type: 'Date', nullable: false });
    expect(declared.inquiries?.started_at).toEqual({ type: 'Date', nullable: true });
    expect(declared.inquiries?.email_normalized).toEqual({ type: 'string', nullable: true });
    expect(declared.inquiries?.fields).toEqual({ type: 'json', nullable: false });
    expect(declared.policy_revisions?.id).toEqual({ type: 'number', nullable: false });
    expect(declared.staff?.must_change_password).toEqual({ type: 'boolean', nullable: false });
    expect(declared.access_links?.kind).toEqual({ type: 'string', nullable: false });
    expect(declared.audit_chain_head?.prev_hash).toEqual({ type: 'string', nullable: true });
  });
});

describe.each(testEngines())('schema types match the migrated database on %s', (engine) => {
  it('has exactly the tables and columns server/db/schema.ts declares, each of the same type family and nullability', async () => {
    const database = await createTestDatabase(engine);
    try {
      const rows = await sql<{ table_name: string; column_name: string; udt_name: string; is_nullable: 'YES' | 'NO' }>`
        select table_name, column_name, udt_name, is_nullable from information_schema.columns
        where table_schema = 'public' and table_name <> 'schema_migrations'`.execute(database.db);
      expect(rows.rows.length).toBeGreaterThan(100);
      const actual: SchemaDescription = {};
      const unmapped: string[] = [];
      for (const r of rows.rows) {
        const type = PG_FAMILY[r.udt_name];
        if (!type) unmapped.push(`${r.table_name}.${r.column_name}: ${r.udt_name}`);
        (actual[r.table_name] ??= {})[r.column_name] = { type: type ?? (`unmapped ${r.udt_name}` as Family), nullable: r.is_nullable === 'YES' };
      }
      expect(unmapped, 'Postgres types with no family in PG_FAMILY').toEqual([]);
      const sorted = (d: SchemaDescription) => sortKeys(Object.fromEntries(Object.entries(d).map(([t, cols]) => [t, sortKeys(cols)])));
      expect(sorted(actual), 'the migrated database (received) against server/db/schema.ts (expected)').toEqual(sorted(declared));
    } finally {
      await database.close();
    }
  });
});
