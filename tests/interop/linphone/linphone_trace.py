#!/usr/bin/env python3
"""The SIP messages in a linphonec debug log (linphonec -d 6 -l LOG), written
as a SIPp -trace_msg file, so that the harness's h_cvwd_sipp_msg reads what
the client sent ("sent") and received ("recv").

usage: linphone_trace.py LOG OUT

belle-sip logs every message it sends or receives right after one of these
lines, and the message runs until the next time-stamped log line:
  2026-01-01 10:00:00:123 belle-sip-message-channel [0x..]: message sent to [UDP://127.0.0.1:5060], size: [520] bytes
  2026-01-01 10:00:00:123 belle-sip-message-channel [0x..]: received [417] new bytes from [UDP://127.0.0.1:5060]:
A message that is retransmitted appears again (h_cvwd_sipp_msg counts it once).
Prints the number of messages written.
"""
import re
import sys

STAMP = re.compile(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d):(\d{3}) ")
SENT = re.compile(r"channel \[[^]]*\]: message sent to \[(\w+)://")
RECEIVED = re.compile(r"channel \[[^]]*\]: received \[\d+\] new bytes from \[(\w+)://")


def main(log_path, out_path):
    lines = open(log_path, encoding="latin-1").read().split("\n")
    written = 0
    with open(out_path, "w") as out:
        i = 0
        while i < len(lines):
            stamp = STAMP.match(lines[i])
            sent = SENT.search(lines[i]) if stamp else None
            received = RECEIVED.search(lines[i]) if stamp and not sent else None
            i += 1
            if not (sent or received):
                continue
            message = []
            while i < len(lines) and not STAMP.match(lines[i]):
                message.append(lines[i].rstrip("\r"))
                i += 1
            while message and not message[-1].strip():
                message.pop()
            if not message or not (message[0].startswith("SIP/2.0 ") or message[0].endswith(" SIP/2.0")):
                continue
            transport = (sent or received).group(1).upper()
            out.write("----------------------------------------------- %s %s.%s000\n"
                      % (stamp.group(1), stamp.group(2), stamp.group(3)))
            out.write("%s message %s [%d] bytes :\n\n" % (
                transport, "sent" if sent else "received", sum(len(x) + 2 for x in message)))
            out.write("\n".join(message) + "\n\n")
            written += 1
    print(written)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
