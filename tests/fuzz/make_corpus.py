#!/usr/bin/env python3
"""Seed corpora of the fuzz targets, from every capture in captures/.

    tests/fuzz/make_corpus.py [--captures DIR] [--out DIR]

locate: one input per kind of frame (the protocols tshark sees in it, its
TCP flags, its ICMP type), the frame's bytes behind fuzz_locate.c's control
block, which asks for what tcpconn's glue would ask for.

streams: one input per capture, its TCP segments and ICMP errors encoded as
fuzz_streams.c reads them: the 4-tuples and stream numbers are tshark's,
sequence numbers are made relative to each side's first, times are the
gaps between frames.

The inputs are named by the SHA-1 of their bytes, as libFuzzer names them,
and the folders are emptied first, so running this again gives the same
files. Needs tshark.
"""
import argparse
import hashlib
import math
import pathlib
import struct
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

# fuzz_locate.c's control block.
LOCATE_ICMP = 1
LOCATE_SEVERAL = 2

# fuzz_streams.c's input: a header byte, then fixed-size events.
STREAM_TUPLES = 8
STREAM_MAX_EVENTS = 1024
KIND_FROM_A, KIND_FROM_B, KIND_ICMP_ABOUT_A, KIND_ICMP_ABOUT_B, KIND_OTHER = range(5)
NEW_STREAM = 0x40
EXTRA_WINDOW_ZERO = 0x10
EXTRA_UNREACHABLE = 0x40
EXTRA_NS = 0x80

FIELDS = [
    "frame.number", "frame.time_epoch", "frame.protocols", "tcp.stream", "tcp.srcport",
    "tcp.dstport", "tcp.seq", "tcp.ack", "tcp.flags", "tcp.len", "tcp.window_size_value",
    "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "icmp.type", "icmp.code", "icmpv6.type",
    "icmpv6.code",
]


def tshark_rows(capture):
    """One dict a frame, with the last occurrence of each field (for an ICMP
    error: the quoted segment's)."""
    cmd = ["tshark", "-n", "-o", "tcp.relative_sequence_numbers:FALSE", "-r", str(capture),
           "-T", "fields", "-E", "occurrence=l"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        yield dict(zip(FIELDS, line.split("\t")))


def pcapng_frames(data):
    """The bytes of each frame of a pcapng file (enhanced, simple and
    obsolete packet blocks)."""
    endian = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    offset = 0
    while offset + 12 <= len(data):
        block_type, length = struct.unpack(endian + "II", data[offset:offset + 8])
        body = data[offset + 8:offset + length - 4]
        if block_type == 6:  # enhanced packet: interface, time, captured, original
            captured = struct.unpack(endian + "I", body[12:16])[0]
            yield body[20:20 + captured]
        elif block_type == 2:  # obsolete packet block
            captured = struct.unpack(endian + "I", body[12:16])[0]
            yield body[20:20 + captured]
        elif block_type == 3:  # simple packet block
            original = struct.unpack(endian + "I", body[0:4])[0]
            yield body[4:4 + original]
        offset += length


def pcap_frames(capture):
    """The bytes of each frame of a pcap or pcapng file."""
    data = capture.read_bytes()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        yield from pcapng_frames(data)
        return
    magic = data[:4]
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
              b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if endian is None:
        raise SystemExit(f"{capture}: not a classic pcap file")
    offset = 24
    while offset + 16 <= len(data):
        _, _, captured, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
        offset += 16
        yield data[offset:offset + captured]
        offset += captured


def number(text, default=0):
    if not text:
        return default
    return int(text, 0)


def locate_inputs(capture, rows):
    """(signature, input) for each frame."""
    for row, frame in zip(rows, pcap_frames(capture)):
        protocols = row["frame.protocols"].split(":")
        icmp = "icmp" in protocols or "icmpv6" in protocols
        if "tcp" not in protocols:
            continue
        control = bytearray(10)
        if icmp:
            control[0] |= LOCATE_ICMP
        elif protocols.count("tcp") > 1:
            control[0] |= LOCATE_SEVERAL
            struct.pack_into(">HH", control, 6, number(row["tcp.srcport"]),
                             number(row["tcp.dstport"]))
        signature = (row["frame.protocols"], row["tcp.flags"], row["icmp.type"],
                     row["icmpv6.type"])
        yield signature, bytes(control) + frame


def squared_time(delta_us):
    """fuzz_streams.c's time step: sign and root of the gap in µs."""
    root = min(32767, int(round(math.sqrt(abs(delta_us)))))
    return -root if delta_us < 0 else root


class Tuple:
    def __init__(self, a):
        self.a = a          # (address, port) of the side that sent first
        self.base = {}      # side -> first sequence number (as sent or acknowledged)
        self.stream = None  # tshark's stream of the latest event


def streams_input(rows):
    tuples = {}
    events = []
    last_time = None
    for row in rows:
        if len(events) == STREAM_MAX_EVENTS:
            break
        time = float(row["frame.time_epoch"])
        delta = 0 if last_time is None else int(round((time - last_time) * 1e6))
        last_time = time
        step = struct.pack("<h", squared_time(delta))
        src = row["ipv6.src"] or row["ip.src"]
        dst = row["ipv6.dst"] or row["ip.dst"]
        if not row["tcp.stream"] or not row["tcp.flags"]:
            events.append(bytes([KIND_OTHER]) + bytes(13) + step)
            continue
        ends = ((src, number(row["tcp.srcport"])), (dst, number(row["tcp.dstport"])))
        key = tuple(sorted(ends))
        if key not in tuples:
            tuples[key] = Tuple(ends[0])
        t = tuples[key]
        index = list(tuples).index(key) % STREAM_TUPLES
        from_a = ends[0] == t.a
        side, other = ("a", "b") if from_a else ("b", "a")
        flags = number(row["tcp.flags"])
        seq, ack = number(row["tcp.seq"]), number(row["tcp.ack"])
        t.base.setdefault(side, seq)
        if flags & 0x10:
            t.base.setdefault(other, ack)
        icmp_type = row["icmp.type"] or row["icmpv6.type"]
        icmp_code = row["icmp.code"] or row["icmpv6.code"]
        stream = number(row["tcp.stream"])
        kind_bits = index << 3
        if stream != t.stream and t.stream is not None:
            kind_bits |= NEW_STREAM
        t.stream = stream
        seq_delta = (seq - t.base[side]) & 0xFFFFFFFF
        ack_delta = (ack - t.base.get(other, 0)) & 0xFFFFFFFF
        if icmp_type:
            unreachable = number(icmp_type) == (1 if row["icmpv6.type"] else 3)
            kind = KIND_ICMP_ABOUT_A if from_a else KIND_ICMP_ABOUT_B
            extras = EXTRA_UNREACHABLE if unreachable else 0
            events.append(struct.pack("<BBBBIIH", kind | kind_bits, number(icmp_code), extras, 0,
                                      seq_delta, 0, 0) + step)
            continue
        kind = KIND_FROM_A if from_a else KIND_FROM_B
        extras = (EXTRA_NS if flags & 0x100 else 0)
        if row["tcp.window_size_value"] == "0":
            extras |= EXTRA_WINDOW_ZERO
        payload = min(number(row["tcp.len"]), 0xFFFF)
        events.append(struct.pack("<BBBBIIH", kind | kind_bits, flags & 0xFF, extras, 0,
                                  seq_delta, ack_delta, payload) + step)
    if not any(e[0] & 7 != KIND_OTHER for e in events):
        return None
    return bytes([0]) + b"".join(events)


def write(folder, inputs):
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for data in inputs:
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--captures", type=pathlib.Path, default=ROOT / "captures")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "tests/fuzz/corpus")
    args = parser.parse_args()

    captures = sorted(args.captures.glob("*/*.pcap"))
    if not captures:
        sys.exit(f"no captures in {args.captures}")
    by_signature = {}
    streams = set()
    for capture in captures:
        rows = list(tshark_rows(capture))
        for signature, data in locate_inputs(capture, rows):
            by_signature.setdefault(signature, data)
        data = streams_input(rows)
        if data is not None:
            streams.add(data)
    write(args.out / "locate", by_signature.values())
    write(args.out / "streams", streams)
    print(f"{len(captures)} captures: {len(by_signature)} locate inputs, "
          f"{len(streams)} streams inputs in {args.out}")


if __name__ == "__main__":
    main()
