#!/usr/bin/env python3
"""gen-inventory.py -- writes a synthetic inventory of N names for the input benchmark.

Usage: gen-inventory.py crtsh-json|csv N OUT
crtsh-json: a crt.sh JSON export (one line, like crt.sh sends it) of N/4 certificates with four
SANs each (a wildcard among them, one name in ten repeated from an earlier certificate).
csv: a customer CSV (customer_id,domain,plan) with N rows, one in ten a duplicate, one in a
hundred invalid. Deterministic: the same N gives the same file.
"""
import json
import sys


def name(i):
    return "shop%d.customer%d.example" % (i, i % 9973)


def crtsh_json(n, out):
    out.write("[")
    written = 0
    cert = 0
    while written < n:
        base = written
        names = [name(base), "*.%s" % name(base), "www.%s" % name(base)]
        names.append(name(base // 2) if cert % 10 == 0 else "mail.%s" % name(base))
        obj = {
            "issuer_ca_id": 295815,
            "issuer_name": "C=US, O=Let's Encrypt, CN=R%d" % (10 + cert % 4),
            "common_name": names[0],
            "name_value": "\n".join(names),
            "id": 10000000000 + cert,
            "entry_timestamp": "2024-10-23T09:12:45.123",
            "not_before": "2024-10-23T08:14:15",
            "not_after": "2025-01-21T08:14:14",
            "serial_number": "%036x" % (cert * 7919),
            "result_count": 4,
        }
        out.write(("," if cert else "") + json.dumps(obj, separators=(",", ":")))
        written += len(names)
        cert += 1
    out.write("]\n")


def csv(n, out):
    out.write("customer_id,domain,plan\n")
    plans = ("basic", "business", "shop")
    for i in range(n):
        if i % 100 == 99:
            d = "shop%d..example" % i
        elif i % 10 == 9:
            d = name(i // 2).upper()
        else:
            d = name(i)
        out.write("C-%07d,%s,%s\n" % (i // 3, d, plans[i % 3]))


def main():
    kind, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(path, "w") as out:
        {"crtsh-json": crtsh_json, "csv": csv}[kind](n, out)


if __name__ == "__main__":
    main()
