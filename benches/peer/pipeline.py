"""The peer: match_csv's classification written as a data engineer would in
pandas + DuckDB, for benches/peer/compare.py to time against match_csv.

    python pipeline.py --profile xero --local LOCAL.csv --remote REMOTE.csv --out RESULTS.csv

Same inputs and output as `match_csv` (examples/match_csv.rs): one row per
remote record, in input order, `remote_id,class,local_ids,matched_on`.

How it works:

1. DuckDB reads both CSV files (all columns as text; quoted fields with
   commas, quotes and line breaks) into pandas.
2. pandas builds each record's match keys with vectorised string
   operations: the name key (the profile's rule for which name is compared,
   normalised: invisible characters dropped, white space and control
   characters collapsed to one space, NFKC, full case folding) and the
   email key (trimmed, checked for plausibility, NFC, lower case). ASCII
   values, the great majority, take a short path (lower case and collapse
   white space), as the Rust code does.
3. DuckDB groups the local contacts by name key, by email key and by both
   (a count and the smallest id of each group, and the 100 smallest ids of
   groups of several), joins every remote record to its three groups,
   settles records that fully match the same local contact (M9) and writes
   the results in input order.

The rules reproduced are the ones in src/normalize/ (name.rs, email.rs),
src/matching/keys.rs, src/rules/qbo.rs and src/matching/index/decide.rs;
what is known to differ (corners the generated data never has) is listed in
benches/README.md.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

T0 = time.perf_counter()

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

T_IMPORTED = time.perf_counter()

# The matcher lists at most this many name matches and as many email
# matches (ledgerlink::matching::MAX_LISTED_CANDIDATES).
MAX_LISTED = 100

# Unicode White_Space (what Rust's char::is_whitespace and str::trim use).
WHITE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Separators in names and emails: white space and control characters (Cc).
SEP = "\x00-\x20\x7f-\x9f\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Invisible formatting characters dropped from names (src/normalize/name.rs).
IGNORABLE = "\xad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff"

# The columns match_csv reads.
COLUMNS = ["id", "kind", "name", "first_name", "last_name", "company_name", "email"]

# Name classes (src/matching/keys.rs): QBO keeps organisations and people
# apart; the Xero profiles compare any name with any name.
ANY, ORGANIZATION, PERSON = 0, 1, 2


def read(con: duckdb.DuckDBPyConnection, path: str) -> pd.DataFrame:
    """The columns matched on, as text ('' for empty), in file order."""
    rel = con.read_csv(
        path, header=True, sep=",", quotechar='"', escapechar='"', all_varchar=True
    )
    have = {c.lower(): c for c in rel.columns}
    select = ", ".join(
        f'coalesce("{have[c]}", \'\') AS {c}' if c in have else f"'' AS {c}"
        for c in COLUMNS
    )
    # Through Arrow: pandas' string columns are Arrow arrays anyway, and
    # this is several times faster than `.df()`.
    return rel.select(select).arrow().read_all().to_pandas()


def present(s: pd.Series) -> pd.Series:
    """Filled in: holds something other than white space."""
    return s.str.contains(f"[^{WHITE}]", regex=True)


def norm_name(s: pd.Series) -> pd.Series:
    """N1: the normal form of names, ASCII on a short path."""
    # ASCII: lower case, runs of white space and control characters as one
    # space, trimmed (the non-ASCII rows are replaced below).
    out = s.str.lower().str.replace(r"[\x00-\x20\x7f]+", " ", regex=True).str.strip(" ")
    rest = ~s.str.isascii()
    if rest.any():
        # Invisible characters dropped, separators as spaces, then NFKC,
        # full case folding and NFKC again, spaces collapsed.
        u = s[rest].str.replace(f"[{IGNORABLE}]", "", regex=True)
        u = u.str.replace(f"[{SEP}]", " ", regex=True).astype(object)
        u = u.str.normalize("NFKC").str.casefold().str.normalize("NFKC").astype("str")
        u = u.str.replace(f"[{SEP}{IGNORABLE}]+", " ", regex=True).str.strip(" ")
        out = out.where(~rest, u.reindex(out.index))
    return out


def norm_email(s: pd.Series) -> pd.Series:
    """N2: trimmed, NFC, lower case; '' when not a plausible address."""
    t = s.str.replace(f"^[{WHITE}]+|[{WHITE}]+$", "", regex=True)
    plausible = t.str.fullmatch(f"[^@{SEP}]+@[^@.{SEP}]+(?:\\.[^@.{SEP}]+)*")
    out = t.str.lower()
    rest = ~t.str.isascii() & plausible
    if rest.any():
        u = t[rest].astype(object).str.normalize("NFC").str.lower().str.normalize("NFC")
        out = out.where(~rest, u.astype("str").reindex(out.index))
    return out.where(plausible, "")


def full_name(df: pd.DataFrame) -> pd.Series:
    """N3: first + " " + last, to be normalised as one name (the space
    between them collapses with any other, so this normalises as the two
    parts would apart)."""
    return df["first_name"] + " " + df["last_name"]


def clean(df: pd.DataFrame) -> pd.DataFrame:
    """Rows match_csv would skip are dropped: a blank id, an unknown kind,
    a repeated id (the first row kept). `kind` becomes person,
    organization or ''."""
    kind = df["kind"].str.strip().str.lower()
    org = kind.isin(["organization", "organisation"])
    ok = present(df["id"]) & (org | kind.isin(["", "person"]))
    df = df.assign(kind=kind.where(~org, "organization"))[ok]
    return df.drop_duplicates("id", keep="first")


def presence(df: pd.DataFrame) -> dict[str, pd.Series]:
    """Which name fields each row fills in."""
    return {c: present(df[c]) for c in ("name", "first_name", "last_name", "company_name")}


def general_name(df: pd.DataFrame, p: dict[str, pd.Series]) -> pd.Series:
    """N3: the display name, else the company name, else first + last
    (not yet normalised)."""
    return df["name"].where(
        p["name"], df["company_name"].where(p["company_name"], full_name(df))
    )


def local_keys(df: pd.DataFrame, profile: str) -> pd.DataFrame:
    """Each local contact's name key, name class and email key (M4-M7)."""
    p = presence(df)
    if profile in ("xero", "xpm"):
        name = general_name(df, p)
        cls = np.full(len(df), ANY, dtype="int8")
    else:
        # QBO: the stated kind, else organisation with a company name or
        # without first + last name, else person.
        person = (df["kind"] == "person") | (
            (df["kind"] == "") & ~p["company_name"] & p["first_name"] & p["last_name"]
        )
        # M5: an organisation's company name, else its display name, else
        # first + last; M6: a person's first + last name, else the display
        # name, else the company name.
        org_name = df["company_name"].where(
            p["company_name"], df["name"].where(p["name"], full_name(df))
        )
        person_name = full_name(df).where(
            p["first_name"] | p["last_name"],
            df["name"].where(p["name"], df["company_name"]),
        )
        name = person_name.where(person, org_name)
        cls = np.where(person, PERSON, ORGANIZATION).astype("int8")
    return pd.DataFrame(
        {"id": df["id"], "nk": norm_name(name), "cls": cls, "ek": norm_email(df["email"])}
    )


def remote_keys(df: pd.DataFrame, profile: str) -> pd.DataFrame:
    """Each remote record's keys, and whether it is unmatchable (M5)."""
    p = presence(df)
    if profile in ("xero", "xpm"):
        key = norm_name(general_name(df, p))
        cls = np.full(len(df), ANY, dtype="int8")
        unmatchable = np.zeros(len(df), dtype=bool)
    else:
        # QBO: display name equal to company name (as names): an
        # organisation; else first and last name: a person; else unmatchable.
        both = p["name"] & p["company_name"]
        company = norm_name(df["company_name"].where(both, ""))
        org = both & (norm_name(df["name"].where(both, "")) == company)
        person = ~org & p["first_name"] & p["last_name"]
        key = company.where(org, norm_name(full_name(df).where(person, "")))
        cls = np.where(org, ORGANIZATION, np.where(person, PERSON, ANY)).astype("int8")
        unmatchable = (~org & ~person).to_numpy()
    return pd.DataFrame(
        {
            "id": df["id"],
            "nk": key,
            "cls": cls,
            "ek": norm_email(df["email"]),
            "unm": unmatchable,
        }
    )


# Per key: how many local contacts have it and the smallest id; the ids
# themselves (the 100 smallest, as match_csv lists them) only for keys that
# several contacts share.
CLASSIFY = f"""
CREATE TEMP TABLE name_groups AS
  SELECT nk, cls, count(*) AS n, min(id) AS first
  FROM locals WHERE nk <> '' GROUP BY nk, cls;
CREATE TEMP TABLE email_groups AS
  SELECT ek, count(*) AS n, min(id) AS first
  FROM locals WHERE ek <> '' GROUP BY ek;
CREATE TEMP TABLE full_groups AS
  SELECT nk, cls, ek, count(*) AS n, min(id) AS first
  FROM locals WHERE nk <> '' AND ek <> '' GROUP BY nk, cls, ek;
CREATE TEMP TABLE name_lists AS
  SELECT nk, cls, list(id ORDER BY id)[1:{MAX_LISTED}] AS ids
  FROM locals SEMI JOIN (SELECT nk, cls FROM name_groups WHERE n > 1) g USING (nk, cls)
  GROUP BY nk, cls;
CREATE TEMP TABLE email_lists AS
  SELECT ek, list(id ORDER BY id)[1:{MAX_LISTED}] AS ids
  FROM locals SEMI JOIN (SELECT ek FROM email_groups WHERE n > 1) g USING (ek)
  GROUP BY ek;
CREATE TEMP TABLE full_lists AS
  SELECT nk, cls, ek, list(id ORDER BY id)[1:{MAX_LISTED}] AS ids
  FROM locals SEMI JOIN (SELECT nk, cls, ek FROM full_groups WHERE n > 1) g USING (nk, cls, ek)
  GROUP BY nk, cls, ek;
CREATE TEMP TABLE decided AS
  SELECT r.pos, r.id, r.unm, r.nk, r.ek, r.cls,
         coalesce(f.n, 0) AS nf, f.first AS full_first,
         coalesce(nm.n, 0) AS nn, nm.first AS name_first,
         coalesce(em.n, 0) AS ne, em.first AS email_first
  FROM remotes r
  LEFT JOIN full_groups f
    ON NOT r.unm AND f.nk = r.nk AND f.cls = r.cls AND f.ek = r.ek
  LEFT JOIN name_groups nm
    ON NOT r.unm AND nm.nk = r.nk AND nm.cls = r.cls
  LEFT JOIN email_groups em
    ON NOT r.unm AND em.ek = r.ek;
"""

# Empty fields as NULL, which DuckDB writes unquoted, as match_csv does.
RESULTS = """
WITH claims AS (
  SELECT full_first AS local_id, count(*) AS claims
  FROM decided WHERE nf = 1 GROUP BY 1
)
SELECT d.id AS remote_id,
  CASE
    WHEN d.unm THEN 'unmatchable'
    WHEN d.nf = 1 AND c.claims > 1 THEN 'ambiguous'
    WHEN d.nf = 1 THEN 'full'
    WHEN d.nf > 1 THEN 'ambiguous'
    WHEN d.nn > 0 OR d.ne > 0 THEN 'partial'
    WHEN d.nk = '' THEN 'unmatchable'
    ELSE 'none'
  END AS class,
  CASE
    WHEN d.unm THEN NULL
    WHEN d.nf = 1 THEN d.full_first
    WHEN d.nf > 1 THEN array_to_string(fl.ids, ';')
    WHEN d.nn > 0 OR d.ne > 0 THEN array_to_string(list_sort(list_concat(
      CASE WHEN d.nn = 1 THEN [d.name_first] WHEN d.nn > 1 THEN nl.ids ELSE [] END,
      CASE WHEN d.ne = 1 THEN [d.email_first] WHEN d.ne > 1 THEN el.ids ELSE [] END)), ';')
  END AS local_ids,
  CASE
    WHEN d.unm THEN NULL
    WHEN d.nf > 0 OR (d.nn > 0 AND d.ne > 0) THEN 'name+email'
    WHEN d.nn > 0 THEN 'name'
    WHEN d.ne > 0 THEN 'email'
  END AS matched_on
FROM decided d
LEFT JOIN claims c ON d.nf = 1 AND c.local_id = d.full_first
LEFT JOIN full_lists fl ON d.nf > 1 AND fl.nk = d.nk AND fl.cls = d.cls AND fl.ek = d.ek
LEFT JOIN name_lists nl ON d.nf = 0 AND d.nn > 1 AND nl.nk = d.nk AND nl.cls = d.cls
LEFT JOIN email_lists el ON d.nf = 0 AND d.ne > 1 AND el.ek = d.ek
ORDER BY d.pos
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", choices=["xero", "xpm", "qbo"], required=True)
    ap.add_argument("--local", required=True)
    ap.add_argument("--remote", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    con = duckdb.connect()
    # (phase, seconds, peak RSS in MiB so far)
    times = [("imports", T_IMPORTED - T0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)]
    t = time.perf_counter()

    def lap(what: str) -> None:
        nonlocal t
        now = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        times.append((what, now - t, peak))
        t = now

    # One side after the other, each file's text dropped once its keys
    # are built.
    rows = read(con, args.local)
    lap("reading local")
    locals_ = local_keys(clean(rows), args.profile)
    del rows
    lap("local keys (pandas)")
    rows = read(con, args.remote)
    lap("reading remote")
    remotes = remote_keys(clean(rows), args.profile)
    remotes["pos"] = np.arange(len(remotes), dtype=np.int64)
    del rows
    lap("remote keys (pandas)")
    con.register("locals", locals_)
    con.register("remotes", remotes)
    con.execute(CLASSIFY)
    lap("grouping + joins (duckdb)")
    con.sql(RESULTS).write_csv(args.out, header=True)
    lap("results (duckdb)")
    summary = ", ".join(f"{what} {secs:.3f}s ({peak} MiB)" for what, secs, peak in times)
    print(
        f"peer: {len(locals_)} local, {len(remotes)} remote; time: {summary}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
