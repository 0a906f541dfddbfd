"""The query of `journeysim sql`, run on real engines, gives what `journeysim aggregate` gives.

One generated event log (ties, unsorted rows, lookback and inactivity edges on both sides of the
boundary, conversions without a touch, several conversions per user, empty values, unicode
touchpoints, segments) is loaded into DuckDB (in-process), PostgreSQL 15 (a throwaway cluster
the suite script starts; its default collation is ICU en-US, so byte order must come from the
query) and Spark local mode (over the same events written as Parquet). For each window
configuration the engine's rows must equal the CSV of `journeysim aggregate` on the same events:
the same paths (and segments) in the same order, counts and values within 1e-9. BigQuery and
Snowflake cannot be reached from here: their queries are parsed with sqlglot in that dialect.

Run by scripts/suites/warehouse.sh, which sets JOURNEYSIM_BIN, JOURNEYSIM_PG_PORT and the
Python environment.
"""

import csv
import datetime as dt
import os
import random
import subprocess

import pytest

BIN = os.environ.get("JOURNEYSIM_BIN", "target/release/journeysim")
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86_400

# Column names of the warehouse table: a space, capitals and (where the dialect doubles it) a
# quote character, so quoting is exercised, not just emitted.
COLUMNS = {
    "duckdb": ("User ID", "ts", 'chan"nel', "n_conv", "Revenue", "persona"),
    "postgres": ("User ID", "ts", 'chan"nel', "n_conv", "Revenue", "persona"),
    "spark": ("user_id", "ts", "chan`nel", "n_conv", "Revenue", "persona"),
}
# (lookback days, inactivity days, segment column or None)
CONFIGS = [(30.0, 30.0, None), (2.0, 1.0, "persona"), (0.5, 0.25, "persona"), (7.0, 3.0, None)]
TOUCHES = ["search", "Social", "email", "café", "日本", "Zeta", "ärger", "a", "a b"]
SEGMENTS = ["", "x", "Y", "ü"]


def edge_users(lookback, inactivity, tag):
    """Users whose events fall exactly on and one second beside each window's boundary."""
    L, I = int(lookback * DAY), int(inactivity * DAY)
    e = []
    # Lookback: a touch exactly L before the conversion is kept, one at L + 1 s is dropped.
    e += [(f"lb{tag}", T0, "search", 0, None, "x"), (f"lb{tag}", T0 + 1, "email", 0, None, "x")]
    e += [(f"lb{tag}", T0 + 1 + L, "café", 1, 10.5, "Y")]
    # Inactivity: a gap of exactly I continues the journey, I + 1 s cuts it.
    e += [(f"in{tag}", T0, "a", 0, None, "x"), (f"in{tag}", T0 + I, "Zeta", 0, None, "Y")]
    e += [(f"in{tag}", T0 + 2 * I + 1, "日本", 0, None, "ü")]
    e += [(f"in{tag}", T0 + 2 * I + 1 + I, "email", 2, 3.25, "x")]
    # A conversion that comes more than I after the last touch: the touch's journey ends
    # unconverted first, and the conversion has no touch left.
    e += [(f"ic{tag}", T0, "search", 0, None, ""), (f"ic{tag}", T0 + I + 1, "", 1, 99.0, "")]
    # Ties at one instant: order by touchpoint bytes ("" < "Social" < "a" < "café"), then
    # conversions, then value, then segment; the conversion row without a touch comes first and
    # so converts nothing, and the last row's segment ("ü") is the journey's.
    for row in [("café", 0, None, "x"), ("a", 0, None, "x"), ("Social", 0, None, "x"),
                ("", 1, 7.0, "x"), ("café", 1, 2.0, "Y"), ("café", 1, 2.0, "ü")]:
        e.append((f"ti{tag}", T0 + 5 * DAY, *row))
    return e


def generate_events(seed=12):
    rng = random.Random(seed)
    events = []
    for tag, (lookback, inactivity, _) in enumerate(CONFIGS):
        events += edge_users(lookback, inactivity, tag)
    # Offline orders only; several conversions of one user; an empty value on a conversion.
    events += [("off", T0, "", 1, 20.0, "x"), ("off", T0 + DAY, "", 3, None, "x")]
    events += [("multi", T0 + k * 3600, "email" if k % 2 else "search", k % 2, 1.0 * k, "Y")
               for k in range(8)]
    events += [("noval", T0, "日本", 0, None, ""), ("noval", T0 + 60, "a b", 1, None, "")]
    for u in range(400):
        t = T0 + rng.randrange(0, 20) * DAY
        for _ in range(rng.randrange(1, 14)):
            # Hours, sometimes half-hours and milliseconds, often the same instant twice.
            step = rng.choice([0, 0, 1800, 3600, 6 * 3600, DAY, 2 * DAY, 9 * DAY, 40 * DAY])
            t += step + rng.choice([0, 0, 0, 0.25, 0.5])
            converts = rng.random() < 0.18
            touch = "" if converts and rng.random() < 0.15 else rng.choice(TOUCHES)
            count = rng.choice([1, 1, 1, 2, 0.5]) if converts else 0
            value = None if (not converts or rng.random() < 0.2) else round(rng.uniform(1, 300), 2)
            events.append((f"user{u:04d}", t, touch, count, value, rng.choice(SEGMENTS)))
    rng.shuffle(events)
    return events


def rfc3339(seconds):
    whole = int(seconds)
    frac = seconds - whole
    text = dt.datetime.fromtimestamp(whole, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f"{frac:.3f}"[1:] if frac else "") + "Z"


def timestamp(seconds):
    """The instant as a naive UTC datetime (engines store TIMESTAMP, no zone)."""
    return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)


def num(x):
    return "" if x is None else repr(x)


@pytest.fixture(scope="session")
def events():
    return generate_events()


@pytest.fixture(scope="session")
def event_csv(events, tmp_path_factory):
    path = tmp_path_factory.mktemp("events") / "events.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["user_id", "timestamp", "touchpoint", "conversion", "value", "persona"])
        for u, t, touch, c, v, s in events:
            w.writerow([u, rfc3339(t), touch, num(c) if c else "0", num(v), s])
    return path


def window_flags(lookback, inactivity, segment):
    flags = ["--lookback-days", repr(lookback), "--inactivity-days", repr(inactivity)]
    return flags + (["--segment-col", segment] if segment else [])


def journeysim(*args):
    done = subprocess.run([BIN, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def expected(event_csv, tmp_path_factory):
    """`journeysim aggregate` per configuration: rows (path, segment, conv, value, nulls)."""
    out = {}
    for config in CONFIGS:
        target = tmp_path_factory.mktemp("aggregate") / "paths.csv"
        journeysim("aggregate", "--events", str(event_csv), *window_flags(*config),
                   "--out", str(target))
        with open(target, encoding="utf-8", newline="") as f:
            rows = [(r["path"], r.get(config[2], "") if config[2] else "",
                     float(r["total_conversions"]), float(r["total_conversion_value"]),
                     float(r["total_null"])) for r in csv.DictReader(f)]
        assert len(rows) > 20
        out[config] = rows
    return out


def query(dialect, table, config, names=None):
    user, time, touch, conv, value, segment = names or (
        "user_id", "timestamp", "touchpoint", "conversion", "value", "persona")
    lookback, inactivity, seg = config
    return journeysim("sql", "--dialect", dialect, "--table", table,
                      "--user-col", user, "--time-col", time, "--touchpoint-col", touch,
                      "--conversion-col", conv, "--value-col", value,
                      *window_flags(lookback, inactivity, segment if seg else None))


def check(rows, want, segmented):
    got = [(r[0], (r[4] or "") if segmented else "", float(r[1]), float(r[2]), float(r[3]))
           for r in rows]
    assert [g[:2] for g in got] == [w[:2] for w in want], "paths (and their order) differ"
    for g, w in zip(got, want):
        for a, b in zip(g[2:], w[2:]):
            assert abs(a - b) <= 1e-9 * max(1.0, abs(b)), (g, w)


def engine_rows(events):
    """Events as engine rows: empty touchpoint, conversion and value become NULL."""
    return [(u, timestamp(t), touch or None, float(c) if c else None, v, s or None)
            for u, t, touch, c, v, s in events]


# --- DuckDB ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def duck(events):
    import duckdb
    con = duckdb.connect()
    cols = COLUMNS["duckdb"]
    q = [f'"{c.replace(chr(34), chr(34) * 2)}"' for c in cols]
    con.execute(f'CREATE SCHEMA wh; CREATE TABLE wh."ev""ents" ({q[0]} VARCHAR, '
                f'{q[1]} TIMESTAMP, {q[2]} VARCHAR, {q[3]} DOUBLE, {q[4]} DOUBLE, {q[5]} VARCHAR)')
    con.executemany('INSERT INTO wh."ev""ents" VALUES (?, ?, ?, ?, ?, ?)',
                    engine_rows(events))
    return con


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_duckdb(duck, expected, config):
    # --table splits on dots (schema, table); the quote in the table name is doubled.
    sql = query("duckdb", 'wh.ev"ents', config, COLUMNS["duckdb"])
    check(duck.execute(sql).fetchall(), expected[config], config[2])


# --- PostgreSQL -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def pg(events):
    import psycopg
    port = os.environ.get("JOURNEYSIM_PG_PORT")
    if not port:
        pytest.fail("JOURNEYSIM_PG_PORT is not set: run scripts/suites/warehouse.sh")
    con = psycopg.connect(host="127.0.0.1", port=int(port), user="postgres", dbname="postgres",
                          autocommit=True)
    # The database's own collation is linguistic (ICU en-US): 'a' < 'Z' there, 'Z' < 'a' in
    # bytes. Were the query not to ask for byte order, paths and ties would come out wrong.
    assert con.execute("SELECT 'a' < 'Z'").fetchone()[0] is True
    cols = COLUMNS["postgres"]
    q = [f'"{c.replace(chr(34), chr(34) * 2)}"' for c in cols]
    con.execute('DROP TABLE IF EXISTS "ev""ents"')
    con.execute(f'CREATE TABLE "ev""ents" ({q[0]} TEXT, {q[1]} TIMESTAMP, {q[2]} TEXT, '
                f'{q[3]} DOUBLE PRECISION, {q[4]} DOUBLE PRECISION, {q[5]} TEXT)')
    with con.cursor() as cur:
        with cur.copy(f'COPY "ev""ents" ({", ".join(q)}) FROM STDIN') as copy:
            for row in engine_rows(events):
                copy.write_row(row)
    yield con
    con.close()


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_postgres(pg, expected, config):
    sql = query("postgres", 'public.ev"ents', config, COLUMNS["postgres"])
    check(pg.execute(sql).fetchall(), expected[config], config[2])


# --- Spark ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def spark(events, tmp_path_factory):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyspark.sql import SparkSession
    cols = COLUMNS["spark"]
    rows = engine_rows(events)
    table = pa.table({
        cols[0]: pa.array([r[0] for r in rows], pa.string()),
        cols[1]: pa.array([r[1] for r in rows], pa.timestamp("us", tz="UTC")),
        cols[2]: pa.array([r[2] for r in rows], pa.string()),
        cols[3]: pa.array([r[3] for r in rows], pa.float64()),
        cols[4]: pa.array([r[4] for r in rows], pa.float64()),
        cols[5]: pa.array([r[5] for r in rows], pa.string()),
    })
    path = tmp_path_factory.mktemp("parquet") / "events.parquet"
    pq.write_table(table, path)
    session = (SparkSession.builder.master("local[2]").appName("journeysim-warehouse")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    session.read.parquet(str(path)).createOrReplaceTempView("events")
    yield session
    session.stop()


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_spark(spark, expected, config):
    sql = query("spark", "events", config, COLUMNS["spark"])
    rows = [tuple(r) for r in spark.sql(sql).collect()]
    check(rows, expected[config], config[2])


# --- BigQuery and Snowflake: parsed, not executed -------------------------------------------

@pytest.mark.parametrize("dialect", ["bigquery", "snowflake"])
@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_parses(dialect, config):
    import sqlglot
    from sqlglot import exp
    table = "my-project.analytics.events" if dialect == "bigquery" else "DB.PUBLIC.EVENTS"
    tree = sqlglot.parse_one(query(dialect, table, config), read=dialect,
                             error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(tree, exp.Select)
    names = [c.alias_or_name for c in tree.expressions]
    assert names[:4] == ["path", "total_conversions", "total_conversion_value", "total_null"]
    assert names[4:] == ([config[2]] if config[2] else [])
    tables = {".".join(p.name for p in t.parts) for t in tree.find_all(exp.Table)}
    assert table in tables


# --- the tests can fail: each boundary and the byte order are exercised ----------------------

MUTATIONS = [
    ("> p.inactivity_seconds", ">= p.inactivity_seconds"),  # a gap of exactly I would cut
    ("ev_time < end_time - p.lookback_seconds", "ev_time <= end_time - p.lookback_seconds"),
    ("COALESCE(ev_touch, ''), ev_conversions", "COALESCE(ev_touch, '') DESC, ev_conversions"),
    ("ev_value, ev_segment", "ev_value, ev_segment DESC"),  # segment of the last row of a tie
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m[1])
def test_a_changed_rule_is_caught(duck, expected, mutation):
    caught = 0
    for config in CONFIGS:
        sql = query("duckdb", 'wh.ev"ents', config, COLUMNS["duckdb"])
        assert mutation[0] in sql
        try:
            check(duck.execute(sql.replace(*mutation)).fetchall(), expected[config], config[2])
        except AssertionError:
            caught += 1
    assert caught > 0, f"no configuration tells {mutation[1]!r} from the real rule"


def test_postgres_without_byte_order_differs(pg, expected):
    config = CONFIGS[1]
    sql = query("postgres", 'public.ev"ents', config, COLUMNS["postgres"])
    with pytest.raises(AssertionError):
        check(pg.execute(sql.replace(' COLLATE "C"', "")).fetchall(), expected[config], config[2])


# --- Parquet written by the engines and tools analysts use, read by journeysim ---------------

@pytest.fixture(scope="session")
def parquet_files(events, duck, spark, tmp_path_factory):
    """The events as each writer stores them: {writer: (file, column names)}."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import polars as pl
    d = tmp_path_factory.mktemp("parquet_in")
    names = ("user_id", "timestamp", "touchpoint", "conversion", "value", "persona")
    rows = engine_rows(events)
    table = pa.table({
        names[0]: pa.array([r[0] for r in rows], pa.string()).dictionary_encode(),
        names[1]: pa.array([r[1] for r in rows], pa.timestamp("ms")),
        names[2]: pa.array([r[2] for r in rows], pa.string()).dictionary_encode(),
        names[3]: pa.array([r[3] for r in rows], pa.float64()),
        names[4]: pa.array([r[4] for r in rows], pa.float64()),
        names[5]: pa.array([r[5] for r in rows], pa.large_string()),
    })
    files = {}
    # pyarrow: dictionary-encoded strings, ms timestamps without a zone, Snappy, many row groups.
    files["pyarrow"] = (d / "pyarrow.parquet", names)
    pq.write_table(table, files["pyarrow"][0], row_group_size=300)
    # polars: its own writer, zstd by default, us timestamps.
    files["polars"] = (d / "polars.parquet", names)
    pl.from_arrow(table).write_parquet(files["polars"][0])
    # DuckDB: the warehouse table (quoted column names, TIMESTAMP as us without a zone).
    files["duckdb"] = (d / "duckdb.parquet", COLUMNS["duckdb"])
    duck.execute(f"COPY wh.\"ev\"\"ents\" TO '{files['duckdb'][0]}' (FORMAT parquet)")
    # Spark: one part file of the events view (timestamps as INT96, Spark's default).
    spark.table("events").coalesce(1).write.parquet(str(d / "spark"))
    (part,) = (d / "spark").glob("part-*.parquet")
    files["spark"] = (part, COLUMNS["spark"])
    return files


def column_flags(names):
    flags = ("--user-col", "--time-col", "--touchpoint-col", "--conversion-col", "--value-col")
    return [a for pair in zip(flags, names) for a in pair]


def table_rows(path, segment):
    with open(path, encoding="utf-8", newline="") as f:
        return [(r["path"], r.get(segment, "") if segment else "", float(r["total_conversions"]),
                 float(r["total_conversion_value"]), float(r["total_null"]))
                for r in csv.DictReader(f)]


@pytest.mark.parametrize("writer", ["pyarrow", "polars", "duckdb", "spark"])
@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_parquet_events_read_as_the_csv(parquet_files, expected, writer, config, tmp_path):
    path, names = parquet_files[writer]
    lookback, inactivity, segment = config
    out = tmp_path / "paths.csv"
    journeysim("aggregate", "--events", str(path), *column_flags(names),
               *window_flags(lookback, inactivity, names[5] if segment else None),
               "--out", str(out))
    # Exactly the CSV's table: the same rules read the same cells.
    assert table_rows(out, names[5] if segment else None) == expected[config]


def test_the_warehouse_cut_exported_as_parquet_attributes_as_its_csv_export(duck, tmp_path):
    # The workflow of the README: the query's result exported, attributed here; as Parquet it
    # gives the bytes its CSV export gives. The result is kept in a table and exported twice:
    # DuckDB sums in parallel, so two runs of the query can differ in the last bit (which is
    # why the cut agrees with `aggregate` to 1e-9, not to the bit: test_duckdb).
    sql = query("duckdb", 'wh.ev"ents', CONFIGS[0], COLUMNS["duckdb"])
    duck.execute(f"CREATE OR REPLACE TEMP TABLE cut AS {sql}")
    cut = {}
    for kind, options in (("parquet", "FORMAT parquet"), ("csv", "FORMAT csv, HEADER")):
        cut[kind] = tmp_path / f"cut.{kind}"
        duck.execute(f"COPY cut TO '{cut[kind]}' ({options})")
    for args in (["--format", "csv"], ["--order", "2", "--format", "json"]):
        got = journeysim("attribute", str(cut["parquet"]), *args)
        want = journeysim("attribute", str(cut["csv"]), *args)
        assert got.replace(str(cut["parquet"]), "INPUT") == want.replace(str(cut["csv"]), "INPUT")


def test_aggregate_writes_parquet_the_engines_read(duck, event_csv, expected, tmp_path):
    import pyarrow.parquet as pq
    config = CONFIGS[1]
    out = tmp_path / "paths.parquet"
    journeysim("aggregate", "--events", str(event_csv), *window_flags(*config), "--out", str(out))
    rows = duck.execute("SELECT * FROM read_parquet(?)", [str(out)]).fetchall()
    assert [(p, s or "", c, v, n) for p, c, v, n, s in rows] == expected[config]
    assert pq.read_table(out).num_rows == len(expected[config])
