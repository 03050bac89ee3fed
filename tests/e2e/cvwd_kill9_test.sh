#!/usr/bin/env bash
# kill -9 durability through the API: a client creates users as fast as cvwd
# acknowledges them (201), cvwd is killed with SIGKILL in the middle of it,
# started again on the same database, and every acknowledged user must be
# there. Run once per storage backend:
#
#   CVWD=build/x/src/cvwd/cvwd tests/e2e/cvwd_kill9_test.sh                  SQLite
#   CVWD=... CVW_TEST_POSTGRES_URL=postgresql://... tests/e2e/cvwd_kill9_test.sh   PostgreSQL
#
# Everything is on 127.0.0.1 in a temporary folder removed at the end.
set -euo pipefail
# shellcheck source=tests/e2e/e2e_lib.sh
source "$(dirname "$0")/e2e_lib.sh"
e2e_init kill9

if [[ -n ${CVW_TEST_POSTGRES_URL:-} ]]; then
  # A schema of its own on the shared test server, pinned in the URL.
  schema="kill9_$$"
  psql_url=${CVW_TEST_POSTGRES_URL}
  python3 - "$psql_url" "$schema" <<'PY' || { echo "FAIL cvwd_kill9: cannot create schema"; exit 1; }
import subprocess, sys
url, schema = sys.argv[1], sys.argv[2]
subprocess.run(["psql", url, "-q", "-c", f"CREATE SCHEMA {schema}"], check=True)
PY
  storage="${psql_url}?options=-csearch_path%3D${schema}"
  backend=postgresql
else
  storage="sqlite:$work/cvw.db"
  backend=sqlite
fi

start() { e2e_start "$storage"; }

start
# The writer: creates users one after another and appends each acknowledged
# SIP URI to acked.txt (flushed) before sending the next request.
python3 - "$port" "$work/acked.txt" <<'PY' &
import http.client, json, sys
port, acked_path = int(sys.argv[1]), sys.argv[2]
def request(conn, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token: headers["Authorization"] = "Bearer " + token
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = conn.getresponse()
    return r.status, r.read()
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
status, body = request(conn, "POST", "/api/v1/login", {"username": "admin@example.com", "password": "admin-password-1"})
token = json.loads(body)["accessToken"]
with open(acked_path, "a") as acked:
    n = 0
    while True:
        uri = f"sip:load{n}@example.com"
        try:
            status, _ = request(conn, "POST", "/api/v1/users", {"sipUri": uri, "displayName": f"Load {n}"}, token)
        except Exception:
            break  # the server died under us
        if status == 201:
            acked.write(uri + "\n")
            acked.flush()
        n += 1
PY
writer=$!
sleep 2
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
wait "$writer" 2>/dev/null || true
acked=$(wc -l <"$work/acked.txt")
if (( acked < 20 )); then echo "FAIL cvwd_kill9 ($backend): only $acked users acknowledged before the kill"; exit 1; fi

start
missing=$(python3 - "$port" "$work/acked.txt" <<'PY'
import http.client, json, sys, urllib.parse
port, acked_path = int(sys.argv[1]), sys.argv[2]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
conn.request("POST", "/api/v1/login", json.dumps({"username": "admin@example.com", "password": "admin-password-1"}))
token = json.loads(conn.getresponse().read())["accessToken"]
missing = 0
for uri in open(acked_path).read().split():
    conn.request("GET", "/api/v1/users/" + urllib.parse.quote(uri, safe=":@"), headers={"Authorization": "Bearer " + token})
    r = conn.getresponse(); r.read()
    if r.status != 200:
        missing += 1
        print("missing", uri, r.status, file=sys.stderr)
print(missing)
PY
)
if [[ $missing != 0 ]]; then echo "FAIL cvwd_kill9 ($backend): $missing of $acked acknowledged users lost"; exit 1; fi
echo "PASS cvwd_kill9 ($backend): $acked users acknowledged before SIGKILL, all $acked there after restart"
