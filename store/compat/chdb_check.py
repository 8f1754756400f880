#!/usr/bin/env python3
"""Run Undertone's SQL through current ClickHouse (chDB, in process).

The store is developed against ClickHouse 18.16 (Debian's package); users run
current releases. This check runs, on the ClickHouse inside chDB:
  1. every DDL statement of the migrations (ddl.sql, from TestCompatDump),
  2. sample posts inserted with the Writer's column list (posts.jsonl),
     which fires every materialized view,
  3. every store query template with sample parameters (queries.sql),
  4. optionally (--capture-http URL) every SELECT that succeeded on the
     18.16 test server during the test run, read from its system.query_log
     (the query API's, reports' and dashboards' queries included), with the
     per-test database names mapped to the sample database.
Any statement that fails here fails the check.
"""
import argparse
import json
import re
import sys
import urllib.parse
import urllib.request

def split(text):
    return [s.strip() for s in text.split("\n;;\n") if s.strip()]


def captured(url, limit):
    q = ("SELECT DISTINCT query FROM system.query_log WHERE type = 2 "
         "AND match(query, '^\\\\s*(SELECT|WITH)') "
         "AND match(query, '(posts|mentions|_daily|sink_offsets)') "
         "AND NOT match(query, 'system\\\\.query_log') "
         f"LIMIT {limit} FORMAT JSONEachRow")
    try:
        urllib.request.urlopen(urllib.request.Request(url + "/", data=b"SYSTEM FLUSH LOGS"), timeout=30).read()
        with urllib.request.urlopen(url + "/?" + urllib.parse.urlencode({"query": q}), timeout=30) as r:
            return [json.loads(l)["query"] for l in r.read().decode().splitlines() if l.strip()]
    except Exception as e:  # no query_log on this server
        print(f"chdb_check: no captured queries from {url}: {e}")
        return []


def normalize(q):
    # Per-test databases (test_<name>_<rand>) become the sample database.
    q = re.sub(r"`(test_[A-Za-z0-9_]+|undertone_[A-Za-z0-9_]+)`\.", "undertone.", q)
    q = re.sub(r"\b(test_[A-Za-z0-9_]+|undertone_[A-Za-z0-9_]+)\.", "undertone.", q)
    q = re.sub(r"database\s*=\s*'(test_[A-Za-z0-9_]+)'", "database = 'undertone'", q)
    return q


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", help="directory written by TestCompatDump")
    ap.add_argument("--capture-http", default="", help="18.16 test server HTTP URL to read system.query_log from")
    ap.add_argument("--capture-limit", type=int, default=5000)
    ap.add_argument("--cut-length", type=int, default=100000,
                    help="the server's log_queries_cut_to_length; captured queries this long were cut off and are skipped")
    a = ap.parse_args()

    import chdb
    from chdb import session
    s = session.Session()
    version = str(s.query("SELECT version()", "CSV")).strip().strip('"')
    failures, ran = [], 0

    def run(stmt, what, fmt="CSV"):
        nonlocal ran
        ran += 1
        try:
            s.query(stmt, fmt)
        except Exception as e:
            failures.append((what, stmt[:300], str(e).splitlines()[0][:300]))

    for st in split(open(f"{a.dir}/ddl.sql").read()):
        run(st, "ddl")
    rows = open(f"{a.dir}/posts.jsonl").read()
    insert = open(f"{a.dir}/insert.sql").read().strip()
    run(insert + "\n" + rows, "insert")
    n = str(s.query("SELECT count() FROM undertone.posts", "CSV")).strip()
    m = str(s.query("SELECT count() FROM undertone.mentions", "CSV")).strip()
    if n in ("0", "") or m in ("0", ""):
        failures.append(("insert", "sample rows", f"posts={n} mentions={m}: materialized views did not fire"))
    templates = split(open(f"{a.dir}/queries.sql").read())
    for st in templates[:-1]:
        run(st, "store query")
    skipped = 0
    if a.capture_http:
        ours = set(str(s.query("SELECT name FROM system.tables WHERE database = 'undertone'", "CSV"))
                   .replace('"', '').split())
        for q in captured(a.capture_http, a.capture_limit):
            # system.query_log keeps only the first log_queries_cut_to_length
            # characters (100000 by default): a longer query (a test's huge
            # IN list) is logged cut off mid-literal and cannot be replayed.
            if len(q) >= a.cut_length - 64:
                skipped += 1
                continue
            nq = normalize(q)
            refs = set(re.findall(r"\bundertone\.(\w+)", nq))
            # Skip queries without our tables, or naming a table that is
            # not part of the schema (a test's own fixture).
            if not refs or not refs <= ours:
                skipped += 1
                continue
            run(nq, "captured query", "Null")
    run(templates[-1], "store query (retention)")
    print(f"chdb_check: ClickHouse {version} (chDB): {ran} statements, {len(failures)} failed, {skipped} captured skipped")
    for what, st, err in failures:
        print(f"FAIL [{what}] {err}\n    {st}")
    print(f"chdb: {ran - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
