#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
"""Decode ecbpf samples published by xdp_sampler --publish (layout version 1).

Usage: ecbpf_sample_decode --connect tcp://ADDR:PORT [--count N] [--json] [--hex]

Each message: a 56-byte little-endian header, then cap_len bytes of the frame.

  offset size  field
       0    4  magic "ECBS" (also the subscription prefix)
       4    1  layout version (1)
       5    1  header length (56): the frame starts here
       6    2  reserved
       8    8  timestamp, ns since the Unix epoch (wall clock)
      16    8  verdict metadata (fw: rule number, ...)
      24    4  ifindex
      28    4  frame length on the wire
      32    2  captured length
      34    1  slot (signed; -1 = the root)
      35    1  XDP action (0 ABORTED, 1 DROP, 2 PASS, 3 TX, 4 REDIRECT)
      36    1  reason code (libecbpf shared.h, enum ecbpf_reason)
      37    1  flags (bit 0: a "would" verdict of a slot in monitor mode)
      38    2  reserved
      40   16  interface name, NUL padded
"""
import argparse
import ipaddress
import json
import struct
import sys
from datetime import datetime, timezone

MAGIC = b"ECBS"
VERSION = 1
HEADER = struct.Struct("<4sBBHQQIIHbBBBH16s")
assert HEADER.size == 56

ACTIONS = ["XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"]
# Names of libecbpf's reason codes (ecbpf_reason_name); others print as reason_N.
REASONS = {
    0: "end_of_chain", 1: "not_ip", 2: "eth_truncated", 3: "vlan_truncated",
    4: "vlan_too_deep", 5: "ip4_truncated", 6: "ip4_bad_version", 7: "ip4_bad_ihl",
    8: "ip6_truncated", 9: "ip6_bad_version", 10: "ip6_ext_truncated",
    11: "ip6_ext_too_many", 12: "l4_truncated", 13: "internal_error", 14: "slot_pass",
    16: "filter_ip_options", 17: "filter_ip_length", 18: "filter_evil_bit",
    19: "filter_source_drop", 20: "filter_fragment_drop", 21: "filter_ptb_sent",
    32: "fw_rule", 40: "bypass_tx", 56: "test",
}
FLAG_MONITOR = 1
L4 = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmp6"}


class DecodeError(ValueError):
    pass


def decode(msg):
    """Decode one message into a dict; raises DecodeError."""
    if len(msg) < 6 or msg[:4] != MAGIC:
        raise DecodeError("not an ecbpf sample (bad magic)")
    if msg[4] != VERSION:
        raise DecodeError("layout version %d, this decoder reads %d" % (msg[4], VERSION))
    hdr_len = msg[5]
    if hdr_len < HEADER.size or len(msg) < hdr_len:
        raise DecodeError("short message")
    (_, _, _, _, ts, meta, ifindex, frame_len, cap_len, slot, action, reason, flags, _,
     ifname) = HEADER.unpack_from(msg)
    frame = msg[hdr_len:]
    if len(frame) != cap_len or cap_len > frame_len:
        raise DecodeError("frame length mismatch")
    return {
        "time_ns": ts,
        "time": datetime.fromtimestamp(ts // 10**9, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        + ".%09dZ" % (ts % 10**9),
        "interface": ifname.rstrip(b"\0").decode("ascii", "replace"),
        "ifindex": ifindex,
        "slot": "root" if slot < 0 else slot,
        "action": ACTIONS[action] if action < len(ACTIONS) else "XDP_INVALID_ACTION",
        "reason": REASONS.get(reason, "reason_%d" % reason),
        "reason_code": reason,
        "meta": meta,
        "monitor": bool(flags & FLAG_MONITOR),
        "frame_len": frame_len,
        "cap_len": cap_len,
        "frame": frame,
    }


def summary(frame):
    """'10.0.0.1 > 10.0.0.2 icmp' for IPv4/IPv6 frames (VLAN tags skipped)."""
    off, proto = 12, None
    while len(frame) >= off + 2:
        proto = struct.unpack_from("!H", frame, off)[0]
        if proto in (0x8100, 0x88A8):
            off += 4
            continue
        off += 2
        break
    if proto == 0x0800 and len(frame) >= off + 20:
        src, dst = ipaddress.IPv4Address(frame[off + 12:off + 16]), ipaddress.IPv4Address(frame[off + 16:off + 20])
        return "%s > %s %s" % (src, dst, L4.get(frame[off + 9], "proto-%d" % frame[off + 9]))
    if proto == 0x86DD and len(frame) >= off + 40:
        src, dst = ipaddress.IPv6Address(frame[off + 8:off + 24]), ipaddress.IPv6Address(frame[off + 24:off + 40])
        return "%s > %s %s" % (src, dst, L4.get(frame[off + 6], "next-%d" % frame[off + 6]))
    return "ethertype 0x%04x" % proto if proto is not None else "short frame"


def line(s, hexdump=False):
    text = "%s %s slot=%s action=%s reason=%s meta=%d len=%d cap=%d%s %s" % (
        s["time"], s["interface"], s["slot"], s["action"], s["reason"], s["meta"],
        s["frame_len"], s["cap_len"], " monitor=1" if s["monitor"] else "", summary(s["frame"]))
    if hexdump:
        text += "\n  " + s["frame"].hex()
    return text


def main():
    ap = argparse.ArgumentParser(description="Decode ecbpf samples from xdp_sampler --publish.")
    ap.add_argument("--connect", required=True, help="publisher endpoint, tcp://ADDR:PORT")
    ap.add_argument("--count", type=int, default=0, help="stop after N samples")
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    ap.add_argument("--hex", action="store_true", help="also print the frame bytes")
    args = ap.parse_args()

    import zmq  # python3-zmq; imported here so decode() works without it

    sock = zmq.Context.instance().socket(zmq.SUB)
    sock.setsockopt(zmq.SUBSCRIBE, MAGIC)
    sock.connect(args.connect)
    seen = 0
    try:
        while not args.count or seen < args.count:
            try:
                s = decode(sock.recv())
            except DecodeError as e:
                print("ecbpf_sample_decode: %s" % e, file=sys.stderr)
                continue
            if args.json:
                s = dict(s, frame=s["frame"].hex())
                print(json.dumps(s), flush=True)
            else:
                print(line(s, args.hex), flush=True)
            seen += 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
