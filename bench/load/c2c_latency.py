#!/usr/bin/env python3
"""Time cvwd adds at the two hand-overs of a click-to-call, from a packet
capture of the traffic between cvwd and SIPp (bench/load/c2c_pbx_uas.xml,
the PBX of both legs), taken with tcpdump on the loopback device.

usage: c2c_latency.py CAPTURE.pcap SIPP_PORT

    phone_200 -> callee_INVITE   leg A's 200 to the first INVITE on the wire;
                                 leg B's INVITE on the wire
    callee_200 -> phone_reINVITE leg B's 200 on the wire; leg A's re-INVITE
                                 on the wire

The legs of one click-to-call have different Call-IDs. They are paired by
the a=label:<SIPp call number> line each 200 of c2c_pbx_uas.xml carries:
cvwd offers the callee the phone's media description (label included) and
re-INVITEs the phone with the callee's.

Times are the kernel's capture stamps (microseconds): a packet on loopback is
stamped once, as it is sent. So a gap is exactly cvwd's share: reading the
200, waking up, deciding, sending the next request; neither SIPp's delay in
reading nor its logging is in it (an earlier version used SIPp's
-trace_msg stamps, which held both). Retransmissions are skipped (the first
copy of each message counts).

Prints one line per gap: count, p50, p90, p99, max in milliseconds; and how
many legs could not be paired.
"""
import struct
import sys

# Link-layer headers tcpdump may write for the loopback device.
LINK_HEADER = {1: 14,      # Ethernet (what Linux gives "-i lo")
               113: 16,    # Linux cooked capture (SLL, "-i any")
               276: 20}    # Linux cooked capture v2


def describe(payload):
    """(start line, call-id, cseq, label) of one SIP message, or None."""
    text = payload.decode('latin-1')
    head, _, body = text.partition('\r\n\r\n')
    lines = head.split('\r\n')
    if not lines or not lines[0].strip():
        return None
    call_id = cseq = label = ''
    for line in lines[1:]:
        name, sep, value = line.partition(':')
        name = name.strip().lower()
        if sep and name in ('call-id', 'i'):
            call_id = value.strip()
        elif sep and name == 'cseq':
            cseq = value.strip()
    for line in body.split('\r\n'):
        if line.startswith('a=label:'):
            label = line[len('a=label:'):].strip()
    return lines[0].strip(), call_id, cseq, label


def messages(path, sipp_port):
    """Yields (epoch seconds, 'recv'|'sent' as seen by SIPp, start line,
    call-id, cseq, label) for every UDP datagram to or from sipp_port."""
    with open(path, 'rb') as f:
        header = f.read(24)
        if len(header) < 24:
            sys.exit('%s: not a pcap file (too short)' % path)
        magic = header[:4]
        if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
            endian = '<'
        elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
            endian = '>'
        else:
            sys.exit('%s: not a pcap file (pcapng is not read: run tcpdump -w)' % path)
        nanos = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
        link = struct.unpack(endian + 'I', header[20:24])[0]
        if link not in LINK_HEADER:
            sys.exit('%s: link type %d not read' % (path, link))
        skip = LINK_HEADER[link]
        while True:
            record = f.read(16)
            if len(record) < 16:
                return
            sec, frac, caplen, _ = struct.unpack(endian + 'IIII', record)
            frame = f.read(caplen)
            ip = frame[skip:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue  # IPv4 UDP only: the benchmark runs on 127.0.0.1
            udp = ip[(ip[0] & 0x0f) * 4:]
            if len(udp) < 8:
                continue
            src, dst = struct.unpack('>HH', udp[:4])
            if sipp_port not in (src, dst):
                continue
            described = describe(udp[8:])
            if described is None:
                continue
            when = sec + frac / (1e9 if nanos else 1e6)
            yield (when, 'sent' if src == sipp_port else 'recv') + described


def percentile(sorted_values, p):
    if not sorted_values:
        return float('nan')
    rank = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[rank]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    seen = set()
    first_invite = {}      # call-id -> (time, cseq, label of the offer: set on leg B)
    answered = {}          # own label -> (call-id, time the 200 to the first INVITE was sent)
    reinvite = {}          # call-id -> (time, label of the offer)
    for when, direction, start, call_id, cseq, label in messages(sys.argv[1], int(sys.argv[2])):
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
