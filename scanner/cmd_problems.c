/*
 * cmd_problems.c -- caascan problems: the problem codes, what each means, who must act and the
 * sentence the fix column sends them, printed from the one table of the library (problem.h).
 * --markdown prints docs/problems.md and --man the man page's table, so that both are generated
 * from the table and a test can tell when they differ from it.
 */
#include "commands.h"

#include "caascan/problem.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: caascan problems [--markdown | --man] [--ca DOMAIN]\n"
    "\n"
    "Lists every problem code: what it means, who must act, and the fix sentence a result row\n"
    "carries for it (the template, with {placeholders} filled from the finding).\n"
    "\n"
    "      --markdown   print the page docs/problems.md is\n"
    "      --man        print the problem-code table of the man page (roff)\n"
    "      --ca DOMAIN  name this CA in the example sentences (default letsencrypt.org)\n"
    "  -h, --help       this text\n";

/* An example finding for code c: the facts a scan of shop.example.com could have found. */
static void example(cs_problem c, struct cs_finding *f)
{
    memset(f, 0, sizeof(*f));
    f->code = c;
    snprintf(f->server, sizeof(f->server), "ns1.example.net");
    snprintf(f->address, sizeof(f->address), "192.0.2.53");
    snprintf(f->name, sizeof(f->name), "shop.example.com");
    snprintf(f->zone, sizeof(f->zone), "example.com");
    snprintf(f->qtype, sizeof(f->qtype), "CAA");
    const char *answer = "";
    switch (c) {
    case CS_PB_CAA_NOT_AUTHORIZED:
        answer = "0 issue \"other-ca.example\"";
        break;
    case CS_PB_CAA_EMPTY_ISSUER:
        answer = "0 issue \";\"";
        break;
    case CS_PB_CAA_CRITICAL_UNKNOWN:
        answer = "0 issue \"letsencrypt.org\", 128 tbs \"x\"";
        break;
    case CS_PB_CAA_PARAM_MISMATCH:
        answer = "0 issue \"letsencrypt.org; accounturi=https://acme.example/acct/1\"";
        break;
    case CS_PB_CAA_MALFORMED:
        answer = "0 issue \"letsencrypt.org; =x\"";
        break;
    case CS_PB_CAA_ISSUER_NONCANONICAL:
        answer = "0 issue \"LetsEncrypt.org.\"";
        break;
    case CS_PB_RESOLVER_SERVFAIL:
    case CS_PB_RESOLVER_TIMEOUT:
    case CS_PB_DNSSEC_BOGUS:
    case CS_PB_INTERMITTENT:
        /* Through resolvers: no single server, the zone's servers instead. */
        snprintf(f->server, sizeof(f->server),
                 "ns1.example.net/192.0.2.53, ns2.example.net/198.51.100.53");
        f->address[0] = '\0';
        answer = c == CS_PB_RESOLVER_SERVFAIL  ? "SERVFAIL (or another error) to 3 of 3 tries"
                 : c == CS_PB_RESOLVER_TIMEOUT ? "no answer to 3 of 3 tries"
                 : c == CS_PB_DNSSEC_BOGUS
                     ? "EDE 7 Signature Expired"
                     : "a failure to 1 of 3 tries through recursive resolvers";
        break;
    case CS_PB_AUTH_NOTIMP:
        answer = "NOTIMP";
        break;
    case CS_PB_AUTH_REFUSED:
        answer = "REFUSED";
        break;
    case CS_PB_AUTH_SERVFAIL:
        answer = "SERVFAIL";
        break;
    case CS_PB_AUTH_FORMERR:
        answer = "FORMERR";
        break;
    case CS_PB_AUTH_TIMEOUT:
        answer = "no reply";
        break;
    case CS_PB_AUTH_NOT_AUTHORITATIVE:
        answer = "without the AA bit";
        break;
    case CS_PB_MISSING_SOA_NEGATIVE:
        answer = "a negative answer without the SOA record";
        break;
    case CS_PB_EMPTY_NOERROR:
        answer = "a completely empty NOERROR (no record, no OPT record)";
        break;
    case CS_PB_CASE_NOT_PRESERVED:
        answer = "the question name in another case";
        break;
    case CS_PB_CASE_SENSITIVE_ANSWER:
        answer = "differently when the name has upper-case letters";
        break;
    case CS_PB_AUTH_INCONSISTENT_CAA:
        answer = "CAA 0 issue \"other-ca.example\"";
        break;
    case CS_PB_SOA_SERIAL_MISMATCH:
        answer = "serial 2026010101";
        snprintf(f->name, sizeof(f->name), "example.com");
        snprintf(f->qtype, sizeof(f->qtype), "SOA");
        break;
    case CS_PB_NS_SET_MISMATCH:
        answer = "NS ns1.example.net, ns3.example.org";
        snprintf(f->name, sizeof(f->name), "example.com");
        snprintf(f->qtype, sizeof(f->qtype), "SOA");
        break;
    case CS_PB_EDNS_BROKEN:
        answer = "FORMERR";
        break;
    case CS_PB_TCP_BROKEN:
        answer = "no answer over TCP";
        break;
    case CS_PB_TLD_NXDOMAIN:
        snprintf(f->name, sizeof(f->name), "shop.example.con");
        snprintf(f->zone, sizeof(f->zone), "con");
        f->server[0] = f->address[0] = '\0';
        answer = "NXDOMAIN";
        break;
    case CS_PB_INVALID_NAME:
        snprintf(f->name, sizeof(f->name), "shop..example.com");
        f->server[0] = f->address[0] = f->zone[0] = '\0';
        answer = "empty_label (customers.csv:12)";
        break;
    case CS_PB_NS_NO_ADDRESS:
        snprintf(f->server, sizeof(f->server), "ns9.example.net");
        f->address[0] = '\0';
        answer = "no A or AAAA record";
        break;
    case CS_PB_AUTH_MALFORMED:
        answer = "replies that do not parse";
        break;
    default:
        break;
    }
    snprintf(f->answer, sizeof(f->answer), "%s", answer);
}

static void print_markdown(const char *ca)
{
    printf(
        "# Problem codes, who must act, and the fix\n"
        "\n"
        "<!-- Generated by `caascan problems --markdown` from the table in src/problem.c; a test\n"
        "     fails when this page differs from what the table generates. -->\n"
        "\n"
        "Every result row lists its findings as problem codes in `problems` and, in `fix`, one\n"
        "sentence per finding that says what to do and whom to ask. `caascan check` shows the\n"
        "same sentences, `caascan check --json` gives them as `fixes` with their facts, and\n"
        "`caascan report --by party` groups the names by who must act.\n"
        "\n"
        "## The fix column\n"
        "\n"
        "- One sentence per finding; a finding of one server names that server and its\n"
        "  address, so a zone with two bad servers gets two sentences. Findings that come from\n"
        "  the recursive lookups (no single server to blame) name the zone's DNS provider with\n"
        "  all of the zone's servers (`name/address`, joined by `, `).\n"
        "- Several sentences in one cell are joined by `; `. A sentence has no `;` outside\n"
        "  double quotes (a quoted CAA value such as `0 issue \";\"` may hold one), so splitting\n"
        "  on `;` outside quotes (as `export --format jsonl` does for list cells) gives the\n"
        "  sentences back.\n"
        "- The CA is named as people know it (`Let's Encrypt` for `letsencrypt.org`, `Google\n"
        "  Trust Services` for `pki.goog`, ...); a CA caascan does not know is named by its\n"
        "  issuer domain (`--ca`).\n"
        "- A row without a finding has an empty `fix`. An INVALID row has one sentence for the\n"
        "  scanner's operator.\n"
        "- Runs written before the column existed have no `fix`; they still export, diff and\n"
        "  report (a missing column reads as empty).\n"
        "\n"
        "## Who must act\n"
        "\n"
        "| party | who |\n"
        "|---|---|\n");
    for (int p = 0; p < CS_PARTY_COUNT; p++)
        printf("| `%s` | %s |\n", cs_party_name((cs_party)p), cs_party_title((cs_party)p));
    printf(
        "\n"
        "## The sentence templates\n"
        "\n"
        "A template's placeholders are filled from the finding: `{operator}` is \"the operator\n"
        "of NS (ADDRESS)\" for one server, else \"the DNS provider of ZONE (SERVERS)\";\n"
        "`{server}`, `{address}`, `{name}` (the record or level name), `{zone}`, `{answer}` (what\n"
        "was answered), `{qtype}` (CAA or SOA), `{ca}` (the CA's display name), `{ca_domain}`\n"
        "(its issuer domain) and `{tag}` (`issuewild` for a wildcard name, else `issue`).\n"
        "\n"
        "| code | who must act | meaning |\n"
        "|---|---|---|\n");
    for (int c = 0; c < CS_PB_COUNT; c++) {
        const struct cs_problem_info *pi = cs_problem_info((cs_problem)c);
        printf("| `%s` | %s | %s |\n", cs_problem_name((cs_problem)c), cs_party_name(pi->party),
               pi->meaning);
    }
    printf("\n");
    for (int c = 0; c < CS_PB_COUNT; c++) {
        const struct cs_problem_info *pi = cs_problem_info((cs_problem)c);
        struct cs_finding f;
        char text[2048];
        example((cs_problem)c, &f);
        cs_fix_format(&f, ca, text, sizeof(text));
        printf("### %s\n\n%s Who must act: %s.\n\nTemplate: %s\n\nExample: %s\n\n",
               cs_problem_name((cs_problem)c), pi->meaning, cs_party_title(pi->party), pi->fix,
               text);
    }
}

/* Writes s for roff: backslashes and leading dots escaped, '-' as \-. */
static void roff(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '\\')
            fputs("\\e", stdout);
        else if (*p == '-')
            fputs("\\-", stdout);
        else if (*p == '.' && p == s)
            fputs("\\&.", stdout);
        else
            putchar(*p);
    }
}

static void print_man(void)
{
    printf(".\\\" Generated by caascan problems --man from src/problem.c.\n");
    for (int c = 0; c < CS_PB_COUNT; c++) {
        const struct cs_problem_info *pi = cs_problem_info((cs_problem)c);
        printf(".TP\n.B %s\n", cs_problem_name((cs_problem)c));
        roff(pi->meaning);
        printf(" Who must act: ");
        roff(cs_party_name(pi->party));
        printf(".\n");
    }
}

static void print_text(const char *ca)
{
    for (int c = 0; c < CS_PB_COUNT; c++) {
        const struct cs_problem_info *pi = cs_problem_info((cs_problem)c);
        struct cs_finding f;
        char text[2048];
        example((cs_problem)c, &f);
        cs_fix_format(&f, ca, text, sizeof(text));
        printf("%s (%s)\n  %s\n  e.g. %s\n\n", cs_problem_name((cs_problem)c),
               cs_party_name(pi->party), pi->meaning, text);
    }
}

int cmd_problems(int argc, char **argv)
{
    enum { O_MARKDOWN = 256, O_MAN, O_CA };
    static const struct option longopts[] = {
        {"markdown", no_argument, 0, O_MARKDOWN},
        {"man", no_argument, 0, O_MAN},
        {"ca", required_argument, 0, O_CA},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int mode = 0;
    const char *ca = "letsencrypt.org";
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case O_MARKDOWN:
        case O_MAN:
            mode = c;
            break;
        case O_CA:
            ca = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return CS_EXIT_OK;
        case ':':
            fprintf(stderr, "caascan: problems: %s needs a value\n", argv[optind - 1]);
            return CS_EXIT_USAGE;
        default:
            fprintf(stderr, "caascan: problems: unknown option '%s'\n", argv[optind - 1]);
            return CS_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "caascan: problems: unexpected argument '%s'\n", argv[optind]);
        return CS_EXIT_USAGE;
    }
    if (mode == O_MARKDOWN)
        print_markdown(ca);
    else if (mode == O_MAN)
        print_man();
    else
        print_text(ca);
    return fflush(stdout) == 0 && !ferror(stdout) ? CS_EXIT_OK : CS_EXIT_RUNTIME;
}
