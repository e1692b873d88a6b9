#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xfs/xfs_inode.h"

#include <array>
#include <cstring>

#include "guest_api/fs/xfs/xfs_alloc.h"
#include "guest_api/fs/xfs/xfs_attr.h"
#include "guest_api/fs/xfs/xfs_bmap.h"
#include "guest_api/fs/xfs/xfs_file.h"
#include "guest_api/fs/xfs/xfs_reflink.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

void put_be16(std::byte* p, u32 v) {
    p[0] = std::byte(v >> 8);
    p[1] = std::byte(v);
}
void put_be64(std::byte* p, u64 v) {
    for (int i = 0; i < 8; ++i) p[i] = std::byte(v >> (56 - 8 * i));
}

// The first 64 bytes of struct xfs_dinode: di_magic, di_mode, ..., di_size at 56.
std::array<std::byte, 64> dinode_core(const xfs_inode& ip, bool allocated) {
    std::array<std::byte, 64> core{};
    if (!allocated) return core;
    put_be16(core.data(), XFS_DINODE_MAGIC);
    put_be16(core.data() + 2, 0100644);           // S_IFREG | 0644
    core[4] = std::byte{3};                       // di_version
    core[5] = std::byte{2};                       // di_format: XFS_DINODE_FMT_EXTENTS
    put_be64(core.data() + 56, static_cast<u64>(ip.i_size));
    put_be64(core.data() + 24, ip.i_df.size());
    return core;
}

void write_core(xfs_mount& mp, const xfs_inode& ip, bool allocated) {
    const xfs_sb& sb = mp.sb();
    const u64 slot = ip.i_ino & ((u64{1} << sb.sb_inopblog) - 1);
    const auto core = dinode_core(ip, allocated);
    xfs_meta_write(mp.k(), *mp.s_bdev, sb, XFS_INO_TO_FSB(sb, ip.i_ino), slot * sb.sb_inodesize, core);
}

} // namespace

void xfs_setup_inode(xfs_mount& mp, xfs_inode& ip) {
    ip.i_sb = &mp;
    ip.i_mount = &mp;
    ip.type = inode_type::regular;
    ip.dax = true;
    ip.i_fop = &xfs_file_operations;
}

int xfs_ialloc(xfs_mount& mp, std::shared_ptr<xfs_inode>* out) {
    xfs_disk& d = *mp.m_disk;
    const xfs_sb& sb = d.sb;
    if (d.free_inodes.empty()) {
        // A new chunk of 64 inodes (8 blocks), chunk-aligned, near the root inode's chunk.
        xfs_alloc_arg args;
        args.goal = XFS_INO_TO_FSB(sb, sb.sb_rootino);
        args.minlen = args.maxlen = XFS_INODES_PER_CHUNK >> sb.sb_inopblog;
        args.alignment = args.maxlen;
        args.owner = XFS_RMAP_OWN_INODES;
        if (const int err = xfs_alloc_vextent(mp, args); err != 0) return err;
        const xfs_agnumber_t agno = XFS_FSB_TO_AGNO(sb, args.fsbno);
        const xfs_agblock_t agbno = XFS_FSB_TO_AGBNO(sb, args.fsbno);
        for (unsigned i = 0; i < XFS_INODES_PER_CHUNK; ++i)
            d.free_inodes.insert(XFS_AGB_TO_INO(sb, agno, agbno + (i >> sb.sb_inopblog), i & ((1u << sb.sb_inopblog) - 1)));
        xfs_btree_touch(mp, agno, XFS_IBT_BLOCK, XFS_IBT_CRC_MAGIC, 1);
    }
    const xfs_ino_t ino = *d.free_inodes.begin();
    d.free_inodes.erase(d.free_inodes.begin());
    auto ip = std::make_shared<xfs_inode>();
    ip->i_ino = ino;
    xfs_setup_inode(mp, *ip);
    d.inodes[ino] = ip;
    xfs_btree_charge(mp.k(), d.inodes.size(), 1);   // inobt / finobt update
    write_core(mp, *ip, true);
    *out = std::move(ip);
    return 0;
}

void xfs_trans_log_inode(xfs_mount& mp, xfs_inode& ip) {
    if (!mp.s_bdev) return;
    write_core(mp, ip, true);
}

void xfs_inactive(xfs_mount& mp, xfs_inode& ip) {
    xfs_reflink_cancel_cow_range(mp, ip, 0, ~u64{0} >> 1);
    xfs_bunmapi(mp, ip, 0, ~u64{0} >> 1);
    xfs_attr_inactive(mp, ip);
    write_core(mp, ip, false);
    xfs_disk& d = *mp.m_disk;
    d.free_inodes.insert(ip.i_ino);
    d.inodes.erase(ip.i_ino);
    xfs_btree_charge(mp.k(), d.inodes.size(), 1);
}

} // namespace daxsim::kernel
