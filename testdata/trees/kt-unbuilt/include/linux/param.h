/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_PARAM_H
#define _LINUX_PARAM_H
#define HZ CONFIG_HZ
#endif
