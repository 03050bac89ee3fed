#!/bin/bash
# SHA-256 digest (RFC 8760) against a real UC client: linphonec (linphone-cli
# 5.1, liblinphone + belle-sip) with cvwd --demo (users alice, bob, carol with
# their passwords), no PBX. cvwd offers SHA-256 ALONE, so every success below
# proves the client computed a SHA-256 digest that cvwd verified.
#   1. linphonec as sip:alice@example.com registers: the 401 challenge names
#      SHA-256 (and no MD5), its Authorization answers algorithm=SHA-256 with
#      a 64-hex-digit response, 200 with its Contact and expiry; cvwd shows
#      one binding.
#   2. linphonec as sip:carol@example.com with a wrong password is refused
#      (403) and counted as a failed authentication; alice's binding stays
#      alone.
#   3. bob's linphonec (auto-answer) registers; alice calls
#      sip:bob@example.com: cvwd answers 407 with a SHA-256 Proxy-Authenticate,
#      alice's client retries with Proxy-Authorization algorithm=SHA-256; bob's
#      client is rung with alice's work identity and answers; alice hangs up;
#      no dialog is left.
#   4. alice's and bob's clients unregister (Expires: 0, their digest
#      answered with SHA-256 again) and quit; no binding is left.
#   5. cvwd restarts offering SHA-256 then MD5 (its default order): a new
#      client of alice's answers the SHA-256 challenge, and only that one.
# linphonec's debug log (-d 6) holds every SIP message it sent and received;
# linphone/linphone_trace.py reads it back into a SIPp-style trace for
# h_cvwd_sipp_msg. linphonec reads its commands from a FIFO (it quits at EOF
# on stdin, so /dev/null will not do). Each client has its own HOME and
# config (linphone/make-client.sh says why each setting is there).
source "$(dirname "$0")/lib/harness.sh"
h_init registrar_linphone 60
h_need linphonec curl python3 mkfifo
h_cvwd_need

# ---------------------------------------------------------------------------
# linphonec clients (local to this test)

declare -gA LP_DIR=() LP_SIP=() LP_FD=()

# lp_create NAME USER DISPLAY_NAME PASSWORD: the config of client NAME
# (linphone/make-client.sh) on free ports, registering to cvwd as
# sip:USER@example.com (start cvwd first).
lp_create() {
  local name=$1 sip rtp
  [ -n "$H_CVWD_SIP_PORT" ] || h_fail "harness: lp_create $name before h_cvwd_start"
  h_port sip
  h_port rtp 6
  LP_DIR[$name]=$(sh "$H_ROOT/linphone/make-client.sh" "$H_WORK/linphone/$name" "$2" "$3" "$4" "$sip" "$rtp" \
    "$H_CVWD_SIP_PORT") || h_fail "make-client.sh $name failed"
  LP_SIP[$name]=$sip
}

# lp_start NAME [LINPHONEC OPTIONS...]: starts client NAME (label
# linphone-NAME) with its own HOME, debug log and a FIFO as stdin (this
# shell holds it open for writing: lp_cmd); waits for its SIP socket.
lp_start() {
  local name=$1 dir=${LP_DIR[$1]} fd
  shift
  mkfifo "$dir/stdin" || h_fail "cannot create $dir/stdin"
  # read-write: does not block for a reader, and keeps the FIFO from ever
  # reaching EOF while the test runs
  exec {fd}<>"$dir/stdin"
  LP_FD[$name]=$fd
  # shellcheck disable=SC2016 # the inner shell expands them
  h_start "linphone-$name" -- env -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_CACHE_HOME HOME="$dir/home" \
    bash -c 'exec linphonec "$@" <"$0"' "$dir/stdin" -c "$dir/linphonerc" -d 6 -l "$dir/linphone.log" "$@"
  h_wait_port udp "${LP_SIP[$name]}" 10 ||
    h_fail "linphonec $name: no SIP listening point on udp 127.0.0.1:${LP_SIP[$name]} after 10 s"
  h_log "linphonec $name up (SIP udp:127.0.0.1:${LP_SIP[$name]}, options: $*)"
}

# lp_cmd NAME COMMAND: one linphonec command line (call URI, terminate, quit...).
lp_cmd() { printf '%s\n' "$2" >&"${LP_FD[$1]}"; }

# lp_log NAME: the debug log of client NAME.
lp_log() { echo "${LP_DIR[$1]}/linphone.log"; }

# lp_wait NAME REGEX WHAT [TIMEOUT_S] [COUNT]: until the debug log of NAME
# has COUNT (default 1) lines matching REGEX.
lp_wait() {
  h_wait_log "$(lp_log "$1")" "$2" "${4:-10}" "${5:-1}" ||
    h_fail "$3: /$2/ not in linphonec $1's log ${5:-1} time(s) after ${4:-10} s"
}

# lp_trace NAME: the SIP messages of client NAME as $H_WORK/NAME.messages.log
# (read with h_cvwd_sipp_msg NAME ...).
lp_trace() {
  python3 "$H_ROOT/linphone/linphone_trace.py" "$(lp_log "$1")" "$H_WORK/$1.messages.log" >/dev/null ||
    h_fail "harness: cannot read the SIP trace of linphonec $1"
}

# lp_unregister NAME: "unregister" (Expires: 0 for its contact); waits until
# the client sees it done. A client quitting unregisters by itself only when
# liblinphone's network monitor found a route to the internet (see
# make-client.sh: the monitor is off here).
lp_unregister() {
  lp_cmd "$1" unregister
  lp_wait "$1" 'to \[LinphoneRegistrationCleared\]' "linphonec $1 unregisters" 5
}

# lp_stop NAME: "quit"; SIGTERM etc. (h_stop) if it has not ended 5 s later.
# Returns its exit status.
lp_stop() {
  local name=$1 rc fd=${LP_FD[$1]}
  lp_cmd "$name" quit
  if h_wait_exit "linphone-$name" 5; then rc=0; else rc=$?; fi
  if [ $rc = 124 ]; then
    h_log "linphonec $name did not quit within 5 s"
    if h_stop "linphone-$name"; then rc=0; else rc=$?; fi
  fi
  exec {fd}>&-
  return $rc
}

# lp_recording NAME WAV: WAV, a recording of client NAME ("record WAV"),
# rewritten with the right data size: mediastreamer 5.1's file recorder
# writes the size of the whole file as the size of its data chunk, 44 bytes
# more than there are, and Python's wave module then stops short of them.
lp_recording() {
  [ -s "$2" ] || h_fail "linphonec $1 recorded nothing into $2"
  python3 -c 'import struct, sys, wave
raw = open(sys.argv[1], "rb").read()
at = raw.find(b"data", 12)
if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE" or at < 0:
    sys.exit("%s: not a WAV file" % sys.argv[1])
channels, rate, bits = struct.unpack("<HIxxxxxxH", raw[22:36])
data = raw[at + 8:]
data = data[:len(data) - len(data) % (channels * bits // 8)]
w = wave.open(sys.argv[1], "wb")
w.setnchannels(channels); w.setsampwidth(bits // 8); w.setframerate(rate)
w.writeframes(data)
w.close()' "$2" || h_fail "cannot read linphonec $1's recording $2"
}

# digest_field HEADER_VALUE NAME: one parameter of a digest challenge or
# answer (quotes removed).
digest_field() {
  printf '%s\n' "$1" | grep -Eo "(^|[ ,])$2=(\"[^\"]*\"|[^ ,]*)" | head -n 1 | sed -E "s/^[ ,]?$2=//; s/^\"//; s/\"$//"
}

# ---------------------------------------------------------------------------

LP_VERSION=$(linphonec -v 2>&1 | grep -Eio 'version: *[0-9][0-9.]*' | grep -Eo '[0-9][0-9.]*$')
[ -n "$LP_VERSION" ] || h_skip "linphonec -v prints no version"
h_log "linphonec $LP_VERSION"

h_cvwd_start "[registrar]
digest_algorithms = [\"SHA-256\"]"
[ "$(h_cvwd_metric 'cvw_registrar_bindings')" = 0 ] ||
  h_skip "this cvwd has no SIP registrar (no cvw_registrar_bindings metric)"

# ---- 1. alice registers with SHA-256
lp_create alice alice "Alice Anders" alice-password-1
lp_start alice
h_cvwd_wait_metric cvw_registrar_bindings 1 10 "alice's client registered"
lp_wait alice 'to \[LinphoneRegistrationOk\]' "alice's client sees its registration" 5
h_assert_eq "$(h_cvwd_metric 'cvw_registrar_aors')" 1 "users with a registered client"
lp_trace alice
challenge=$(h_cvwd_sipp_msg alice '*' recv 401 1 hdr:WWW-Authenticate)
h_log "alice's client was challenged: $challenge"
[[ "$challenge" == *'realm="example.com"'* && "$challenge" != *'MD5'* ]] ||
  h_fail "the 401 should offer SHA-256 alone in realm example.com, is: ${challenge:-none}"
h_assert_eq "$(digest_field "$challenge" algorithm)" SHA-256 "algorithm of the 401's challenge"
authorization=$(h_cvwd_sipp_msg alice '*' sent REGISTER 2 hdr:Authorization)
h_log "alice's client answered: $authorization"
h_assert_eq "$(digest_field "$authorization" algorithm)" SHA-256 "algorithm of alice's Authorization"
h_assert_eq "$(digest_field "$authorization" username)" alice "username of alice's Authorization"
h_assert_eq "$(digest_field "$authorization" realm)" example.com "realm of alice's Authorization"
h_assert_eq "$(digest_field "$authorization" nonce)" "$(digest_field "$challenge" nonce)" "nonce of alice's Authorization"
[[ "$(digest_field "$authorization" response)" =~ ^[0-9a-f]{64}$ ]] ||
  h_fail "alice's digest response should be 64 hex digits (SHA-256; MD5 has 32), is: $(digest_field "$authorization" response)"
contact=$(h_cvwd_sipp_msg alice '*' recv 200/REGISTER 1 hdr:Contact)
h_log "cvwd's 200 to alice: Contact: $contact"
[[ "$contact" == *"127.0.0.1:${LP_SIP[alice]}"* && "$contact" == *'expires='* ]] ||
  h_fail "the 200 should list alice's contact (port ${LP_SIP[alice]}) with its expiry, is: ${contact:-none}"
h_assert_ge "$(h_cvwd_metric 'cvw_registrar_requests_total{outcome="challenged"}')" 1 "REGISTERs challenged"
h_assert_eq "$(h_cvwd_metric 'cvw_registrar_requests_total{outcome="registered"}')" 1 "REGISTERs that registered"

# ---- 2. a wrong password
failed_before=$(h_cvwd_metric 'cvw_registrar_requests_total{outcome="auth_failed"}')
lp_create carol carol "Carol Chen" not-carols-password
lp_start carol
h_cvwd_wait_metric 'cvw_registrar_requests_total{outcome="auth_failed"}' $((failed_before + 1)) 10 \
  "carol's client with a wrong password counted as a failed authentication"
lp_wait carol 'to \[LinphoneRegistrationFailed\]' "carol's client sees its registration fail" 5
lp_trace carol
h_assert_eq "$(h_cvwd_sipp_msg carol '*' recv 403 1 count)" 1 "403s carol's client got"
h_assert_eq "$(digest_field "$(h_cvwd_sipp_msg carol '*' sent REGISTER 2 hdr:Authorization)" algorithm)" SHA-256 \
  "algorithm of carol's (wrong) Authorization"
h_assert_eq "$(h_cvwd_metric 'cvw_registrar_bindings')" 1 "bindings (alice's only)"
h_assert_file_has "${H_LOG[cvwd]}" "REGISTER for sip:carol@example.com .*authentication failed" "cvwd's log line"
lp_stop carol >/dev/null

# ---- 3. alice calls bob; each client plays a tone from a file and records
# what it receives (no sound card here)
h_tone "$H_WORK/tone1000.wav" 1000 30
h_tone "$H_WORK/tone600.wav" 600 30
lp_create bob bob "Bob Berg" bob-password-1
lp_start bob -a
h_cvwd_wait_metric cvw_registrar_bindings 2 10 "alice's and bob's clients registered"
lp_cmd alice "soundcard use files"
lp_cmd alice "play $H_WORK/tone1000.wav"
lp_cmd alice "record $H_WORK/alice-heard.wav"
lp_cmd bob "soundcard use files"
lp_cmd bob "play $H_WORK/tone600.wav"
lp_cmd bob "record $H_WORK/bob-heard.wav"
challenged_before=$(h_cvwd_metric 'cvw_sip_calls_admitted_total{outcome="challenged"}')
lp_cmd alice "call sip:bob@example.com"
STATE='CallSession \[[^]]*\] moving from state [A-Za-z]+ to '
lp_wait bob "${STATE}LinphoneCallIncomingReceived" "bob's client rings" 10
lp_wait bob "${STATE}LinphoneCallStreamsRunning" "bob's client answers (auto-answer)" 5
lp_wait alice "${STATE}LinphoneCallStreamsRunning" "alice's call is up" 5
h_assert_eq "$(h_cvwd_metric 'cvw_sip_dialogs_open')" 2 "dialogs open during the call (alice's and bob's legs)"
sleep 3
lp_cmd alice terminate
lp_wait alice "${STATE}LinphoneCallEnd" "alice's client hangs up" 5
lp_wait bob "${STATE}LinphoneCallEnd" "bob's client is hung up" 5
h_cvwd_wait_metric cvw_sip_dialogs_open 0 10 "dialogs left open after the call"
h_assert_ge "$(h_cvwd_metric 'cvw_sip_calls_admitted_total{outcome="challenged"}')" $((challenged_before + 1)) "INVITEs challenged"
h_assert_eq "$(h_cvwd_metric 'cvw_sip_calls_admitted_total{outcome="rung"}')" 1 "calls rung"
lp_trace alice
lp_trace bob
challenge=$(h_cvwd_sipp_msg alice '*' recv 407 1 hdr:Proxy-Authenticate)
h_log "alice's INVITE was challenged: $challenge"
[[ "$challenge" == *'realm="example.com"'* && "$challenge" != *'MD5'* ]] ||
  h_fail "the 407 should offer SHA-256 alone in realm example.com, is: ${challenge:-none}"
h_assert_eq "$(digest_field "$challenge" algorithm)" SHA-256 "algorithm of the 407's challenge"
credentials=$(h_cvwd_sipp_msg alice '*' sent INVITE 2 hdr:Proxy-Authorization)
h_log "alice's client answered: $credentials"
h_assert_eq "$(digest_field "$credentials" algorithm)" SHA-256 "algorithm of alice's Proxy-Authorization"
h_assert_eq "$(digest_field "$credentials" username)" alice "username of alice's Proxy-Authorization"
h_assert_eq "$(digest_field "$credentials" uri)" sip:bob@example.com "digest-uri of alice's Proxy-Authorization"
[[ "$(digest_field "$credentials" response)" =~ ^[0-9a-f]{64}$ ]] ||
  h_fail "alice's INVITE digest response should be 64 hex digits, is: $(digest_field "$credentials" response)"
h_assert_eq "$(h_cvwd_sipp_msg alice '*' recv 200/INVITE 1 count)" 1 "200s to alice's INVITE"
from=$(h_cvwd_sipp_msg bob '*' recv INVITE 1 hdr:From)
[[ "$from" == '"Alice Anders" <sip:alice@example.com>'* ]] ||
  h_fail "bob's client should see alice's work identity, From is: ${from:-none}"
lp_recording alice "$H_WORK/alice-heard.wav"
lp_recording bob "$H_WORK/bob-heard.wav"
h_heard_each_other "alice calls bob" "$H_WORK/alice-heard.wav" alice 1000 "$H_WORK/bob-heard.wav" bob 600

# ---- 4. the clients unregister (their digest answered with SHA-256 again)
# and quit
lp_unregister alice
lp_unregister bob
h_cvwd_wait_metric cvw_registrar_bindings 0 5 "alice's and bob's clients unregistered"
lp_stop alice || h_fail "linphonec alice: exit status $? after quit"
lp_stop bob || h_fail "linphonec bob: exit status $? after quit"
lp_trace alice
n=$(h_cvwd_sipp_msg alice '*' sent REGISTER 0 count)
h_assert_eq "$(h_cvwd_sipp_msg alice '*' sent REGISTER "$n" hdr:Expires)" 0 "Expires of alice's last REGISTER"
h_assert_eq "$(digest_field "$(h_cvwd_sipp_msg alice '*' sent REGISTER "$n" hdr:Authorization)" algorithm)" SHA-256 \
  "algorithm of alice's unregistration"

# ---- 5. both algorithms offered (SHA-256 first, as by default): the client
# picks SHA-256
h_cvwd_restart "[registrar]
digest_algorithms = [\"SHA-256\", \"MD5\"]"
lp_create alice2 alice "Alice Anders" alice-password-1
lp_start alice2
h_cvwd_wait_metric cvw_registrar_bindings 1 10 "alice's client registered (SHA-256 and MD5 offered)"
lp_trace alice2
challenge=$(h_cvwd_sipp_msg alice2 '*' recv 401 1 hdr:WWW-Authenticate)
h_log "alice's client was challenged: $challenge"
[[ "$challenge" == *'algorithm=SHA-256'*' | '*'algorithm=MD5'* ]] ||
  h_fail "the 401 should offer SHA-256, then MD5, is: ${challenge:-none}"
authorization=$(h_cvwd_sipp_msg alice2 '*' sent REGISTER 2 hdr:Authorization)
h_log "alice's client answered: $authorization"
[[ "$authorization" != *' | '* ]] || h_fail "alice's client should answer one challenge, sent: $authorization"
h_assert_eq "$(digest_field "$authorization" algorithm)" SHA-256 "algorithm alice's client chose among SHA-256 and MD5"
[[ "$(digest_field "$authorization" response)" =~ ^[0-9a-f]{64}$ ]] ||
  h_fail "alice's digest response should be 64 hex digits, is: $(digest_field "$authorization" response)"
lp_unregister alice2
h_cvwd_wait_metric cvw_registrar_bindings 0 5 "alice's client unregistered"
lp_stop alice2 || h_fail "linphonec alice2: exit status $? after quit"
h_cvwd_stop
h_pass
