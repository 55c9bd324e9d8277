#include "shown.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing text in a fixed buffer: appends stop at its end (always
 * terminated), n counts what was wanted so callers can tell. */
struct out {
	char *buf;
	size_t len, n;
};

static void put(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, o->n++)
		if (o->n + 1 < o->len)
			o->buf[o->n] = s[i];
	if (o->len)
		o->buf[o->n + 1 < o->len ? o->n : o->len - 1] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* The code point at s (UTF-8, as jansson has checked it) and its length. */
static unsigned decode(const unsigned char *s, int *n)
{
	if (s[0] < 0x80 || !s[1]) {
		*n = 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		*n = 2;
		return ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
	}
	if ((s[0] & 0xf0) == 0xe0 && s[2]) {
		*n = 3;
		return ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) |
		       (s[2] & 0x3fu);
	}
	*n = 1; /* four bytes: beyond every escaped code point */
	for (int i = 1; i < 4 && s[i]; i++)
		*n = i + 1;
	return 0x10000;
}

/* Python's clean() set: C0, DEL, C1, LRM/RLM, the embeddings and
 * overrides, the isolates, line and paragraph separators. */
static int escaped(unsigned c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x200e ||
	       c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029;
}

static void put_clean(struct out *o, const char *s, int repr, char quote)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n;
		unsigned c = decode(p, &n);
		char esc[16] = "";
		if (repr && (c == '\\' || c == (unsigned char)quote))
			snprintf(esc, sizeof(esc), "\\%c", (char)c);
		else if (repr && (c == '\n' || c == '\r' || c == '\t'))
			snprintf(esc, sizeof(esc), "\\%c",
				 c == '\n'   ? 'n'
				 : c == '\r' ? 'r'
					     : 't');
		else if (escaped(c))
			snprintf(esc, sizeof(esc),
				 c < 0x100 ? "\\x%02x" : "\\u%04x", c);
		if (esc[0])
			puts_(o, esc);
		else
			put(o, (const char *)p, (size_t)n);
		p += n;
	}
}

void shown_clean(char *buf, size_t len, const char *s)
{
	struct out o = {buf, len, 0};
	puts_(&o, "");
	put_clean(&o, s, 0, 0);
}

static void put_string(struct out *o, const char *s)
{
	/* Python's choice: single quotes unless only they occur */
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
	put(o, &q, 1);
	put_clean(o, s, 1, q);
	put(o, &q, 1);
}

void shown_float(char *buf, size_t len, double v)
{
	char t[40];
	int p, exp;
	if (isnan(v) || isinf(v)) {
		snprintf(buf, len, "%s",
			 isnan(v) ? "nan"
			 : v < 0  ? "-inf"
				  : "inf");
		return;
	}
	for (p = 1; p <= 17; p++) {
		snprintf(t, sizeof(t), "%.*e", p - 1, v);
		if (p == 17 || strtod(t, NULL) == v)
			break;
	}
	exp = atoi(strchr(t, 'e') + 1);
	/* repr: positional from 1e-4 up to 1e16, else d.ddde+XX */
	if (exp >= -4 && exp < 16) {
		snprintf(t, sizeof(t), "%.*f",
			 p - 1 - exp > 0 ? p - 1 - exp : 0, v);
		if (!strchr(t, '.'))
			strcat(t, ".0");
	} else {
		snprintf(t, sizeof(t), "%.*g", p, v);
	}
	snprintf(buf, len, "%s", t);
}

static void put_value(struct out *o, json_t *v)
{
	char num[48];
	const char *k;
	json_t *x;
	size_t i;
	switch (json_typeof(v)) {
	case JSON_STRING:
		put_string(o, json_string_value(v));
		return;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld",
			 (long long)json_integer_value(v));
		puts_(o, num);
		return;
	case JSON_REAL:
		shown_float(num, sizeof(num), json_real_value(v));
		puts_(o, num);
		return;
	case JSON_TRUE:
	case JSON_FALSE:
		puts_(o, json_is_true(v) ? "True" : "False");
		return;
	case JSON_NULL:
		puts_(o, "None");
		return;
	case JSON_ARRAY:
		puts_(o, "[");
		json_array_foreach(v, i, x)
		{
			if (o->n >= o->len) /* cut anyway: stop walking */
				break;
			puts_(o, i ? ", " : "");
			put_value(o, x);
		}
		puts_(o, "]");
		return;
	case JSON_OBJECT:
		puts_(o, "{");
		i = 0;
		json_object_foreach(v, k, x)
		{
			if (o->n >= o->len)
				break;
			puts_(o, i++ ? ", " : "");
			put_string(o, k);
			puts_(o, ": ");
			put_value(o, x);
		}
		puts_(o, "}");
		return;
	}
}

static int starts_char(char c)
{
	return ((unsigned char)c & 0xc0) != 0x80;
}

/* Cuts buf (len bytes) to width characters, the last one "…", as shown()
 * does; a text the buffer already cut is cut with an ellipsis too. */
static void cut(char *buf, size_t len, size_t width, int overflowed)
{
	size_t chars = 0, i, at = 0;
	for (i = 0; buf[i]; i++)
		if (starts_char(buf[i]) && chars++ == width - 1)
			at = i;
	if (!width || (chars <= width && !overflowed) || len < 4)
		return;
	if (chars <= width || at + 4 > len)
		at = i + 4 > len ? len - 4 : i;
	while (at > 0 && !starts_char(buf[at]))
		at--;
	memcpy(buf + at, "…", 4); /* three bytes and the terminator */
}

void shown_value(char *buf, size_t len, json_t *v, size_t width)
{
	struct out o = {buf, len, 0};
	puts_(&o, "");
	put_value(&o, v);
	cut(buf, len, width, o.n >= len);
}

void shown_string(char *buf, size_t len, const char *s, size_t width)
{
	struct out o = {buf, len, 0};
	puts_(&o, "");
	put_string(&o, s);
	cut(buf, len, width, o.n >= len);
}
