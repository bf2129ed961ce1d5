// SPDX-License-Identifier: GPL-2.0
/* Only x86 here. */
