/** The session's function that runs a batch's load statements (see loadFunction). */
export const LOAD_FUNCTION = 'pg_temp.vault_load_batch';

/**
 * A batch's load statements as one PL/pgSQL function of the session (pg_temp), made once per
 * connection with the staging tables. PL/pgSQL keeps each statement's plan for the session, where a
 * multi-statement query planned every statement on every batch: about 12 of the 20 ms a one-event
 * batch took on an idle machine, and more with every month partition. It takes the numbers (`tbl`)
 * of the tables with rows in the batch, runs their statements in the given order, then the rollups,
 * and answers the rows each table's statement inserted, indexed by table number.
 */
export function loadFunction(statements: ReadonlyArray<{ tbl: number; sql: string }>, rollups: readonly string[]): string {
  const width = Math.max(0, ...statements.map((statement) => statement.tbl));
  return [
    `CREATE OR REPLACE FUNCTION ${LOAD_FUNCTION}(_tables integer[]) RETURNS integer[] LANGUAGE plpgsql AS $load$`,
    'DECLARE',
    `  _inserted integer[] := array_fill(0, ARRAY[${width}]);`,
    '  _rows integer;',
    'BEGIN',
    ...statements.flatMap(({ tbl, sql }) => [
      `  IF ${tbl} = ANY (_tables) THEN`,
      `    ${sql.split('\n').join('\n    ')};`,
      '    GET DIAGNOSTICS _rows = ROW_COUNT;',
      `    _inserted[${tbl}] := _rows;`,
      '  END IF;',
    ]),
    ...rollups.map((sql) => `  ${sql.split('\n').join('\n  ')};`),
    '  RETURN _inserted;',
    'END',
    '$load$',
  ].join('\n');
}
