#!/usr/bin/env bash
# End to end: every cvwctl command against a real cvwd.
#
#   CVWD=build/x/src/cvwd/cvwd CVWCTL=build/x/src/tools/cvwctl/cvwctl tests/e2e/cvwctl_test.sh
#
# Starts `cvwd --demo` (admin sip:admin@example.com / admin-password-1, users
# alice, bob, carol, the Tag:SalesCallViaWork policy and the Tag:Office dial
# plan) on 127.0.0.1 with plain HTTP and a temporary SQLite file, runs each
# command and checks its output and exit code (0 ok, 1 API error, 2 usage,
# 3 server unreachable), then starts a second cvwd with HTTPS to check --ca
# and --insecure. Everything lives in a temporary folder removed at the end.
# Needs bash and python3 (free ports, JSON checks). Prints one line per
# failed check and exits 1 when any failed.
# shellcheck disable=SC2016 # '$1' in a rule's translation is the rule's, not the shell's
set -euo pipefail

: "${CVWD:?set CVWD to the cvwd binary}"
: "${CVWCTL:?set CVWCTL to the cvwctl binary}"

work=$(mktemp -d "${TMPDIR:-/tmp}/cvwctl-e2e.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# ---------------------------------------------------------------- helpers

checks=0
failures=0
out=""
err=""
code=0
last=""

bad() {
  failures=$((failures + 1))
  printf 'FAIL: %s\n  %s\n  stdout: %s\n  stderr: %s\n' "$last" "$1" "$out" "$err" >&2
}

# t WANT ARGS...: runs cvwctl ARGS with $input on stdin (then clears it),
# keeps stdout in $out and stderr in $err, and checks the exit code.
input=""
t() {
  local want=$1
  shift
  last="cvwctl $*"
  checks=$((checks + 1))
  set +e
  out=$("$CVWCTL" "$@" 2>"$work/stderr" <<<"$input")
  code=$?
  set -e
  err=$(<"$work/stderr")
  input=""
  if [[ $code != "$want" ]]; then bad "exit code $code, expected $want"; fi
}
has_out() { [[ $out == *"$1"* ]] || bad "stdout lacks: $1"; }
matches() { [[ $out =~ $1 ]] || bad "stdout does not match: $1"; }
has_err() { [[ $err == *"$1"* ]] || bad "stderr lacks: $1"; }
lacks() { [[ $out$err != *"$1"* ]] || bad "output shows what it must not: $1"; }
no_err() { [[ -z $err ]] || bad "unexpected stderr"; }
# json_is EXPR VALUE: EXPR is Python over d, the JSON on stdout.
json_is() {
  local got
  got=$(printf '%s' "$out" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(json.dumps(eval(sys.argv[1])))' "$1" 2>&1) ||
    { bad "stdout is not the JSON expected ($got)"; return; }
  [[ $got == "$2" ]] || bad "$1 is $got, expected $2"
}
session_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_cvwd NAME TLS: cvwd with its own database on a free port; sets $port.
start_cvwd() {
  local name=$1 tls=$2
  port=$(free_port)
  mkdir -p "$work/$name"
  cat >"$work/$name/cvwd.toml" <<TOML
[log]
level = "warn"

[sip]
listen = ["udp:127.0.0.1:0"]
domains = ["example.com"]

[[trunk]]
name = "pbx"
address = "udp:127.0.0.1:5070"

[storage]
url = "sqlite://$work/$name/cvw.db"

[http]
listen = "127.0.0.1:$port"
tls = $tls

[tls]
certificate = "$work/$name/cert.pem"
key = "$work/$name/key.pem"
TOML
  "$CVWD" --config "$work/$name/cvwd.toml" --demo >"$work/$name/cvwd.log" 2>&1 &
  pids+=($!)
  local pid=$!
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "cvwd ($name) exited at startup:" >&2
      cat "$work/$name/cvwd.log" >&2
      exit 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "cvwd ($name) did not listen on 127.0.0.1:$port within 30 s:" >&2
  cat "$work/$name/cvwd.log" >&2
  exit 1
}

stop_cvwd() {
  local pid=${pids[$1]}
  kill -TERM "$pid"
  wait "$pid" || true
}

# ---------------------------------------------------------------- plain HTTP

start_cvwd plain false
plain_port=$port
server="http://127.0.0.1:$plain_port"
unset CVW_TOKEN
export CVW_SERVER=$server
export XDG_CONFIG_HOME=$work/admin-config
session=$XDG_CONFIG_HOME/cvw/cvwctl.json

# Usage and help, no server needed.
t 0 --help; has_out "Usage"; has_out "dialplan"
for command in login logout user "user list" "user show" "user add" "user set" "user remove" "user import" \
  "user export" "user test-number" policy "policy list" "policy show" "policy new" "policy set" "policy remove" \
  "policy grant" routing "routing show" "routing set" dialplan "dialplan list" "dialplan show" "dialplan new" \
  "dialplan set" "dialplan remove" "dialplan grant" "dialplan rule" "dialplan rule add" "dialplan rule set" \
  "dialplan rule remove" "dialplan test" trunk "trunk list" status history "history export"; do
  # shellcheck disable=SC2086 # split "user list" into two words on purpose
  t 0 $command --help; has_out "Usage"
done
t 2; has_err "cvwctl: "
t 2 frobnicate; has_err "cvwctl: "
t 2 user
t 2 user list --limit 0
t 2 --server ftp://127.0.0.1 status; has_err "scheme must be http or https"

# Before logging in.
t 1 status; has_err "cvwctl: not logged in to $server"

# Login.
input=$'wrong-password\n' t 1 login --user sip:admin@example.com --password-stdin
has_err "(401 Authentication/InvalidCredentials)"
[[ ! -e $session ]] || bad "a failed login saved a session"
input=$'\n' t 2 login --user sip:admin@example.com --password-stdin; has_err "password on standard input is empty"
input=$'admin-password-1\n' t 0 login --user sip:admin@example.com --password-stdin
has_out "Logged in to $server as sip:admin@example.com"; lacks "admin-password-1"
last="session file"
[[ -f $session ]] || bad "no session file at $session"
[[ $(stat -c %a "$session") == 600 ]] || bad "session file mode is $(stat -c %a "$session"), expected 600"
access=$(session_field "$session" accessToken)
lacks "$access"; lacks "$(session_field "$session" refreshToken)"
input=$'admin-password-1\n' t 0 login --user admin@example.com --password-stdin --json
json_is 'sorted(d)' '["expiresAt", "server", "user"]'; json_is 'd["server"]' "\"$server\""
lacks "$(session_field "$session" accessToken)"

# status, trunk list.
t 0 status; has_out "Version:"; has_out "Storage:"; has_out "Users:"; no_err
t 0 status --json; json_is 'd["storage"]' '"sqlite"'
t 0 trunk list; has_out "Name  Address"; has_out "pbx   udp:127.0.0.1:5070"
t 0 --json trunk list; json_is '[x["name"] for x in d["trunks"]]' '["pbx"]'

# user list / show.
t 0 user list; has_out "SipUri"; has_out "sip:alice@example.com"; has_out "Alice Anders"; has_out "sip:carol@example.com"
t 0 user list --search ALICE --json; json_is '[u["sipUri"] for u in d["users"]]' '["sip:alice@example.com"]'
t 0 user list --limit 2 --json; json_is 'len(d["users"])' '2'
t 0 user show sip:alice@example.com; has_out "DisplayName:"; has_out "Alice Anders"; has_out "CallViaWorkPolicy:      Tag:SalesCallViaWork"
t 1 user show sip:nobody@example.com; has_err "cvwctl: user sip:nobody@example.com not found (404 NotFound"

# user add / set.
input=$'dave-password-1\n' t 0 user add sip:dave@example.com --display-name "Dave Doe" --line-uri "tel:+14255550104;ext=104" \
  --cvw-phone-number +14255550104 --enterprise-voice --site Redmond --password-stdin
has_out "SipUri:                 sip:dave@example.com"; has_out "EnterpriseVoice:        True"; lacks "dave-password-1"
t 1 user add sip:dave@example.com; has_err "(409 Conflict"
t 1 user add not-a-sip-uri; has_err "(400 BadRequest"
t 0 user set sip:dave@example.com --title Engineer --sim-ring +14255550199 --json
json_is 'd["title"]' '"Engineer"'; json_is 'd["simultaneousRing"]' '{"enabled": true, "target": "+14255550199"}'
t 0 user set sip:dave@example.com --no-sim-ring --json; json_is 'd["simultaneousRing"]["enabled"]' 'false'
t 0 user set sip:dave@example.com --disabled --admin --json; json_is '[d["enabled"], d["admin"]]' '[false, true]'
t 0 user set sip:dave@example.com --enabled --no-admin --json; json_is '[d["enabled"], d["admin"]]' '[true, false]'
t 1 user set sip:dave@example.com --cvw-phone-number not-a-number; has_err "(400 BadRequest"
t 1 user set sip:nobody@example.com --title x; has_err "(404 NotFound"
t 2 user set sip:dave@example.com; has_err "nothing to change"
t 2 user set sip:dave@example.com --sim-ring 1 --no-sim-ring
# call settings: ring time and forwarding (a user's SIP URI, or a number through dave's dial plan)
t 0 user set sip:dave@example.com --ring-seconds 12 --forward-on-no-answer alice@example.com --json
json_is '[d["ringSeconds"], d["forwarding"]]' '[12, {"when": "noAnswer", "target": "sip:alice@example.com"}]'
t 0 user set sip:dave@example.com --forward +14255550199
has_out "Forwarding:             immediately"; has_out "ForwardingTarget:       +14255550199"
t 0 user set sip:dave@example.com --no-forward --json; json_is 'd["forwarding"]["when"]' '"never"'
t 1 user set sip:dave@example.com --ring-seconds 500; has_err "(400 BadRequest"
t 2 user set sip:dave@example.com --forward 1 --no-forward

# user test-number (alice has the Tag:Office plan: 3 digits -> +14255550NNN).
t 0 user test-number sip:alice@example.com 101
has_out "Result:   +14255550101"; has_out "Rule:     Extensions"; has_out "DialPlan: Tag:Office"; has_out "Source:   user"
t 1 user test-number sip:nobody@example.com 101; has_err "(404 NotFound"

# Call Via Work policies.
t 0 policy list
matches $'(^|\n)Identity +Enabled +UseAdminCallbackNumber +AdminCallbackNumber\n-------- +------- +-{22} +-{19}\n'
matches $'\nGlobal +(True|False) +(True|False)'
t 0 policy list --json; json_is '"Global" in [p["identity"] for p in d["policies"]]' 'true'
has_out "Global"; has_out "Tag:SalesCallViaWork"
t 0 policy new Tag:E2E --enabled --use-admin-callback-number --admin-callback-number +14255550150
has_out "Identity:               Tag:E2E"; has_out "UseAdminCallbackNumber: True"; has_out "AdminCallbackNumber:    +14255550150"
t 1 policy new Tag:E2E; has_err "(409 Conflict"
t 0 policy show Tag:E2E --json; json_is 'd' '{"identity": "Tag:E2E", "enabled": true, "useAdminCallbackNumber": true, "adminCallbackNumber": "+14255550150"}'
t 0 policy set Tag:E2E --enabled false --json; json_is 'd["enabled"]' 'false'
t 0 policy set Tag:E2E --use-admin-callback-number false --admin-callback-number "" --json
json_is '[d["useAdminCallbackNumber"], d["adminCallbackNumber"]]' '[false, ""]'
t 1 policy set Tag:E2E --admin-callback-number 12-34; has_err "(400 BadRequest"
t 2 policy set Tag:E2E; has_err "nothing to change"
t 1 policy show Tag:Nope; has_err "(404 NotFound"
t 0 policy grant sip:dave@example.com E2E; has_out "Granted Call Via Work policy Tag:E2E to sip:dave@example.com"
t 0 user show sip:dave@example.com --json; json_is 'd["callViaWorkPolicy"]' '"Tag:E2E"'
t 1 policy grant sip:dave@example.com Tag:Nope; has_err "(400 BadRequest"
t 2 policy grant sip:dave@example.com
t 0 policy grant sip:dave@example.com --revoke; has_out "Revoked the Call Via Work policy of sip:dave@example.com"
t 0 user show sip:dave@example.com --json; json_is 'd["callViaWorkPolicy"]' 'null'
t 0 policy remove Tag:E2E; has_out "Removed Call Via Work policy Tag:E2E"
t 1 policy show Tag:E2E; has_err "(404 NotFound"
t 0 policy set Global --admin-callback-number +14255550160
t 0 policy remove Global; has_out "Reset the Global Call Via Work policy to its defaults"
t 0 policy show Global --json; json_is 'd["adminCallbackNumber"]' '""'

# Routing configuration.
t 0 routing show; has_out "CallViaWorkCallerId: +14255550100"
t 0 routing set --caller-id +14255550111; has_out "CallViaWorkCallerId: +14255550111"
t 0 routing show --json; json_is 'd' '{"callViaWorkCallerId": "+14255550111"}'
t 1 routing set --caller-id not-a-number; has_err "(400 BadRequest"
t 2 routing set

# Dial plans and rules.
t 0 dialplan list; has_out "Identity"; has_out "Tag:Office"
t 0 dialplan show Tag:Office; has_out "Description: Office extensions"
matches $'\nPriority +Name +Pattern +Translation +Description\n'; matches $'\n0 +Extensions +\\^'
t 0 dialplan new Tag:E2E --description "e2e plan"; has_out "Identity:    Tag:E2E"; has_out "Description: e2e plan"
t 1 dialplan new Tag:E2E; has_err "(409 Conflict"
# A new plan may start with SfB's default rule ("Prefix All"): remove whatever it has.
t 0 dialplan show Tag:E2E --json
while IFS= read -r rule; do
  t 0 dialplan rule remove Tag:E2E "$rule"
done < <(printf '%s' "$out" | python3 -c 'import json, sys; print("\n".join(r["name"] for r in json.load(sys.stdin)["rules"]))' | sed '/^$/d')
t 0 dialplan show Tag:E2E; has_out "Rules:       (none)"
t 0 dialplan set Tag:E2E --description "changed"; has_out "Description: changed"
t 0 dialplan rule add Tag:E2E Intl --pattern '^011(\d+)$' --translation '+$1' --description international
t 0 dialplan rule add Tag:E2E Ext4 --pattern '^(\d{4})$' --translation '+1425555$1' --priority 0 --json
json_is '[r["name"] for r in d["rules"]]' '["Ext4", "Intl"]'
t 1 dialplan rule add Tag:E2E Ext4 --pattern '^1$' --translation '+1'
t 1 dialplan rule add Tag:E2E Bad --pattern '(' --translation '+1'; has_err "(400 BadRequest"
t 0 dialplan rule set Tag:E2E Ext4 --description "4-digit" --priority 1 --json
json_is '[[r["name"], r["description"]] for r in d["rules"]]' '[["Intl", "international"], ["Ext4", "4-digit"]]'
t 1 dialplan rule set Tag:E2E Nope --description x; has_err "(404 NotFound"
t 0 dialplan test Tag:E2E 01144123; has_out "Result:   +44123"; has_out "Rule:     Intl"
t 0 dialplan test Tag:E2E 1234 --json; json_is '[d["result"], d["rule"]]' '["+14255551234", "Ext4"]'
t 0 dialplan test Tag:E2E 99 --json; json_is 'd["rule"]' 'null'
t 1 dialplan test Tag:Nope 1234; has_err "(404 NotFound"
t 0 dialplan grant sip:dave@example.com Tag:E2E; has_out "Granted dial plan Tag:E2E to sip:dave@example.com"
t 0 user test-number sip:dave@example.com 1234 --json
json_is '[d["dialPlan"], d["source"], d["result"]]' '["Tag:E2E", "user", "+14255551234"]'
t 0 dialplan grant sip:dave@example.com --revoke; has_out "Revoked the dial plan of sip:dave@example.com"
t 0 user test-number sip:dave@example.com 1234 --json; json_is 'd["source"] != "user"' 'true'
t 0 dialplan rule remove Tag:E2E Intl; has_out "Removed rule Intl from dial plan Tag:E2E"
t 1 dialplan rule remove Tag:E2E Intl; has_err "(404 NotFound"
t 0 dialplan remove Tag:E2E; has_out "Removed dial plan Tag:E2E"
t 0 dialplan remove Global; has_out "Reset the Global dial plan to its defaults"
t 1 dialplan show Tag:E2E; has_err "(404 NotFound"

# CSV export and import.
t 0 user export; has_out "SipAddress"; has_out "sip:alice@example.com"
t 0 user export "$work/users.csv"; has_out "Exported users to $work/users.csv"
last="export file"; grep -q "sip:dave@example.com" "$work/users.csv" || bad "the exported file lacks dave"
# The call history export (no calls placed here: the header row only).
t 0 history export; has_out "id,user,to,target,targetNumber,phoneNumber,startedAt"
t 0 history export --user sip:alice@example.com "$work/history.csv"; has_out "Exported the call history to $work/history.csv"
t 1 history export --user sip:nobody@example.com; has_err "(404 NotFound"
t 2 history export --limit 0; has_err "cvwctl: "
printf 'SipAddress,DisplayName,LineUri,CvwPhoneNumber,EnterpriseVoiceEnabled\r\nsip:erin@example.com,Erin Eck,tel:+14255550105,+14255550105,True\r\nsip:alice@example.com,Alice A.,tel:+14255550101;ext=101,+14255550101,True\r\n' \
  >"$work/import.csv"
t 0 user import "$work/import.csv"; has_out "1 created, 1 updated"
t 0 user show sip:erin@example.com --json; json_is 'd["displayName"]' '"Erin Eck"'
printf 'SipAddress,DisplayName\r\nsip:frank@example.com,Frank\r\nnot a uri,Nobody\r\n' >"$work/bad.csv"
t 1 user import "$work/bad.csv"; has_err "line 3"; has_err "(400 BadRequest"
t 1 user show sip:frank@example.com
t 1 user import "$work/missing.csv"; has_err "missing.csv: cannot open"

# A user who is not an administrator.
XDG_CONFIG_HOME=$work/dave-config
input=$'dave-password-1\n' t 0 login --user sip:dave@example.com --password-stdin
t 1 user list; has_err "(403 Forbidden/AdminRequired)"
t 1 policy list; has_err "(403 Forbidden/AdminRequired)"
XDG_CONFIG_HOME=$work/admin-config

t 0 user remove sip:dave@example.com; has_out "Removed user sip:dave@example.com"
t 1 user show sip:dave@example.com; has_err "(404 NotFound"
t 1 user remove sip:dave@example.com; has_err "(404 NotFound"
t 1 user remove sip:admin@example.com; has_err "(409 Conflict"

# Tokens: a forged one, an expired one refreshed, --token and CVW_TOKEN.
t 1 --token forged status; has_err "(401 Authentication/InvalidToken)"
CVW_TOKEN=forged t 1 status; has_err "(401 Authentication/InvalidToken)"
access=$(session_field "$session" accessToken)
refresh=$(session_field "$session" refreshToken)
t 0 --token "$access" status
python3 - "$session" <<'PY'
import json, sys
path = sys.argv[1]
session = json.load(open(path))
session["expiresAt"] = 0
json.dump(session, open(path, "w"))
PY
t 0 status; has_out "Version:"
last="refresh"
[[ $(session_field "$session" accessToken) != "$access" ]] || bad "the expired access token was not replaced"
[[ $(session_field "$session" expiresAt) -gt 0 ]] || bad "expiresAt was not renewed"
[[ $(stat -c %a "$session") == 600 ]] || bad "refreshed session file mode is not 600"
# The refresh retired the old refresh token: a session holding it is over.
python3 - "$session" "$refresh" <<'PY'
import json, sys
path, old_refresh = sys.argv[1], sys.argv[2]
session = json.load(open(path))
session["expiresAt"] = 0
session["refreshToken"] = old_refresh
json.dump(session, open(path, "w"))
PY
t 1 status; has_err "has expired, log in again"; has_err "(401 Authentication/InvalidRefreshToken)"
input=$'admin-password-1\n' t 0 login --user sip:admin@example.com --password-stdin
access=$(session_field "$session" accessToken)

# Logout.
t 0 logout; has_out "Logged out of $server"
last="logout"; [[ ! -e $session ]] || bad "logout left the session file"
t 1 --token "$access" status; has_err "(401 Authentication/InvalidToken)"
t 1 status; has_err "not logged in to $server"

# The server going away.
input=$'admin-password-1\n' t 0 login --user sip:admin@example.com --password-stdin
stop_cvwd 0
t 3 status; has_err "cvwctl: cannot reach $server: Connection refused"
t 3 --server "http://127.0.0.1:$(free_port)" --token x user list; has_err "cvwctl: cannot reach http://127.0.0.1:"

# ---------------------------------------------------------------- HTTPS

start_cvwd tls true
https_server="https://127.0.0.1:$port"
ca=$work/tls/cert.pem
export CVW_SERVER=$https_server
input=$'admin-password-1\n' t 3 login --user sip:admin@example.com --password-stdin
has_err "the server's certificate is not trusted"; has_err "--ca FILE"
input=$'admin-password-1\n' t 0 --ca "$ca" login --user sip:admin@example.com --password-stdin; no_err
t 0 --ca "$ca" status; has_out "Version:"
t 0 --insecure status; has_out "Version:"; has_err "warning: --insecure"
t 3 --server "http://127.0.0.1:$port" --token x status; has_err "cannot reach http://127.0.0.1:$port"
t 2 --ca "$work/none.pem" status; has_err "cvwctl: "

echo "cvwctl e2e: $checks commands run, $failures failed checks"
[[ $failures == 0 ]]
