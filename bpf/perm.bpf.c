/* SPDX-License-Identifier: GPL-2.0 */
/* perm.bpf.c: inode_permission, record class perm (opt-in, not part of
 * "all": the hook runs for every path component of every lookup). Each
 * access checked and allowed is an inode -> task edge: perm_exec (search
 * or execute), perm_read, perm_write (write or append), arg: the mask.
 * Included into sabpf.bpf.c after file.bpf.c. */

SEC("lsm/inode_permission")
int BPF_PROG(on_inode_permission, struct inode *inode, int mask)
{
	struct hook h;
	if (!hook_enter(&h, SABPF_CLASS_PERM) ||
	    !(mask & (MAY_EXEC | MAY_READ | MAY_WRITE | MAY_APPEND)))
		return 0;
	struct prov_task *ts = hook_task(&h);
	struct prov_inode *is = inode_state_of(inode, h.container);
	if (!ts || !is)
		return 0;
	if (mask & MAY_EXEC)
		edge_write(SABPF_REL_PERM_EXEC, &is->node, &ts->node, mask, h.container);
	if (mask & MAY_READ)
		edge_write(SABPF_REL_PERM_READ, &is->node, &ts->node, mask, h.container);
	if (mask & (MAY_WRITE | MAY_APPEND))
		edge_write(SABPF_REL_PERM_WRITE, &is->node, &ts->node, mask, h.container);
	return 0;
}
