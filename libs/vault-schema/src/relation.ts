/** The column types the vault uses, as SQL spells them (the loader casts its array parameters to them). */
export type ColumnType =
  | 'bytea'
  | 'text'
  | 'timestamptz'
  | 'date'
  | 'integer'
  | 'bigint'
  | 'numeric'
  | 'double precision'
  | 'boolean'
  | 'jsonb'
  | 'uuid'
  | 'name';

export interface Column<N extends string = string> {
  name: N;
  type: ColumnType;
}

/** A table or view of the vault, as its migrations create it. */
export interface Relation<N extends string = string> {
  /** Schema-qualified, as SQL text names it: `raw.site_tracking_events_r`. */
  table: string;
  /** In the migration's order. */
  columns: readonly Column<N>[];
  /** Each column's name under its own name: SQL text built from `column.x` compiles only while `x` is declared. */
  column: { readonly [K in N]: K };
}

export const col = <N extends string>(name: N, type: ColumnType): Column<N> => ({ name, type });

/** Generic in the column type, not the name: TypeScript infers a union of names only this way. */
export function relation<C extends Column>(table: string, columns: readonly C[]): Relation<C['name']> {
  const column = Object.fromEntries(columns.map(({ name }) => [name, name])) as Relation<C['name']>['column'];
  return { table, columns, column };
}
