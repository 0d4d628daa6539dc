import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DAILY_SESSION_SKETCHES, DAILY_VISITOR_SKETCHES, EXACT_MEMBERS, REGISTERS, SKETCH_PRECISION, SKETCH_TABLES } from '@tracking/vault-schema';
import { BACKFILL_SKETCHES, sketchKeys } from '../../vault/rollup-statements';

const TENANT = `tenant_hk bytea NOT NULL CHECK (octet_length(tenant_hk) = 32)`;
/** The 52 bits of a hash above its register index. */
const RANK_MASK = `${2n ** BigInt(64 - SKETCH_PRECISION) - 1n}`;

/**
 * Distinct sketches (libs/vault-schema distinct-sketch.ts) of visitors and sessions per day, at the
 * grains of daily_visitors and daily_sessions without the member: the read API's unique visitors and
 * sessions then cost days × grains, not a row per visitor or session and day and grain (about one
 * per event). The SQL half of the sketch: `sketch_add` (a sketch with more hashes: members while at
 * most EXACT_MEMBERS, registers beyond), `sketch_union`, and `sketch_members` (the hashes of a sketch
 * that keeps them). Existing staging rows are counted in; holds writes to the new tables only.
 */
export class DistinctSketches1796000000000 implements MigrationInterface {
  readonly name = 'DistinctSketches1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `CREATE FUNCTION rollup.sketch_members(sketch bytea) RETURNS bigint[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(('x' || encode(substring(sketch FROM i * 8 + 1 FOR 8), 'hex'))::bit(64)::bigint ORDER BY i), '{}')
          FROM generate_series(0, length(sketch) / 8 - 1) i
      $$`,
      // A hash's register (its low bits) and rank there (the position of the first 1 bit in the rest).
      `CREATE FUNCTION rollup.sketch_index(h bigint) RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT (h & ${REGISTERS - 1})::integer
      $$`,
      `CREATE FUNCTION rollup.sketch_rank(h bigint) RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT ${64 - SKETCH_PRECISION + 1} - length(ltrim(((h >> ${SKETCH_PRECISION}) & ${RANK_MASK})::bit(64)::text, '0'))
      $$`,
      // One hash (8 bytes, big-endian) into registers.
      `CREATE FUNCTION rollup.sketch_register(registers bytea, hash bytea) RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
      DECLARE
        h bigint := ('x' || encode(hash, 'hex'))::bit(64)::bigint;
        idx integer := rollup.sketch_index(h);
        rank integer := rollup.sketch_rank(h);
      BEGIN
        IF get_byte(registers, idx) < rank THEN
          RETURN set_byte(registers, idx, rank);
        END IF;
        RETURN registers;
      END
      $$`,
      // Hashes (8-byte keys, any order) into a sketch: a member sketch stays sorted by bytes (a binary
      // search per key, so adding a few to a large one reads only it), and turns to registers past the limit.
      `CREATE FUNCTION rollup.sketch_merge_keys(sketch bytea, keys bytea) RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
      DECLARE
        k bytea;
        lo integer;
        hi integer;
        mid integer;
        registers bytea;
      BEGIN
        FOR i IN 0 .. length(keys) / 8 - 1 LOOP
          k := substring(keys FROM i * 8 + 1 FOR 8);
          IF length(sketch) = ${REGISTERS} THEN
            sketch := rollup.sketch_register(sketch, k);
            CONTINUE;
          END IF;
          lo := 0;
          hi := length(sketch) / 8;
          WHILE lo < hi LOOP
            mid := (lo + hi) / 2;
            IF substring(sketch FROM mid * 8 + 1 FOR 8) < k THEN lo := mid + 1; ELSE hi := mid; END IF;
          END LOOP;
          CONTINUE WHEN substring(sketch FROM lo * 8 + 1 FOR 8) = k;
          sketch := substring(sketch FROM 1 FOR lo * 8) || k || substring(sketch FROM lo * 8 + 1);
          IF length(sketch) > ${EXACT_MEMBERS * 8} THEN
            registers := decode(repeat('00', ${REGISTERS}), 'hex');
            FOR j IN 0 .. length(sketch) / 8 - 1 LOOP
              registers := rollup.sketch_register(registers, substring(sketch FROM j * 8 + 1 FOR 8));
            END LOOP;
            sketch := registers;
          END IF;
        END LOOP;
        RETURN sketch;
      END
      $$`,
      `CREATE FUNCTION rollup.sketch_add(sketch bytea, hashes bigint[]) RETURNS bytea LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
      DECLARE
        keys bytea := coalesce((SELECT string_agg(k, ''::bytea ORDER BY k) FROM (SELECT DISTINCT int8send(h) AS k FROM unnest(hashes) h WHERE h IS NOT NULL) AS distinct_keys), ''::bytea);
      BEGIN
        IF coalesce(length(sketch), 0) = 0 AND length(keys) <= ${EXACT_MEMBERS * 8} THEN
          RETURN keys;
        END IF;
        -- Many hashes at once (a recount, the migration's count): each register's highest rank in one pass.
        IF coalesce(length(sketch), 0) = 0 THEN
          RETURN (SELECT string_agg(set_byte('\\x00'::bytea, 0, coalesce(r.rank, 0)), ''::bytea ORDER BY i)
                    FROM generate_series(0, ${REGISTERS - 1}) i
                    LEFT JOIN (SELECT rollup.sketch_index(h) AS idx, max(rollup.sketch_rank(h)) AS rank FROM unnest(hashes) h WHERE h IS NOT NULL GROUP BY 1) r ON r.idx = i);
        END IF;
        RETURN rollup.sketch_merge_keys(coalesce(sketch, ''::bytea), keys);
      END
      $$`,
      `CREATE FUNCTION rollup.sketch_union(a bytea, b bytea) RETURNS bytea LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
      BEGIN
        IF a IS NULL THEN RETURN b; END IF;
        IF b IS NULL THEN RETURN a; END IF;
        IF length(b) < ${REGISTERS} THEN RETURN rollup.sketch_merge_keys(a, b); END IF;
        IF length(a) < ${REGISTERS} THEN RETURN rollup.sketch_merge_keys(b, a); END IF;
        RETURN (SELECT string_agg(set_byte('\\x00'::bytea, 0, greatest(get_byte(a, i), get_byte(b, i))), ''::bytea ORDER BY i) FROM generate_series(0, ${REGISTERS - 1}) i);
      END
      $$`,
      `CREATE TABLE ${DAILY_VISITOR_SKETCHES.table} (${TENANT}, day date NOT NULL, site_id text, event_type text NOT NULL, event_name text,
        page_host text, page_path text, referrer_domain text, visitors bytea NOT NULL)`,
      `CREATE TABLE ${DAILY_SESSION_SKETCHES.table} (${TENANT}, day date NOT NULL, site_id text, event_type text NOT NULL, event_name text,
        page_host text, page_path text, utm_source text, utm_medium text, utm_campaign text, sessions bytea NOT NULL)`,
      ...SKETCH_TABLES.flatMap((sketch) => {
        const name = sketch.table.split('.')[1] ?? sketch.table;
        return [
          `CREATE UNIQUE INDEX ${name}_grain ON ${sketch.table} (${sketchKeys(sketch).join(', ')}) NULLS NOT DISTINCT`,
          `ALTER TABLE ${sketch.table} ENABLE ROW LEVEL SECURITY`,
          `CREATE POLICY tenant_isolation ON ${sketch.table} FOR SELECT USING (tenant_hk = (SELECT vault_security.current_tenant_hk()))`,
          `GRANT SELECT ON ${sketch.table} TO tracking_reader, tracking_analyst`,
        ];
      }),
      ...BACKFILL_SKETCHES,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sketch of SKETCH_TABLES) await queryRunner.query(`DROP TABLE ${sketch.table}`);
    for (const fn of ['sketch_union(bytea, bytea)', 'sketch_add(bytea, bigint[])', 'sketch_merge_keys(bytea, bytea)', 'sketch_register(bytea, bytea)', 'sketch_rank(bigint)', 'sketch_index(bigint)', 'sketch_members(bytea)']) await queryRunner.query(`DROP FUNCTION rollup.${fn}`);
  }
}
