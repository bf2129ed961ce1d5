// SPDX-License-Identifier: GPL-2.0-only
#define COMPILE_OFFSETS
int main(void)
{
  DEFINE(TSK_TI_FLAGS,		offsetof(struct task_struct, thread_info.flags));
  DEFINE(S_FRAME_SIZE,		sizeof(struct pt_regs));
  return 0;
}
