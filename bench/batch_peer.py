#!/usr/bin/env python3
"""The batch benchmark's SQL peer: the core of `hardship batch` written as one DuckDB query.

Usage: batch_peer.py INPUT OUTPUT TABLES_DIR [--threads N] [--compare OURS]

TABLES_DIR holds the rule book's per-year parameters as CSV (written by the `batch_peer_tables` example),
so the SQL decides from the same rules as the Rust code. Prints `seconds=S` (connect, load the CSV, decide,
score and write the output in input order; Python's start and the `import duckdb` are not counted) and,
with --compare, how many rows agree with our output on the columns the SQL computes.

What the SQL covers:
  - individual and APM-entity rows decided per clinician: special statuses (hospital-based, non-patient-
    facing, ASC-based, where the year has the rule), automatically reweighted clinician types, the small
    practice (tin_clinician_count, else the largest number of rows at any level for the year and TIN),
    CMS's automatic EUC (every individual in PY 2020-2021, or a practice ZIP in the year's area list),
    hardship applications (reason accepted this year, the small-practice reason over the size limit, the
    levels that may apply, approved / pending / denied), in the order the rules apply them;
  - group and virtual-group rows aggregated per (year, TIN, level): the hospital-based and non-patient-
    facing group definitions (share of members), the members test (all MIPS eligible members qualifying
    on their own ground, a single shared ground or group_all_members_qualify), the near miss
    (group_test_not_met), small practice and applications at entity level, and each member's own
    pi_basis (group_test_not_met for a member who would qualify alone);
  - PI submission voiding (any data before PY 2025, only qualifying data from PY 2025; the PY 2019 COVID-19
    application survives it);
  - scoring: PI out when reweighted, cost out in the COVID-19 years' levels, the automatic EUC's categories
    without data out, PI scored at 0 when not reweighted and missing, the fewer-than-two-categories rule,
    the year's redistribution table (small / not small), the PY 2018 small-practice bonus, the complex
    patient bonus cap, the final score rounded to two decimals and the adjustment band.
What it does not cover:
  - the `warnings` and `sources` columns (written empty): no citation bookkeeping, no warning codes;
  - validation: no NPI check digit, no range checks, no error messages naming line and column, no check
    that the rows of an entity agree (the SQL takes any one row's entity values), no --skip-bad-rows;
  - streaming: the whole file is loaded into DuckDB's memory.
"""

import argparse
import os
import sys
import time

import duckdb

COLUMNS = {
    "performance_year": "SMALLINT",
    "npi": "VARCHAR",
    "tin": "VARCHAR",
    "reporting_level": "VARCHAR",
    "clinician_type": "VARCHAR",
    "hospital_based": "BOOLEAN",
    "non_patient_facing": "BOOLEAN",
    "asc_based": "BOOLEAN",
    "tin_clinician_count": "INTEGER",
    "hardship_reason": "VARCHAR",
    "hardship_status": "VARCHAR",
    "pi_submitted": "VARCHAR",
    "quality_score": "DOUBLE",
    "cost_score": "DOUBLE",
    "ia_score": "DOUBLE",
    "pi_score": "DOUBLE",
    "complex_patient_bonus": "DOUBLE",
    "practice_zip": "VARCHAR",
}


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("tables")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--compare")
    a = ap.parse_args()

    with open(a.input, encoding="utf-8") as f:
        header = [c.strip() for c in f.readline().rstrip("\r\n").split(",")]
    cols = "{" + ", ".join(f"{sql_str(c)}: {sql_str(COLUMNS[c])}" for c in header) + "}"
    # Optional columns absent from the file are NULL.
    def col(name):
        return name if name in header else "NULL"

    t = lambda name: sql_str(os.path.join(a.tables, name))
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads = {a.threads}")
    con.execute("SET preserve_insertion_order = true")
    for name in ["years", "types", "reasons", "redistribution", "euc_zips"]:
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv({t(name + '.csv')}, header = true)")
    con.execute(
        f"""
        CREATE TABLE r AS
        SELECT performance_year AS year, npi, replace(tin, '-', '') AS tin, reporting_level AS lvl,
               clinician_type AS ct, hospital_based AS hb, non_patient_facing AS npf, asc_based AS ascb,
               {col('tin_clinician_count')} AS tcc,
               nullif(hardship_reason, '') AS reason, nullif(hardship_status, '') AS status,
               lower(pi_submitted) AS pis,
               quality_score AS q, cost_score AS c, ia_score AS ia, pi_score AS pi,
               coalesce({col('complex_patient_bonus')}, 0) AS cpb,
               left({col('practice_zip')}, 5) AS zip
        FROM read_csv({sql_str(a.input)}, header = true, auto_detect = false, columns = {cols},
                      nullstr = '', quote = '"')
        """
    )
    con.execute(f"COPY ({QUERY}) TO {sql_str(a.output)} (HEADER, DELIMITER ',')")
    con.close()
    seconds = time.perf_counter() - start
    print(f"seconds={seconds:.3f}")

    if a.compare:
        compare(a.output, a.compare)


QUERY = """
WITH
sizes AS (
  SELECT year, tin, max(n) AS size FROM (SELECT year, tin, lvl, count(*) AS n FROM r GROUP BY ALL) GROUP BY ALL
),
-- Each row's own facts: the ground it would qualify on alone (a status, then an automatic type).
own AS (
  SELECT r.rowid AS rn, r.*, y.* EXCLUDE (year),
         ty.eligible AS elig, ty.automatic AS auto_type,
         CASE WHEN hb AND y.hb_rule THEN 'special_status:hospital_based'
              WHEN npf AND y.npf_rule THEN 'special_status:non_patient_facing'
              WHEN ascb AND y.asc_rule THEN 'special_status:asc_based'
              WHEN ty.automatic THEN 'clinician_type:' || ct END AS ground,
         z.zip IS NOT NULL AS in_area,
         rs.accepted AS r_accepted, rs.voided_by_pi AS r_voided,
         CASE lvl WHEN 'individual' THEN y.apply_individual WHEN 'group' THEN y.apply_group
                  WHEN 'virtual_group' THEN y.apply_virtual_group ELSE y.apply_apm_entity END AS level_ok,
         CASE lvl WHEN 'individual' THEN y.cns_individual WHEN 'group' THEN y.cns_group
                  WHEN 'virtual_group' THEN y.cns_virtual_group ELSE y.cns_apm_entity END AS cns,
         lvl IN ('group', 'virtual_group') AS collective
  FROM r
  JOIN years y USING (year)
  JOIN types ty ON ty.year = r.year AND ty.clinician_type = r.ct
  LEFT JOIN euc_zips z ON z.year = r.year AND z.zip = r.zip
  LEFT JOIN reasons rs ON rs.year = r.year AND rs.reason = r.reason
),
-- Group and virtual-group entities: members counted per (year, TIN, level).
ent AS (
  SELECT year, tin, lvl,
         count(*) AS n,
         count(*) FILTER (WHERE elig) AS eligible,
         count(*) FILTER (WHERE elig AND ground IS NOT NULL) AS qualifying,
         count(DISTINCT ground) FILTER (WHERE elig AND ground IS NOT NULL) AS grounds,
         min(ground) FILTER (WHERE elig AND ground IS NOT NULL) AS one_ground,
         count(*) FILTER (WHERE hb) AS hbn, count(*) FILTER (WHERE npf) AS npfn
  FROM own WHERE collective GROUP BY ALL
),
ent_basis AS (
  SELECT e.*,
         CASE WHEN e.hbn > 0 AND y.hb_rule AND (CASE WHEN y.hb_inclusive THEN e.hbn / e.n >= y.hb_share - 1e-12
                                                     ELSE e.hbn / e.n > y.hb_share + 1e-12 END)
                THEN 'special_status:hospital_based'
              WHEN e.npfn > 0 AND y.npf_rule AND (CASE WHEN y.npf_inclusive THEN e.npfn / e.n >= y.npf_share - 1e-12
                                                       ELSE e.npfn / e.n > y.npf_share + 1e-12 END)
                THEN 'special_status:non_patient_facing'
              WHEN e.qualifying = 0 OR NOT (e.eligible > 0 AND e.qualifying = e.eligible) THEN NULL
              WHEN e.grounds = 1 THEN e.one_ground
              WHEN y.mixed_grounds THEN 'group_all_members_qualify' END AS members_basis,
         e.qualifying > 0 AS near
  FROM ent e JOIN years y USING (year)
),
decided AS (
  SELECT o.*,
         coalesce(o.tcc, CASE WHEN o.collective THEN eb.n ELSE s.size END, 1) AS size,
         eb.members_basis, eb.near,
         NOT o.collective AND o.lvl = 'individual' AND (o.euc_all OR o.in_area) AS euc
  FROM own o
  LEFT JOIN sizes s ON NOT o.collective AND s.year = o.year AND s.tin = o.tin
  LEFT JOIN ent_basis eb ON o.collective AND eb.year = o.year AND eb.tin = o.tin AND eb.lvl = o.lvl
),
qual AS (
  SELECT d.*,
         d.size <= d.small_max AS small,
         coalesce(
           CASE WHEN d.collective THEN d.members_basis ELSE d.ground END,
           CASE WHEN d.small_auto AND d.size <= d.small_max THEN 'small_practice' END,
           CASE WHEN d.euc AND d.euc_pi THEN 'automatic_euc' END,
           CASE WHEN d.reason IS NOT NULL AND d.r_accepted AND d.status = 'approved'
                     AND NOT (d.reason = 'small_practice' AND d.size > d.small_max) AND d.level_ok
                THEN 'hardship:' || d.reason END
         ) AS basis0,
         (d.pis IN ('true', 'qualifying') OR (d.pis = 'incomplete' AND d.incomplete_voids)) AS counts
  FROM decided d
),
voiding AS (
  SELECT qq.*,
         qq.basis0 IS NOT NULL AND qq.counts AND qq.voids_applies
           AND NOT (qq.basis0 LIKE 'hardship:%' AND NOT qq.r_voided) AS voided
  FROM qual qq
),
basis AS (
  SELECT p.*,
         p.basis0 IS NOT NULL AND NOT p.voided AS reweighted,
         CASE WHEN p.voided THEN 'voided_by_pi_submission'
              WHEN p.basis0 IS NOT NULL THEN p.basis0
              WHEN p.collective AND p.near THEN 'group_test_not_met'
              ELSE 'none' END AS ebasis
  FROM voiding p
),
member AS (
  SELECT b.*,
         CASE WHEN b.collective AND b.ebasis IN ('group_test_not_met', 'none')
              THEN CASE WHEN (b.elig AND b.ground IS NOT NULL) OR b.euc_all OR b.in_area
                        THEN 'group_test_not_met' ELSE 'none' END
              ELSE b.ebasis END AS pi_basis,
         -- The scores used: PI out when reweighted, cost out when CMS set it to 0%, the automatic EUC's
         -- categories without data (cost always) out, PI at 0 when not reweighted and missing.
         CASE WHEN b.euc AND b.euc_q AND (NOT b.euc_q_data OR b.q IS NULL) THEN NULL ELSE b.q END AS uq,
         CASE WHEN b.cns OR (b.euc AND b.euc_c AND (NOT b.euc_c_data OR b.c IS NULL)) THEN NULL ELSE b.c END AS uc,
         CASE WHEN b.euc AND b.euc_ia AND (NOT b.euc_ia_data OR b.ia IS NULL) THEN NULL ELSE b.ia END AS uia,
         CASE WHEN b.reweighted THEN NULL ELSE coalesce(b.pi, 0.0) END AS upi
  FROM basis b
),
scored AS (
  SELECT m.*,
         (CASE WHEN m.uq IS NULL AND m.base_q > 0 THEN 1 ELSE 0 END
          + CASE WHEN m.uc IS NULL AND m.base_c > 0 THEN 2 ELSE 0 END
          + CASE WHEN m.uia IS NULL AND m.base_ia > 0 THEN 4 ELSE 0 END
          + CASE WHEN m.upi IS NULL AND m.base_pi > 0 THEN 8 ELSE 0 END) AS mask,
         (m.base_q > 0)::INT + (m.base_c > 0)::INT + (m.base_ia > 0)::INT + (m.base_pi > 0)::INT AS active
  FROM member m
),
weighted AS (
  SELECT s.*,
         s.active - bit_count(s.mask::UTINYINT) AS scored_count,
         CASE WHEN s.mask = 0 THEN s.base_q ELSE coalesce(rd.q, s.base_q) END AS wq,
         CASE WHEN s.mask = 0 THEN s.base_c ELSE coalesce(rd.c, s.base_c) END AS wc,
         CASE WHEN s.mask = 0 THEN s.base_ia ELSE coalesce(rd.ia, s.base_ia) END AS wia,
         CASE WHEN s.mask = 0 THEN s.base_pi ELSE coalesce(rd.pi, s.base_pi) END AS wpi
  FROM scored s
  LEFT JOIN redistribution rd ON rd.year = s.year AND rd.mask = s.mask AND rd.small = s.small
),
fin AS (
  SELECT w.*,
         w.scored_count < 2 AND w.fewer_rule AS fewer,
         CASE WHEN w.scored_count < 2 AND w.fewer_rule THEN w.threshold
              ELSE least(greatest(
                     coalesce(w.uq * w.wq / 100.0, 0) + coalesce(w.uc * w.wc / 100.0, 0)
                     + coalesce(w.uia * w.wia / 100.0, 0) + coalesce(w.upi * w.wpi / 100.0, 0)
                     + ((CASE WHEN w.small AND w.scored_count > 0 THEN w.spb_final_points ELSE 0 END)
                        + CASE WHEN w.cpb > 0 THEN least(w.cpb, w.cpb_max) ELSE 0 END),
                   0), 100) END AS fs
  FROM weighted w
)
SELECT year AS performance_year, npi, tin, lvl AS reporting_level, reweighted AS pi_reweighted, pi_basis,
       CASE WHEN fewer THEN 0 ELSE wq END AS weight_quality,
       CASE WHEN fewer THEN 0 ELSE wc END AS weight_cost,
       CASE WHEN fewer THEN 0 ELSE wia END AS weight_ia,
       CASE WHEN fewer THEN 0 ELSE wpi END AS weight_pi,
       format('{:.2f}', round(fs * 100) / 100) AS final_score,
       CASE WHEN abs(fs - threshold) < 1e-9 THEN 'neutral'
            WHEN fs < threshold AND fs <= threshold * floor_fraction + 1e-9 THEN 'negative_max'
            WHEN fs < threshold THEN 'negative'
            WHEN exceptional IS NOT NULL AND fs + 1e-9 >= exceptional THEN 'exceptional'
            ELSE 'positive' END AS adjustment_band,
       NULL::VARCHAR AS warnings, NULL::VARCHAR AS sources
FROM fin
ORDER BY rn
"""


def compare(peer, ours):
    """Rows on which the peer and our output agree, column by column (not timed)."""
    con = duckdb.connect()
    cols = ["pi_reweighted", "pi_basis", "weight_quality", "weight_cost", "weight_ia", "weight_pi",
            "final_score", "adjustment_band"]
    for name, path in [("a", peer), ("b", ours)]:
        con.execute(
            f"CREATE TABLE {name} AS SELECT row_number() OVER () AS rn, * FROM "
            f"read_csv({sql_str(path)}, header = true, all_varchar = true)"
        )
    total = con.execute("SELECT count(*) FROM b").fetchone()[0]
    agree_all = " AND ".join(f"a.{c} IS NOT DISTINCT FROM b.{c}" for c in cols)
    parts = ", ".join(f"count(*) FILTER (a.{c} IS NOT DISTINCT FROM b.{c})" for c in cols)
    row = con.execute(
        f"SELECT count(*) FILTER ({agree_all}), {parts} FROM a JOIN b USING (rn)"
    ).fetchone()
    print(f"agree={row[0]}/{total}", " ".join(f"{c}={v}" for c, v in zip(cols, row[1:])))
    sample = con.execute(
        f"SELECT b.* FROM a JOIN b USING (rn) WHERE NOT ({agree_all}) LIMIT 3"
    ).fetchall()
    for s in sample:
        print("  differs:", ",".join("" if v is None else str(v) for v in s[1:13]), file=sys.stderr)


if __name__ == "__main__":
    main()
