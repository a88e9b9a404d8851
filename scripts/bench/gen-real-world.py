#!/usr/bin/env python3
"""gen-real-world.py DIR ZONES SEED -- the zones, server configurations and names of the realistic
benchmark world (scripts/bench/scan-real.sh): ZONES customer zones zNNNNN.real spread over
providers as a real inventory is (one provider with 40 % of the zones, two with 15 % each, a
long tail), 1 to 9 names a zone (5 on average), most zones healthy and a sprinkling of every
misbehaviour, each on providers of its own served by cannedns.

Writes DIR/zones/*.zone, DIR/nsd-{root,tld,prov}.conf, DIR/cannedns.conf, DIR/addrs.txt (every
address to put on lo), DIR/names.txt, DIR/kinds.tsv (zone, provider, kind) and
DIR/providers.tsv (provider, zones, addresses)."""
import os
import random
import sys

d, nzones, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
os.makedirs(f"{d}/zones", exist_ok=True)
ROOT, TLD = "127.1.0.1", "127.1.0.2"

# Providers: name, share of the zones, NS names, IPv6 too, kind (healthy or a misbehaviour).
# The misbehaving ones are small providers of the tail (0.3 % to 1 % of the zones each).
providers = [
    ("bigdns", 0.40, 4, True, "healthy"),
    ("hostco", 0.15, 3, True, "healthy"),
    ("cloudns", 0.15, 3, True, "healthy"),
]
bad = [
    ("notimp", 0.010, "notimp"),        # NOTIMP to CAA at every server
    ("nosoa", 0.005, "nosoa"),          # one server without SOA in negative answers
    ("lame", 0.005, "lame"),            # the second NS address has no server
    ("serial", 0.005, "serial"),        # the servers' serials differ (and www's CAA with them)
    ("flaky", 0.005, "flaky"),          # one server SERVFAILs every second CAA query
    ("split", 0.003, "split"),          # same serial; one server has no CAA at www (per name)
]
tail_share = 1.0 - sum(p[1] for p in providers) - sum(b[1] for b in bad)
ntail = 25
for i in range(ntail):
    providers.append((f"tail{i:02d}", tail_share / ntail, 2, i % 3 == 0, "healthy"))
for name, share, kind in bad:
    providers.append((name, share, 2, False, kind))

# Addresses: provider p's NS host k at 127.2.p.k+1 (and fd00::2:p:k+1); the lame provider's
# second host at 127.9.0.x, where nothing listens.
hosts = {}  # provider -> [(host, [addrs])]
for p, (name, share, nns, v6, kind) in enumerate(providers):
    hs = []
    for k in range(nns):
        a = [f"127.2.{p}.{k + 1}"]
        if v6:
            a.append(f"fd00::2:{p}:{k + 1}")
        if kind == "lame" and k == 1:
            a = [f"127.9.0.{p}"]
        hs.append((f"ns{k + 1}.{name}.real", a))
    hosts[name] = hs

# Zones to providers by share (the remainder to the largest).
counts = [int(nzones * p[1]) for p in providers]
counts[0] += nzones - sum(counts)
zone_prov = []
for p, c in enumerate(counts):
    zone_prov += [p] * c
rng.shuffle(zone_prov)

SOA = "@ SOA ns1.{prov}.real. hostmaster.{prov}.real. {serial} 3600 900 604800 60\n"
names_out = open(f"{d}/names.txt", "w")
kinds = open(f"{d}/kinds.tsv", "w")
tld = open(f"{d}/zones/real.zone", "w")
tld.write("$ORIGIN real.\n$TTL 300\n@ SOA ns.nic.real. hostmaster.nic.real. 1 3600 900 604800 60\n"
          f"@ NS ns.nic.real.\nns.nic.real. A {TLD}\n")
for name, hs in hosts.items():
    for h, addrs in hs:
        for a in addrs:
            tld.write(f"{h}. {'AAAA' if ':' in a else 'A'} {a}\n")
nsd_zones, canned = [], []
os.makedirs(f"{d}/zones/c", exist_ok=True)
os.makedirs(f"{d}/zones/c2", exist_ok=True)
nnames = 0
for z, p in enumerate(zone_prov):
    pname, _, _, _, kind = providers[p]
    zone = f"z{z + 1:05d}.real"
    k = 1 + rng.randrange(9)
    labels = ["@", "www", "mail"][:k] + [f"h{i}" for i in range(max(0, k - 3))]
    caa = rng.random()
    body = "".join(f"@ NS {h}.\n" for h, _ in hosts[pname])
    for lb in labels:
        body += f"{lb} A 192.0.2.{rng.randrange(1, 250)}\n"
    if caa < 0.20:
        body += '@ CAA 0 issue "letsencrypt.org"\n'
    elif caa < 0.22:
        body += '@ CAA 0 issue "other-ca.test"\n'
    www_caa = '' if kind != "split" else 'www CAA 0 issue "letsencrypt.org"\n'
    text = f"$ORIGIN {zone}.\n$TTL 300\n" + SOA.format(prov=pname, serial=1) + body
    for h, _ in hosts[pname]:
        tld.write(f"{zone}. NS {h}.\n")
    kinds.write(f"{zone}\t{pname}\t{kind}\n")
    for lb in labels:
        names_out.write(f"{zone}\n" if lb == "@" else f"{lb}.{zone}\n")
        nnames += 1
    if kind == "healthy":
        open(f"{d}/zones/{zone}.zone", "w").write(text)
        nsd_zones.append(zone)
        continue
    # cannedns: the first server's file, and the second's (another serial, or without www CAA).
    f1 = f"c/{zone}.zone"
    open(f"{d}/zones/{f1}", "w").write(text + www_caa)
    f2 = f1
    if kind == "serial":
        f2 = f"c2/{zone}.zone"
        open(f"{d}/zones/{f2}", "w").write(
            f"$ORIGIN {zone}.\n$TTL 300\n" + SOA.format(prov=pname, serial=2) + body +
            'www CAA 0 issue "other-ca.test"\n')
    elif kind == "split":
        f2 = f"c2/{zone}.zone"
        open(f"{d}/zones/{f2}", "w").write(text)
    beh1 = {"notimp": "notimp-caa", "nosoa": "", "lame": "", "serial": "", "flaky": "",
            "split": ""}[kind]
    beh2 = {"notimp": "notimp-caa", "nosoa": "nosoa-negative", "lame": None, "serial": "",
            "flaky": "servfail-caa=1/2", "split": ""}[kind]
    (h1, a1), (h2, a2) = hosts[pname]
    canned.append(f"{a1[0]} zones/{f1} {beh1}")
    if beh2 is not None:
        canned.append(f"{a2[0]} zones/{f2} {beh2}")
names_out.close()
kinds.close()
tld.close()
open(f"{d}/zones/root.zone", "w").write(
    f"$ORIGIN .\n$TTL 300\n. SOA a.root. hostmaster.root. 1 3600 900 604800 60\n"
    f". NS a.root.\na.root. A {ROOT}\nreal. NS ns.nic.real.\nns.nic.real. A {TLD}\n")
open(f"{d}/root.hints", "w").write(f". 3600000 NS a.root.\na.root. 3600000 A {ROOT}\n")
open(f"{d}/cannedns.conf", "w").write("\n".join(canned) + "\n")


def nsd_conf(name, addrs, zones):
    c = "server:\n" + "".join(f"    ip-address: {a}\n" for a in addrs)
    c += (f"    port: 53\n    username: \"\"\n    chroot: \"\"\n    database: \"\"\n"
          f"    zonesdir: \"{d}/zones\"\n    zonelistfile: \"{d}/nsd-{name}.zonelist\"\n"
          f"    xfrdfile: \"{d}/nsd-{name}.xfrd\"\n    xfrdir: \"{d}\"\n"
          f"    pidfile: \"{d}/nsd-{name}.pid\"\n    logfile: \"{d}/nsd-{name}.log\"\n"
          "    rrl-ratelimit: 0\n    server-count: 1\n    tcp-count: 512\n    verbosity: 0\n"
          "    zonefiles-check: no\nremote-control:\n    control-enable: no\n")
    for z in zones:
        c += f"zone:\n    name: \"{z}\"\n    zonefile: \"{'root' if z == '.' else z}.zone\"\n"
    open(f"{d}/nsd-{name}.conf", "w").write(c)


nsd_conf("root", [ROOT], ["."])
nsd_conf("tld", [TLD], ["real"])
prov_addrs = [a for name, _, _, _, kind in providers if kind == "healthy"
              for _, addrs in hosts[name] for a in addrs]
nsd_conf("prov", prov_addrs, nsd_zones)
with open(f"{d}/addrs.txt", "w") as f:
    every = [ROOT, TLD, "127.1.1.1", "127.1.1.2"] + [a for hs in hosts.values() for _, addrs in hs
                                                     for a in addrs if not a.startswith("127.9.")]
    f.write("\n".join(every) + "\n")
with open(f"{d}/providers.tsv", "w") as f:
    for p, (name, share, nns, v6, kind) in enumerate(providers):
        n = sum(len(a) for _, a in hosts[name])
        f.write(f"{name}\t{counts[p]}\t{n}\t{kind}\n")
print(f"world: {nzones} zones, {nnames} names, {len(providers)} providers "
      f"({', '.join(f'{providers[i][0]} {counts[i]}' for i in range(3))} zones; "
      f"{sum(1 for p in providers if p[4] != 'healthy')} misbehaving), "
      f"{len(prov_addrs)} NSD provider addresses, {len(canned)} cannedns zone lines")
