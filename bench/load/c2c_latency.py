#!/usr/bin/env python3
"""Time cvwd adds at the two hand-overs of a click-to-call, from the SIPp
-trace_msg file of bench/load/c2c_pbx_uas.xml (the PBX of both legs).

usage: c2c_latency.py MESSAGE_FILE

    phone_200 -> callee_INVITE   SIPp sent leg A's 200 to the first INVITE;
                                 SIPp received leg B's INVITE
    callee_200 -> phone_reINVITE SIPp sent leg B's 200; SIPp received the
                                 re-INVITE of leg A

The legs of one click-to-call have different Call-IDs. They are paired by
the a=label:<SIPp call number> line each 200 of c2c_pbx_uas.xml carries:
cvwd offers the callee the phone's media description (label included) and
re-INVITEs the phone with the callee's.

Times are SIPp's stamps (when SIPp logged the message, microseconds), so a
gap also holds the loopback hop and SIPp's own delay in reading the request:
an upper bound of cvwd's share. Retransmissions are skipped (the first copy
of each message counts).

Prints one line per gap: count, p50, p90, p99, max in milliseconds; and how
many legs could not be paired.
"""
import re
import sys
from datetime import datetime

STAMP = re.compile(r'^-{20,} (\d{4}-\d\d-\d\d[ \t]\d\d:\d\d:\d\d\.\d+)')
KIND = re.compile(r'^\w+ message (received|sent)')
LABEL = re.compile(r'^a=label:(\S+)')


def messages(path):
    """Yields (epoch seconds, 'recv'|'sent', start line, call-id, cseq, label)."""
    stamp, lines = None, []

    def parse(stamp, lines):
        if not lines:
            return None
        m = KIND.match(lines[0])
        if not m:
            return None
        rest = lines[1:]
        while rest and not rest[0].strip():
            rest.pop(0)
        if not rest:
            return None
        start = rest[0].strip()
        call_id = cseq = label = ''
        in_body = False
        for line in rest[1:]:
            if not in_body:
                if not line.strip():
                    in_body = True
                    continue
                name, sep, value = line.partition(':')
                name = name.strip().lower()
                if sep and name in ('call-id', 'i'):
                    call_id = value.strip()
                elif sep and name == 'cseq':
                    cseq = value.strip()
            else:
                lm = LABEL.match(line.strip())
                if lm:
                    label = lm.group(1)
        when = datetime.strptime(stamp.replace('\t', ' '), '%Y-%m-%d %H:%M:%S.%f').timestamp()
        return (when, 'recv' if m.group(1) == 'received' else 'sent', start, call_id, cseq, label)

    with open(path, encoding='latin-1') as f:
        for raw in f:
            line = raw.rstrip('\r\n')
            m = STAMP.match(line)
            if m:
                if stamp is not None:
                    msg = parse(stamp, lines)
                    if msg:
                        yield msg
                stamp, lines = m.group(1), []
            elif stamp is not None:
                lines.append(line)
    if stamp is not None:
        msg = parse(stamp, lines)
        if msg:
            yield msg


def percentile(sorted_values, p):
    if not sorted_values:
        return float('nan')
    rank = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[rank]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    seen = set()
    first_invite = {}      # call-id -> (time, cseq, label of the offer: set on leg B)
    answered = {}          # own label -> (call-id, time the 200 to the first INVITE was sent)
    reinvite = {}          # call-id -> (time, label of the offer)
    for when, direction, start, call_id, cseq, label in messages(sys.argv[1]):
        key = (direction, call_id, cseq, start)
        if key in seen:
            continue
        seen.add(key)
        if direction == 'recv' and start.startswith('INVITE '):
            if call_id not in first_invite:
                first_invite[call_id] = (when, cseq, label)
            elif cseq != first_invite[call_id][1] and call_id not in reinvite:
                reinvite[call_id] = (when, label)
        elif direction == 'sent' and start.startswith('SIP/2.0 200') and cseq.endswith('INVITE'):
            first = first_invite.get(call_id)
            if first and first[1] == cseq and label:
                answered[label] = (call_id, when)

    to_callee, to_phone, unpaired = [], [], 0
    for call_id, (when, cseq, offered) in first_invite.items():
        if not offered:
            continue                      # leg A: cvwd's own offer carries no label
        phone = answered.get(offered)     # leg B: offered leg A's answer
        if phone is None:
            unpaired += 1
            continue
        to_callee.append(when - phone[1])
    # The re-INVITE of leg A offers leg B's answer, so its label is leg B's.
    for call_id, (when, offered) in reinvite.items():
        callee = answered.get(offered)
        if callee is None:
            unpaired += 1
            continue
        to_phone.append(when - callee[1])

    for name, values in (('phone_200 -> callee_INVITE', to_callee), ('callee_200 -> phone_reINVITE', to_phone)):
        v = sorted(x * 1000.0 for x in values)
        print('%-30s n=%d p50=%.3f p90=%.3f p99=%.3f max=%.3f ms' %
              (name, len(v), percentile(v, 50), percentile(v, 90), percentile(v, 99), v[-1] if v else float('nan')))
    print('unpaired legs: %d' % unpaired)


if __name__ == '__main__':
    main()
