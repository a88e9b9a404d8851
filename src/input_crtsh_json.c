/*
 * input_crtsh_json.c -- the crt.sh JSON reader (https://crt.sh/?q=...&output=json).
 *
 * A crt.sh export is one JSON array of certificate objects, often on a single line, and can be
 * hundreds of megabytes. It is streamed: this file splits the top-level array into its elements
 * itself (tracking braces, brackets and strings with their escapes) and hands one element at a
 * time to jansson's json_loadb(), so memory is bounded by the largest object. (jansson's own
 * stream reading buffers ahead and cannot stop exactly at an element's end.) Every line of an
 * object's "name_value" is one record; "id", "common_name", "issuer_name" and "not_after" are
 * carried along. A missing "id" or "name_value", an element that is not an object, malformed
 * JSON and an array that never closes (a file cut short) are errors naming the line.
 */
#include "input_impl.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct json_state {
    char *elem;
    size_t len, cap;
    json_t *obj;
    const char *names; /* name_value of obj */
    size_t names_len, cursor;
    bool any_name; /* obj gave at least one record */
    unsigned long obj_line;
    bool expect_comma, done;
    char *name; /* the current name, NUL-terminated */
    size_t name_cap;
};

static void skip_space(struct cs_input *in)
{
    for (;;) {
        int c = input_peekc(in);
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return;
        input_getc(in);
    }
}

static cs_err push(struct json_state *st, int c)
{
    if (st->len + 1 >= st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 4096;
        char *e = realloc(st->elem, cap);
        if (!e)
            return CS_ENOMEM;
        st->elem = e;
        st->cap = cap;
    }
    st->elem[st->len++] = (char)c;
    return CS_OK;
}

/* Copies one object, from its '{' (already read) to the matching '}'. */
static cs_err read_object(struct cs_input *in, struct json_state *st)
{
    unsigned depth = 1;
    bool in_string = false, escape = false;
    st->len = 0;
    if (push(st, '{') != CS_OK)
        return CS_ENOMEM;
    while (depth > 0) {
        int c = input_getc(in);
        if (c < 0) {
            cs_err err = input_read_status(in);
            if (err != CS_OK)
                return err;
            return input_fail(in, CS_EPARSE, st->obj_line,
                              "JSON ends inside this object (file cut short?)");
        }
        if (st->len >= CS_INPUT_RECORD_MAX)
            return input_fail(in, CS_ETOOLONG, st->obj_line, "JSON object longer than %d bytes",
                              CS_INPUT_RECORD_MAX);
        if (push(st, c) != CS_OK)
            return CS_ENOMEM;
        if (in_string) {
            if (escape)
                escape = false;
            else if (c == '\\')
                escape = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    if (st->elem[st->len - 1] != '}')
        return input_fail(in, CS_EPARSE, st->obj_line, "malformed JSON: '{' closed by ']'");
    return CS_OK;
}

static const char *string_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    return s && *s ? s : NULL;
}

/* Parses the copied object and makes it the current one. */
static cs_err load_object(struct cs_input *in, struct json_state *st)
{
    json_error_t jerr;
    json_t *obj = json_loadb(st->elem, st->len, JSON_ALLOW_NUL, &jerr);
    if (!obj)
        return input_fail(in, CS_EPARSE,
                          st->obj_line + (unsigned long)(jerr.line > 1 ? jerr.line - 1 : 0),
                          "malformed JSON: %s", jerr.text);
    json_t *id = json_object_get(obj, "id");
    json_t *nv = json_object_get(obj, "name_value");
    cs_err err = CS_OK;
    if (!json_is_integer(id) || json_integer_value(id) <= 0)
        err = input_fail(in, CS_EPARSE, st->obj_line,
                         "crt.sh object without a positive integer \"id\"");
    else if (!json_is_string(nv))
        err = input_fail(in, CS_EPARSE, st->obj_line,
                         "crt.sh object without a \"name_value\" string");
    if (err != CS_OK) {
        json_decref(obj);
        return err;
    }
    st->obj = obj;
    st->names = json_string_value(nv);
    st->names_len = json_string_length(nv);
    st->cursor = 0;
    st->any_name = false;
    return CS_OK;
}

/* Finds the next element; *end is set when the array closes. */
static cs_err next_object(struct cs_input *in, struct json_state *st, bool *end)
{
    *end = false;
    skip_space(in);
    int c = input_getc(in);
    if (c >= 0 && st->expect_comma) {
        if (c == ']') {
            *end = true;
        } else if (c != ',') {
            return input_fail(in, CS_EPARSE, in->line,
                              "malformed JSON: expected ',' or ']' between array elements");
        } else {
            skip_space(in);
            c = input_getc(in);
            if (c == ']')
                return input_fail(in, CS_EPARSE, in->line, "malformed JSON: ',' before ']'");
        }
    } else if (c == ']') {
        *end = true;
    }
    if (*end) {
        skip_space(in);
        if (input_peekc(in) >= 0)
            return input_fail(in, CS_EPARSE, in->line, "text after the end of the JSON array");
        return input_read_status(in);
    }
    if (c < 0) {
        cs_err err = input_read_status(in);
        if (err != CS_OK)
            return err;
        return input_fail(in, CS_EPARSE, in->line, "JSON ends inside the array (file cut short?)");
    }
    if (c != '{')
        return input_fail(in, CS_EPARSE, in->line, "a crt.sh JSON array element must be an object");
    st->obj_line = in->line;
    cs_err err = read_object(in, st);
    if (err != CS_OK)
        return err;
    st->expect_comma = true;
    return load_object(in, st);
}

static cs_err json_start(struct cs_input *in)
{
    struct json_state *st = calloc(1, sizeof(*st));
    if (!st)
        return input_fail(in, CS_ENOMEM, 0, "%s", cs_strerror(CS_ENOMEM));
    in->state = st;
    skip_space(in);
    int c = input_getc(in);
    if (c != '[')
        return input_fail(in, CS_EPARSE, in->line,
                          "not a crt.sh JSON export: expected an array ('[')");
    return CS_OK;
}

static cs_err set_name(struct json_state *st, const char *p, size_t n)
{
    if (n + 1 > st->name_cap) {
        size_t cap = st->name_cap ? st->name_cap : 256;
        while (cap < n + 1)
            cap *= 2;
        char *b = realloc(st->name, cap);
        if (!b)
            return CS_ENOMEM;
        st->name = b;
        st->name_cap = cap;
    }
    memcpy(st->name, p, n);
    st->name[n] = '\0';
    return CS_OK;
}

static void fill_cert(struct cs_input *in, struct json_state *st)
{
    in->rec.line = st->obj_line;
    in->rec.crtsh_id = (uint64_t)json_integer_value(json_object_get(st->obj, "id"));
    in->rec.common_name = string_member(st->obj, "common_name");
    in->rec.issuer_name = string_member(st->obj, "issuer_name");
    in->rec.not_after = string_member(st->obj, "not_after");
}

static cs_err json_next(struct cs_input *in, bool *done)
{
    struct json_state *st = in->state;
    for (;;) {
        if (st->obj) {
            while (st->cursor < st->names_len) {
                const char *p = st->names + st->cursor;
                const char *nl = memchr(p, '\n', st->names_len - st->cursor);
                size_t n = nl ? (size_t)(nl - p) : st->names_len - st->cursor;
                st->cursor += n + (nl ? 1 : 0);
                if (n > 0 && p[n - 1] == '\r')
                    n--;
                bool blank = true;
                for (size_t i = 0; i < n && blank; i++)
                    blank = p[i] == ' ' || p[i] == '\t';
                if (blank)
                    continue;
                if (set_name(st, p, n) != CS_OK)
                    return CS_ENOMEM;
                fill_cert(in, st);
                in->rec.original = st->name;
                in->rec.original_len = n;
                st->any_name = true;
                cs_err err = cs_name_normalize(st->name, n, &in->rec.name);
                return err == CS_EPARSE ? CS_OK : err;
            }
            if (!st->any_name) {
                /* A certificate without names is reported, not dropped. */
                st->any_name = true;
                fill_cert(in, st);
                in->rec.original = "";
                in->rec.name.reason = CS_NAME_EMPTY;
                return CS_OK;
            }
            json_decref(st->obj);
            st->obj = NULL;
        }
        if (st->done) {
            *done = true;
            return CS_OK;
        }
        bool end;
        cs_err err = next_object(in, st, &end);
        if (err != CS_OK)
            return err;
        if (end) {
            st->done = true;
            *done = true;
            return CS_OK;
        }
    }
}

static void json_state_free(struct cs_input *in)
{
    struct json_state *st = in->state;
    if (!st)
        return;
    json_decref(st->obj);
    free(st->elem);
    free(st->name);
    free(st);
}

const struct input_ops input_crtsh_json_ops = {json_start, json_next, json_state_free};
