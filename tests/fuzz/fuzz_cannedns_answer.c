/*
 * fuzz_cannedns_answer.c -- libFuzzer harness for the answer logic of cannedns, the test world's
 * canned-answer server (tests/world/canned_answer.c): any packet, on any misbehaving address, over
 * UDP or TCP, must give a reply or silence, never a crash or a leak.
 *
 * Input: byte 0 picks the address (its behaviours) and the transport, the rest is the query.
 * canned_answer.c is compiled into this harness directly: it is a test tool, not part of
 * caascan_core.
 */
#include "../world/canned_answer.c"

#include <stdlib.h>
#include <unistd.h>

static struct canned_config *fuzz_cfg;

static const char zone_text[] = "$ORIGIN fz.test.\n"
                                "$TTL 300\n"
                                "@ SOA ns1.fz.test. host.fz.test. 1 3600 900 604800 60\n"
                                "@ NS ns1.fz.test.\n"
                                "@ CAA 0 issue \"letsencrypt.org\"\n"
                                "ns1 A 127.0.0.1\n"
                                "www CNAME a.b\n"
                                "a.b A 192.0.2.1\n"
                                "loop CNAME loop\n"
                                "out CNAME elsewhere.example.\n";

static const char *behaviours[] = {
    "",
    "notimp-caa",
    "refused-caa",
    "servfail-caa=1/2",
    "silent-caa",
    "nosoa-negative",
    "empty-caa",
    "lowercase-echo",
    "case-nxdomain",
    "tc-udp no-tcp",
    "formerr-edns",
    "no-aa from=127.0.0.1",
    "silent-edns",
    "delay=5 lowercase-echo",
};
#define BEHAVIOUR_COUNT (sizeof(behaviours) / sizeof(behaviours[0]))

static void fuzz_setup(void)
{
    char dir[] = "/tmp/fuzz-cannedns.XXXXXX";
    if (!mkdtemp(dir))
        abort();
    char zpath[256], cpath[256];
    snprintf(zpath, sizeof(zpath), "%s/fz.zone", dir);
    snprintf(cpath, sizeof(cpath), "%s/canned.conf", dir);
    FILE *z = fopen(zpath, "w");
    FILE *c = fopen(cpath, "w");
    if (!z || !c)
        abort();
    fputs(zone_text, z);
    for (size_t i = 0; i < BEHAVIOUR_COUNT; i++)
        fprintf(c, "127.0.30.%zu fz.zone %s\n", i + 1, behaviours[i]);
    fclose(z);
    fclose(c);
    char err[512];
    fuzz_cfg = canned_config_load(cpath, err, sizeof(err));
    unlink(zpath);
    unlink(cpath);
    rmdir(dir);
    if (!fuzz_cfg) {
        fprintf(stderr, "fuzz_cannedns_answer: %s\n", err);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_cfg)
        fuzz_setup();
    if (size < 1)
        return 0;
    struct canned_site *site = &fuzz_cfg->sites[(data[0] & 0x7f) % fuzz_cfg->site_count];
    bool tcp = (data[0] & 0x80) != 0;
    uint8_t *reply = NULL;
    size_t reply_len = 0;
    if (canned_answer(site, "127.0.0.1", data + 1, size - 1, tcp, &reply, &reply_len)) {
        if (!reply || reply_len < 12 || (!tcp && reply_len > 4096))
            abort();
    }
    free(reply);
    return 0;
}
