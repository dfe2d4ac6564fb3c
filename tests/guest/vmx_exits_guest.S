/* Guest code of tests/guest/vmx_exits.c, one stub per case: set-up instructions, the
 * instruction that should exit (label NAME_i), then VMCALL (label NAME_e), so a missing exit
 * shows up as exit reason 18 at NAME_e instead of running on. The cases are the table in
 * vmx_exits.c. */
    .text
    .globl g_cpuid, g_cpuid_i, g_cpuid_e
g_cpuid:
    xor %eax, %eax
g_cpuid_i:
    cpuid
g_cpuid_e:
    vmcall
    jmp .
    .globl g_hlt, g_hlt_i, g_hlt_e
g_hlt:
g_hlt_i:
    hlt
g_hlt_e:
    vmcall
    jmp .
    .globl g_invlpg, g_invlpg_i, g_invlpg_e
g_invlpg:
    lea g_data(%rip), %rax
g_invlpg_i:
    invlpg (%rax)
g_invlpg_e:
    vmcall
    jmp .
    .globl g_rdtsc, g_rdtsc_i, g_rdtsc_e
g_rdtsc:
g_rdtsc_i:
    rdtsc
g_rdtsc_e:
    vmcall
    jmp .
    .globl g_rdtscp, g_rdtscp_i, g_rdtscp_e
g_rdtscp:
g_rdtscp_i:
    rdtscp
g_rdtscp_e:
    vmcall
    jmp .
    .globl g_cr3_load, g_cr3_load_i, g_cr3_load_e
g_cr3_load:
    mov %cr3, %rax
g_cr3_load_i:
    mov %rax, %cr3
g_cr3_load_e:
    vmcall
    jmp .
    .globl g_cr3_store, g_cr3_store_i, g_cr3_store_e
g_cr3_store:
g_cr3_store_i:
    mov %cr3, %rbx
g_cr3_store_e:
    vmcall
    jmp .
    .globl g_cr8_load, g_cr8_load_i, g_cr8_load_e
g_cr8_load:
    xor %edx, %edx
g_cr8_load_i:
    mov %rdx, %cr8
g_cr8_load_e:
    vmcall
    jmp .
    .globl g_cr8_store, g_cr8_store_i, g_cr8_store_e
g_cr8_store:
g_cr8_store_i:
    mov %cr8, %rsi
g_cr8_store_e:
    vmcall
    jmp .
    .globl g_cr0_mask, g_cr0_mask_i, g_cr0_mask_e
g_cr0_mask:
    mov %cr0, %rax
    xor $8, %eax
g_cr0_mask_i:
    mov %rax, %cr0
g_cr0_mask_e:
    vmcall
    jmp .
    .globl g_clts, g_clts_i, g_clts_e
g_clts:
g_clts_i:
    clts
g_clts_e:
    vmcall
    jmp .
    .globl g_lmsw, g_lmsw_i, g_lmsw_e
g_lmsw:
    smsw %eax
    or $2, %eax
g_lmsw_i:
    lmsw %ax
g_lmsw_e:
    vmcall
    jmp .
    .globl g_movdr, g_movdr_i, g_movdr_e
g_movdr:
g_movdr_i:
    mov %dr7, %rax
g_movdr_e:
    vmcall
    jmp .
    .globl g_io_in, g_io_in_i, g_io_in_e
g_io_in:
g_io_in_i:
    in $0x80, %al
g_io_in_e:
    vmcall
    jmp .
    .globl g_io_b, g_io_b_i, g_io_b_e
g_io_b:
    mov $0x8001, %dx
g_io_b_i:
    outb %al, %dx
g_io_b_e:
    vmcall
    jmp .
    .globl g_io_rep, g_io_rep_i, g_io_rep_e
g_io_rep:
    lea g_data(%rip), %rdi
    mov $0x80, %dx
    mov $2, %ecx
g_io_rep_i:
    rep insb
g_io_rep_e:
    vmcall
    jmp .
    .globl g_rdmsr, g_rdmsr_i, g_rdmsr_e
g_rdmsr:
    mov $0x1b, %ecx
g_rdmsr_i:
    rdmsr
g_rdmsr_e:
    vmcall
    jmp .
    .globl g_wrmsr, g_wrmsr_i, g_wrmsr_e
g_wrmsr:
    mov $0xc0000100, %ecx
    xor %eax, %eax
    xor %edx, %edx
g_wrmsr_i:
    wrmsr
g_wrmsr_e:
    vmcall
    jmp .
    .globl g_pause, g_pause_i, g_pause_e
g_pause:
g_pause_i:
    pause
g_pause_e:
    vmcall
    jmp .
    .globl g_sgdt, g_sgdt_i, g_sgdt_e
g_sgdt:
g_sgdt_i:
    sgdt g_data(%rip)
g_sgdt_e:
    vmcall
    jmp .
    .globl g_str, g_str_i, g_str_e
g_str:
g_str_i:
    str %ax
g_str_e:
    vmcall
    jmp .
    .globl g_wbinvd, g_wbinvd_i, g_wbinvd_e
g_wbinvd:
g_wbinvd_i:
    wbinvd
g_wbinvd_e:
    vmcall
    jmp .
    .globl g_invd, g_invd_i, g_invd_e
g_invd:
g_invd_i:
    invd
g_invd_e:
    vmcall
    jmp .
    .globl g_rdrand, g_rdrand_i, g_rdrand_e
g_rdrand:
g_rdrand_i:
    rdrand %eax
g_rdrand_e:
    vmcall
    jmp .
    .globl g_rdseed, g_rdseed_i, g_rdseed_e
g_rdseed:
g_rdseed_i:
    rdseed %eax
g_rdseed_e:
    vmcall
    jmp .
    .globl g_vmcall, g_vmcall_i, g_vmcall_e
g_vmcall:
g_vmcall_i:
    vmcall
g_vmcall_e:
    vmcall
    jmp .
    .globl g_vmclear, g_vmclear_i, g_vmclear_e
g_vmclear:
g_vmclear_i:
    vmclear g_data(%rip)
g_vmclear_e:
    vmcall
    jmp .
    .globl g_vmlaunch, g_vmlaunch_i, g_vmlaunch_e
g_vmlaunch:
g_vmlaunch_i:
    vmlaunch
g_vmlaunch_e:
    vmcall
    jmp .
    .globl g_vmptrld, g_vmptrld_i, g_vmptrld_e
g_vmptrld:
g_vmptrld_i:
    vmptrld g_data(%rip)
g_vmptrld_e:
    vmcall
    jmp .
    .globl g_vmptrst, g_vmptrst_i, g_vmptrst_e
g_vmptrst:
g_vmptrst_i:
    vmptrst g_data(%rip)
g_vmptrst_e:
    vmcall
    jmp .
    .globl g_vmread, g_vmread_i, g_vmread_e
g_vmread:
    xor %eax, %eax
g_vmread_i:
    vmread %rax, %rbx
g_vmread_e:
    vmcall
    jmp .
    .globl g_vmresume, g_vmresume_i, g_vmresume_e
g_vmresume:
g_vmresume_i:
    vmresume
g_vmresume_e:
    vmcall
    jmp .
    .globl g_vmwrite, g_vmwrite_i, g_vmwrite_e
g_vmwrite:
    xor %eax, %eax
g_vmwrite_i:
    vmwrite %rbx, %rax
g_vmwrite_e:
    vmcall
    jmp .
    .globl g_vmxoff, g_vmxoff_i, g_vmxoff_e
g_vmxoff:
g_vmxoff_i:
    vmxoff
g_vmxoff_e:
    vmcall
    jmp .
    .globl g_vmxon, g_vmxon_i, g_vmxon_e
g_vmxon:
g_vmxon_i:
    vmxon g_data(%rip)
g_vmxon_e:
    vmcall
    jmp .
    .globl g_invept, g_invept_i, g_invept_e
g_invept:
    mov $1, %eax
g_invept_i:
    invept g_data(%rip), %rax
g_invept_e:
    vmcall
    jmp .
    .globl g_invvpid, g_invvpid_i, g_invvpid_e
g_invvpid:
    mov $1, %eax
g_invvpid_i:
    invvpid g_data(%rip), %rax
g_invvpid_e:
    vmcall
    jmp .
    .globl g_ud2, g_ud2_i, g_ud2_e
g_ud2:
g_ud2_i:
    ud2
g_ud2_e:
    vmcall
    jmp .
    .globl g_int3, g_int3_i, g_int3_e
g_int3:
g_int3_i:
    int3
g_int3_e:
    vmcall
    jmp .
    .globl g_pf, g_pf_i, g_pf_e
g_pf:
    movabs $0x100000000000, %rax
g_pf_i:
    mov (%rax), %rbx
g_pf_e:
    vmcall
    jmp .
    .globl g_window, g_window_i, g_window_e
g_window:
g_window_i:
    nop
g_window_e:
    vmcall
    jmp .
    .globl g_dbbp, g_dbbp_i, g_dbbp_e
g_dbbp:                         /* an instruction breakpoint (DR0, L0, execute) on the NOP */
    lea g_dbbp_i(%rip), %rax
    mov %rax, %dr0
    mov $1, %eax
    mov %rax, %dr7
g_dbbp_i:
    nop
g_dbbp_e:
    vmcall
    jmp .
    .globl g_dbgd, g_dbgd_i, g_dbgd_e
g_dbgd:                         /* general detect: DR7.GD, then a MOV to a debug register */
    mov $0x2000, %eax
    mov %rax, %dr7
g_dbgd_i:
    mov %rax, %dr0
g_dbgd_e:
    vmcall
    jmp .
    .globl g_selfipi, g_selfipi_i, g_selfipi_e
g_selfipi:
    mov $0xfee00300, %eax
g_selfipi_i:
    movl $0x40040, (%rax)
g_selfipi_e:
    vmcall
    jmp .

    .data
    .balign 16
    .globl g_data
g_data:
    .fill 64, 1, 0
