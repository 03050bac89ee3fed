#!/usr/bin/env python3
"""Tiny client for baresip's ctrl_tcp module (netstring-framed JSON).

usage: bsctl.py PORT COMMAND [PARAMS...]     send one command, print the response
       bsctl.py PORT --events SECONDS        print events for SECONDS
e.g.   bsctl.py 25102 dial sip:1002@pbx.test
       bsctl.py 25102 hangup
       bsctl.py 25102 listcalls        (any long command of the menu module)
       bsctl.py 25102 accept           (answer an incoming call in manual mode)
Exit status: 0 when baresip answered ok, 1 when it answered not ok, 2 when it
could not be reached.

NB: baresip 1.0.0's ctrl_tcp serves ONE connection at a time (a new connection
replaces the old one, events go to the newest), so do not keep an --events
listener open while sending commands from another process: the harness sends
one-shot commands and follows call progress in baresip's log instead.
"""
import json
import socket
import sys
import time


def read_netstring(sock, buf):
    while True:
        if b':' in buf:
            n, rest = buf.split(b':', 1)
            n = int(n)
            if len(rest) >= n + 1:
                return rest[:n], rest[n + 1:]
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError
        buf += chunk


def connect(port, wait_s=5.0):
    """Connects to the phone, retrying while baresip is still starting."""
    deadline = time.time() + wait_s
    while True:
        try:
            return socket.create_connection(('127.0.0.1', port), timeout=10)
        except OSError as e:
            if time.time() >= deadline:
                print(f'bsctl: cannot connect to 127.0.0.1:{port}: {e}', file=sys.stderr)
                sys.exit(2)
            time.sleep(0.1)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    port = int(sys.argv[1])
    s = connect(port)
    buf = b''
    if sys.argv[2] == '--events':
        end = time.time() + float(sys.argv[3])
        while time.time() < end:
            s.settimeout(max(0.1, end - time.time()))
            try:
                msg, buf = read_netstring(s, buf)
            except (socket.timeout, EOFError):
                break
            print(msg.decode(), flush=True)
        return
    cmd = {'command': sys.argv[2], 'params': ' '.join(sys.argv[3:]), 'token': 't1'}
    data = json.dumps(cmd).encode()
    s.sendall(str(len(data)).encode() + b':' + data + b',')
    try:
        while True:   # skip events until our response arrives
            msg, buf = read_netstring(s, buf)
            j = json.loads(msg)
            if j.get('response'):
                print(json.dumps(j))
                sys.exit(0 if j.get('ok') else 1)
            print('event:', msg.decode(), file=sys.stderr)
    except (socket.timeout, EOFError) as e:
        print(f'bsctl: no response from 127.0.0.1:{port}: {e!r}', file=sys.stderr)
        sys.exit(2)


main()
