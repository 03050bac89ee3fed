#!/usr/bin/env python3
"""Lists the SIP messages of a SIPp -trace_msg file, one per line.

usage: sipp_trace.py MESSAGE_FILE
       sipp_trace.py MESSAGE_FILE --ladder STEP...

SIPp (3.6) writes every message it sends or receives to the -message_file,
retransmissions included (they are logged before its retransmission check
swallows them), each block starting with
    ----------------------------------------------- 2026-11-28 05:18:09.407027
    UDP message received [512] bytes :
    <blank line>
    SIP/2.0 200 OK
    ...
Output, tab-separated, one line per SIP message:
    EPOCH_SECONDS  DIR(recv|sent)  TRANSPORT  CSEQ_NUM  CSEQ_METHOD  CALL_ID  START_LINE
EPOCH_SECONDS is the block's local-time stamp as seconds since the epoch
(microsecond resolution). Other blocks (SIPp's notes such as "Ignoring
provisional ...") are skipped.

With --ladder it prints instead how many calls (Call-IDs) went through every
STEP, in that order. A STEP is "DIR CSEQ_METHOD START_LINE_PREFIX", e.g. the
complete ladder of a UAS:
    --ladder "sent INVITE SIP/2.0 200" "recv ACK ACK" "recv BYE BYE" "sent BYE SIP/2.0 200"
"""
import re
import signal
import sys
from datetime import datetime

HEADER = re.compile(r'^-{20,} (\d{4}-\d\d-\d\d[ \t]\d\d:\d\d:\d\d\.\d+)')
KIND = re.compile(r'^(\w+) message (received|sent)')


def header_value(lines, names):
    for line in lines:
        if not line.strip():
            break                      # end of the header section
        name, sep, value = line.partition(':')
        if sep and name.strip().lower() in names:
            return value.strip()
    return ''


def blocks(path):
    """Yields (timestamp text, block lines) for each dashed block."""
    stamp, lines = None, []
    with open(path, encoding='latin-1') as f:
        for raw in f:
            line = raw.rstrip('\r\n')
            m = HEADER.match(line)
            if m:
                if stamp is not None:
                    yield stamp, lines
                stamp, lines = m.group(1), []
            elif stamp is not None:
                lines.append(line)
    if stamp is not None:
        yield stamp, lines


def messages(path):
    """Yields the fields of each SIP message of the trace, in file order."""
    for stamp, lines in blocks(path):
        if not lines:
            continue
        kind = KIND.match(lines[0])
        if not kind:
            continue
        body = lines[1:]
        while body and not body[0].strip():
            body.pop(0)
        if not body:
            continue
        when = datetime.strptime(stamp.replace('\t', ' '), '%Y-%m-%d %H:%M:%S.%f').timestamp()
        cseq = header_value(body, ('cseq',)).split()
        call_id = header_value(body, ('call-id', 'i'))
        yield [
            f'{when:.6f}',
            'recv' if kind.group(2) == 'received' else 'sent',
            kind.group(1),
            cseq[0] if cseq else '',
            cseq[1] if len(cseq) > 1 else '',
            call_id,
            body[0].strip(),
        ]


def ladder(path, steps):
    """Number of Call-IDs whose messages contain every step, in order."""
    wanted = [s.split(' ', 2) for s in steps]
    progress = {}
    for m in messages(path):
        done = progress.setdefault(m[5], 0)
        if done < len(wanted):
            d, method, prefix = wanted[done]
            if m[1] == d and m[4] == method and m[6].startswith(prefix):
                progress[m[5]] = done + 1
    return sum(1 for n in progress.values() if n == len(wanted))


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # quiet under "| head"
    if len(sys.argv) >= 4 and sys.argv[2] == '--ladder':
        print(ladder(sys.argv[1], sys.argv[3:]))
        return
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    for m in messages(sys.argv[1]):
        print('\t'.join(m))


main()
