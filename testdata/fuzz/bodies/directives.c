// SPDX-License-Identifier: GPL-2.0-only
/*
 * ftrlint fuzz seed: directives, literals and comments around function bodies.
 */
#define pr_fmt(fmt) "seed: " fmt

#include <linux/types.h>
#ifdef CONFIG_SEED
#include <linux/seed.h>
#endif

#define SEED_BRACE {
#define SEED_CALL(x) seed_helper((x), \
			      SEED_OTHER)

static const char *seed_names[] = { "}{", "'", "\"" };
enum { SEED_A = (1 == 1), SEED_B = 2 <= 3 };

static int seed_helper(int a, int b) __attribute__((unused))
{
	char c = '}';
	// }
	/* { */
#ifdef CONFIG_SEED
	if (a)
		return b;
#else
	if (b)
		return a;
#endif
	return ({ int x = a; if (x) x = b; x; });
}

#ifdef CONFIG_SEED
static int seed_late(void)
{
#define SEED_LATER 1
	return SEED_LATER;
#endif
}
