#!/usr/bin/env python3
"""A plain pyzmq peer for mmring's ipc interop test (native/tests/ipc_interop.rs).

It speaks the packed framing of the Python ring-buffer module mmring grew from: for
each message a little-endian u32 length (struct "<I") followed by the bytes. Messages
travel on the command line and stdout as hex, "-" standing for an empty message.

    peer.py pull ENDPOINT COUNT
        Connect a PULL socket to ENDPOINT, receive COUNT frames, and print one line
        per frame: "FRAME <raw> <n> <msg>..." where <raw> is the whole frame and
        <msg>... its messages unpacked with that framing; <n> is "?" when the
        frame is not a valid packed frame.

    peer.py push bind|connect ENDPOINT FRAME...
        Bind (printing "ENDPOINT <resolved>" first, so "tcp://127.0.0.1:*" works) or
        connect a PUSH socket, then send each FRAME packed with that framing.
        A FRAME is its messages, comma-separated. Exits once they are delivered.
"""

import struct
import sys

import zmq


def pack(msgs):
    """The framing: length-prefix every message, concatenate."""
    return b"".join(struct.pack("<I", len(m)) + m for m in msgs)


def unpack(frame):
    """The framing, read strictly: None for a frame that does not parse."""
    msgs, offset = [], 0
    while offset < len(frame):
        if offset + 4 > len(frame):
            return None
        (length,) = struct.unpack_from("<I", frame, offset)
        offset += 4
        if offset + length > len(frame):
            return None
        msgs.append(frame[offset : offset + length])
        offset += length
    return msgs


def to_hex(data):
    return data.hex() if data else "-"


def from_hex(token):
    return b"" if token == "-" else bytes.fromhex(token)


def pull(endpoint, count):
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    sock.connect(endpoint)
    for _ in range(count):
        frame = sock.recv()
        msgs = unpack(frame)
        fields = ["FRAME", to_hex(frame)]
        if msgs is None:
            fields.append("?")
        else:
            fields.append(str(len(msgs)))
            fields.extend(to_hex(m) for m in msgs)
        print(" ".join(fields), flush=True)
    sock.close(linger=0)
    ctx.term()


def push(mode, endpoint, frames):
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    if mode == "bind":
        sock.bind(endpoint)
        print("ENDPOINT", sock.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
    else:
        sock.connect(endpoint)
    for frame in frames:
        msgs = [from_hex(token) for token in frame.split(",")]
        sock.send(pack(msgs))  # blocks until a peer is there
    # Deliver everything before exiting, but never hang the test for long.
    sock.close(linger=10_000)
    ctx.term()
    print("DONE", flush=True)


def main(argv):
    if len(argv) == 3 and argv[0] == "pull":
        pull(argv[1], int(argv[2]))
    elif len(argv) >= 3 and argv[0] == "push" and argv[1] in ("bind", "connect"):
        push(argv[1], argv[2], argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
