#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
"""Write the xdp_fw --test fixtures: captures (pcap and pcapng) and rule files
whose test lines carry the SHA-1 and the expected verdict of each frame.

The outputs are committed; run this again (Debian's /usr/bin/python3 with
scapy) only to change them:  ./make_fixtures.py [DIR]
"""
import hashlib
import os
import sys

from scapy.all import (ARP, Dot1Q, Ether, ICMP, IP, IPv6, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, ICMPv6EchoRequest, ICMPv6EchoReply, Raw, TCP,
                       UDP, wrpcap)
from scapy.utils import PcapNgWriter

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
MAC = dict(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")

RULES = """\
# xdp_fw --test fixture: one rule per behaviour the frames below exercise
ip from { 10.0.0.0/8 } to any udp dport { 53 } name "dns from 10/8"
ip from any to any udp dport { 9999 } name "udp 9999 from anywhere"
ip6 from { 2001:db8::/32 } to any tcp dport { 22 } flags { syn } mask { syn, ack } name "ssh syn v6"
ip from any to { 192.0.2.0/24 } icmp type 8 name "ping to test-net"
ip6 from any to any icmp6 type 128 code 0 name "ping6"
ip from any to any tcp flags { } mask { cwr, ece, urg, ack, psh, rst, syn, fin } name "null scan"
ip from any to any udp sport 0 name "port zero"
packet length 1000 ip from any to any udp name "length 1000"
ip from any to any ttl 1 tcp name "ttl 1"
ip6 from any to { 2001:db8:1::/48 } udp sport { 1000-2000 } name "v6 udp range"
"""


def eth(**kw):
    return Ether(**MAC, **kw)


def udp4(src, dport, sport=1234, **ip):
    return eth() / IP(src=src, dst="198.51.100.1", **ip) / UDP(sport=sport, dport=dport) / Raw(b"x" * 8)


FRAMES = [
    # (description, frame bytes, expected verdict)
    ("udp 10/8 -> 53", udp4("10.1.2.3", 53), "XDP_DROP"),
    ("udp 11/8 -> 53", udp4("11.0.0.1", 53), "XDP_PASS"),
    ("udp 10/8 -> 9999: wildcard rule after a specific one", udp4("10.1.2.3", 9999), "XDP_DROP"),
    ("vlan udp 10/8 -> 53", eth() / Dot1Q(vlan=100) / IP(src="10.9.9.9", dst="198.51.100.1") /
     UDP(sport=5, dport=53), "XDP_DROP"),
    ("qinq udp -> 9999", eth(type=0x88a8) / Dot1Q(vlan=10) / Dot1Q(vlan=20) /
     IP(src="203.0.113.9", dst="198.51.100.1") / UDP(sport=5, dport=9999), "XDP_DROP"),
    ("vlan udp -> 80", eth() / Dot1Q(vlan=100) / IP(src="10.9.9.9", dst="198.51.100.1") /
     UDP(sport=5, dport=80), "XDP_PASS"),
    ("v6 tcp syn 2001:db8:: -> 22", eth() / IPv6(src="2001:db8::1", dst="2001:db8:ffff::1") /
     TCP(sport=40000, dport=22, flags="S"), "XDP_DROP"),
    ("v6 tcp syn+ack -> 22", eth() / IPv6(src="2001:db8::1", dst="2001:db8:ffff::1") /
     TCP(sport=40000, dport=22, flags="SA"), "XDP_PASS"),
    ("v6 hop-by-hop + tcp syn -> 22", eth() / IPv6(src="2001:db8::7", dst="2001:db8:ffff::1") /
     IPv6ExtHdrHopByHop() / TCP(sport=40000, dport=22, flags="S"), "XDP_DROP"),
    ("v6 tcp syn from outside 2001:db8::/32", eth() / IPv6(src="2001:db9::1", dst="2001:db8::2") /
     TCP(sport=40000, dport=22, flags="S"), "XDP_PASS"),
    ("icmp echo to 192.0.2.5", eth() / IP(src="198.51.100.7", dst="192.0.2.5") / ICMP(type=8),
     "XDP_DROP"),
    ("icmp echo reply to 192.0.2.5", eth() / IP(src="198.51.100.7", dst="192.0.2.5") / ICMP(type=0),
     "XDP_PASS"),
    ("icmp6 echo request", eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6EchoRequest(),
     "XDP_DROP"),
    ("icmp6 echo reply", eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6EchoReply(),
     "XDP_PASS"),
    ("tcp with no flags", eth() / IP(src="198.51.100.7", dst="198.51.100.1") /
     TCP(sport=1, dport=2, flags=0), "XDP_DROP"),
    ("tcp ack", eth() / IP(src="198.51.100.7", dst="198.51.100.1") / TCP(sport=1, dport=2, flags="A"),
     "XDP_PASS"),
    ("udp source port 0", udp4("198.51.100.7", 7, sport=0), "XDP_DROP"),
    ("udp frame of 1000 bytes", eth() / IP(src="198.51.100.7", dst="198.51.100.1") /
     UDP(sport=9, dport=7) / Raw(b"y" * (1000 - 14 - 20 - 8)), "XDP_DROP"),
    ("udp frame of 999 bytes", eth() / IP(src="198.51.100.7", dst="198.51.100.1") /
     UDP(sport=9, dport=7) / Raw(b"y" * (999 - 14 - 20 - 8)), "XDP_PASS"),
    ("tcp ttl 1", eth() / IP(src="198.51.100.7", dst="198.51.100.1", ttl=1) /
     TCP(sport=1, dport=2, flags="A"), "XDP_DROP"),
    ("v6 udp sport 1500 to 2001:db8:1::/48", eth() / IPv6(src="fd00::1", dst="2001:db8:1:5::1") /
     UDP(sport=1500, dport=7), "XDP_DROP"),
    ("v6 udp sport 2001 to 2001:db8:1::/48", eth() / IPv6(src="fd00::1", dst="2001:db8:1:5::1") /
     UDP(sport=2001, dport=7), "XDP_PASS"),
    # What the firewall does not judge goes on; the root aborts what is cut short.
    ("first fragment udp 10/8 -> 53", eth() / IP(src="10.1.2.3", dst="198.51.100.1", flags="MF") /
     UDP(sport=5, dport=53) / Raw(b"z" * 16), "XDP_PASS"),
    ("later fragment", eth() / IP(src="10.1.2.3", dst="198.51.100.1", proto=17, frag=3) /
     Raw(b"z" * 16), "XDP_PASS"),
    ("v6 fragment udp -> 9999", eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") /
     IPv6ExtHdrFragment(m=1) / UDP(sport=5, dport=9999), "XDP_PASS"),
    ("gre (unknown L4)", eth() / IP(src="10.1.2.3", dst="198.51.100.1", proto=47) / Raw(b"\0" * 8),
     "XDP_PASS"),
    ("arp", eth(type=0x0806) / ARP(), "XDP_PASS"),
    ("udp header cut short", bytes(eth() / IP(src="10.1.2.3", dst="198.51.100.1", proto=17, len=24) /
                                   Raw(b"\0\x35\0\x35")), "XDP_ABORTED"),
    ("tcp header cut short", bytes(eth() / IP(src="10.1.2.3", dst="198.51.100.1", proto=6, len=30) /
                                   Raw(b"\0" * 10)), "XDP_ABORTED"),
    ("frame shorter than ethernet", b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02", "XDP_ABORTED"),
]


def main():
    frames = [(d, bytes(f), v) for d, f, v in FRAMES]
    seen = set()
    lines = [RULES, "\n# expectations: SHA-1 of each frame's captured bytes\n"]
    for desc, data, verdict in frames:
        digest = hashlib.sha1(data).hexdigest()
        if digest in seen:
            raise SystemExit("duplicate frame: " + desc)
        seen.add(digest)
        lines.append("# %s\ntest sha1 %s xdp_action %s\n" % (desc, digest, verdict))
    with open(os.path.join(OUT, "fw_fixture.rules"), "w") as f:
        f.write("".join(lines))
    wrpcap(os.path.join(OUT, "fw_fixture.pcap"), [Ether(d) if len(d) >= 14 else Raw(d)
                                                 for _, d, _ in frames], linktype=1)
    with PcapNgWriter(os.path.join(OUT, "fw_fixture.pcapng")) as w:
        for _, data, _ in frames:
            w.write(Raw(data))
    # A rules file whose expectation is wrong: --test must fail on it.
    digest = hashlib.sha1(frames[0][1]).hexdigest()
    with open(os.path.join(OUT, "fw_fixture_wrong.rules"), "w") as f:
        f.write(RULES + "test sha1 %s xdp_action XDP_PASS\n" % digest)


if __name__ == "__main__":
    main()
