/* cpu/exec_bmi.c — BMI1/BMI2 (VEX-encoded ANDN ... MULX) and ADX (ADCX, ADOX): operand
 * plumbing; the semantics are in cpu/alu_bmi.c. The decoder only lets these through when
 * the CPU model advertises the extension (cpu/decode.c isa_allowed). */
#include "cpu/alu_bmi.h"
#include "cpu/exec.h"
#include "cpu/operand.h"

/* Three-operand forms write op0 from op1 (and op2); BLSI/BLSMSK/BLSR take one source. MULX
   (SDM 2B "MULX") multiplies EDX/RDX by op2 unsigned: op1 gets the low half, then op0 the high
   half (so the high half wins when both name the same register); no flags. */
void exec_bmi(struct cpu *c, const struct insn *in)
{
    unsigned size = in->op[0].size;
    if (in->sub == BMI_MULX) {
        u64 src = opnd_read(c, in, 2), d = gpr_read(c, RDX, size);
        u128 p = (u128)d * src;
        opnd_write(c, in, 1, size == 8 ? (u64)p : (u64)p & 0xffffffffu);
        opnd_write(c, in, 0, size == 8 ? (u64)(p >> 64) : (u64)(p >> 32));
        return;
    }
    u64 a = opnd_read(c, in, 1);
    u64 b = in->nopnds > 2 ? opnd_read(c, in, 2) : 0;
    opnd_write(c, in, 0, alu_bmi(in->sub, size, a, b, &c->rflags));
}

void exec_adx(struct cpu *c, const struct insn *in)
{
    unsigned size = in->op[0].size;
    u64 a = opnd_read(c, in, 0), b = opnd_read(c, in, 1);
    opnd_write(c, in, 0, alu_adx(in->sub, size, a, b, &c->rflags));
}
