#include "list.h"

#include <string.h>

int list_check(const char *s, const char *what, struct err *e)
{
	size_t n = strlen(s);
	if (n == 0)
		return err_set(e, "empty %s", what);
	if (s[0] == ',' || s[n - 1] == ',' || strstr(s, ",,"))
		return err_set(e, "empty item in %s '%s'", what, s);
	return 0;
}
