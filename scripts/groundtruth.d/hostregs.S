// Bare-metal reader of the host's ID registers, for scripts/groundtruth.
// QEMU's virt board (-M virt,virtualization=on) enters it at EL2 with the MMU off. It reads every
// register op0=3, op1=0, CRn=0, CRm=0..7, op2=0..7 with MRS and prints one line per register on the
// PL011 UART at 0x09000000:  "GTHOST 3,0,0,CRm,op2 0x<value>"  or  "GTHOST 3,0,0,CRm,op2 undef"
// when the read traps. It then asks PSCI (SMC conduit on this board) to power off.
        .text
        .globl _start
_start:
        ldr     x0, =stack_top
        mov     sp, x0
        adr     x0, vectors
        mrs     x1, CurrentEL
        lsr     x1, x1, #2
        cmp     x1, #2
        b.ne    1f
        msr     vbar_el2, x0
        b       2f
1:      msr     vbar_el1, x0
2:      isb
        adr     x0, msg_el
        bl      puts
        mrs     x0, CurrentEL
        lsr     x0, x0, #2
        add     x0, x0, #'0'
        bl      putc
        mov     x0, #'\n'
        bl      putc

        .irp crm, 0,1,2,3,4,5,6,7
        .irp op2, 0,1,2,3,4,5,6,7
        mov     x20, #0                 // set to 1 by the exception handler
        mov     x21, #0
        mrs     x21, S3_0_C0_C\crm\()_\op2
        mov     x22, #\crm
        mov     x23, #\op2
        bl      report
        .endr
        .endr

        adr     x0, msg_end
        bl      puts
        ldr     x0, =0x84000008         // PSCI SYSTEM_OFF
        smc     #0
        hvc     #0
3:      wfi
        b       3b

// x22 = CRm, x23 = op2, x21 = value, x20 = trapped
report:
        mov     x24, x30
        adr     x0, msg_reg
        bl      puts
        add     x0, x22, #'0'
        bl      putc
        mov     x0, #','
        bl      putc
        add     x0, x23, #'0'
        bl      putc
        mov     x0, #' '
        bl      putc
        cbz     x20, 4f
        adr     x0, msg_undef
        bl      puts
        b       6f
4:      mov     x0, #'0'
        bl      putc
        mov     x0, #'x'
        bl      putc
        mov     x25, #60
5:      lsr     x0, x21, x25
        and     x0, x0, #0xf
        cmp     x0, #10
        add     x1, x0, #'0'
        add     x2, x0, #('a' - 10)
        csel    x0, x1, x2, lo
        bl      putc
        subs    x25, x25, #4
        b.ge    5b
6:      mov     x0, #'\n'
        bl      putc
        mov     x30, x24
        ret

// putc(x0): wait while the transmit FIFO is full, then write.
putc:
        ldr     x9, =0x09000000
7:      ldr     w10, [x9, #0x18]
        tbnz    w10, #5, 7b
        strb    w0, [x9]
        ret

// puts(x0): a NUL-terminated string.
puts:
        mov     x11, x30
        mov     x12, x0
8:      ldrb    w0, [x12], #1
        cbz     w0, 9f
        bl      putc
        b       8b
9:      mov     x30, x11
        ret

// A synchronous exception (an MRS that traps) sets x20 and skips the instruction; anything else stops.
        .balign 2048
vectors:
        .rept 16
        .balign 128
        b       trap
        .endr
trap:
        mrs     x9, CurrentEL
        lsr     x9, x9, #2
        cmp     x9, #2
        b.ne    10f
        mrs     x9, elr_el2
        add     x9, x9, #4
        msr     elr_el2, x9
        b       11f
10:     mrs     x9, elr_el1
        add     x9, x9, #4
        msr     elr_el1, x9
11:     mov     x20, #1
        eret

msg_el:    .asciz "GTHOST EL "
msg_reg:   .asciz "GTHOST 3,0,0,"
msg_undef: .asciz "undef"
msg_end:   .asciz "GTHOST END\n"
        .ltorg

        .bss
        .balign 16
        .space 4096
stack_top:
