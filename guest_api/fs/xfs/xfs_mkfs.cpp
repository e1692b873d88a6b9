// mkfs.xfs (xfsprogs mkfs/xfs_mkfs.c), the parts daxsim models: geometry from the device size and
// -d agcount, the AG headers and btree roots of every AG, the root inode chunk in AG 0 and the internal
// log in the middle AG, all recorded in the rmapbt with their owners and written to the media.
#include "guest_api/kernel/errno.h"

#include <algorithm>
#include <array>
#include <bit>

#include <fmt/format.h>

#include "guest_api/admin.h"
#include "guest_api/arch/copy_mc.h"
#include "guest_api/block/blkdev.h"
#include "guest_api/fs/vfs.h"
#include "guest_api/fs/xfs/xfs_alloc.h"
#include "guest_api/fs/xfs/xfs_mkfs.h"
#include "guest_api/fs/xfs/xfs_mount.h"
#include "guest_api/fs/xfs/xfs_rmap.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

constexpr u64 XFS_AG_MIN_BLOCKS = (16u << 20) / 4096;   // XFS_AG_MIN_BYTES: 16 MiB
constexpr u64 XFS_MIN_LOG_BLOCKS_DFL = (64u << 20) / 4096; // xfsprogs' preferred minimum: 64 MiB
constexpr u64 XFS_MAX_LOG_BLOCKS_DFL = (1u << 30) / 4096;  // 1 GiB

void put_be(std::byte* p, u64 v, int bytes) {
    for (int i = 0; i < bytes; ++i) p[i] = std::byte(v >> (8 * (bytes - 1 - i)));
}

// A deterministic UUID per device and mkfs run (no randomness in the simulator).
std::string make_uuid(const std::string& dev, unsigned generation) {
    u64 h = 1469598103934665603ull;   // FNV-1a
    for (const char c : dev) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    h ^= generation;
    return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", static_cast<u32>(h >> 32), (h >> 16) & 0xffff,
                       h & 0xfff, (h >> 20) & 0xfff, (h * 31) & 0xffffffffffffull);
}

// Takes [agbno, +len) out of free space and gives it to `owner` in the rmapbt.
void reserve(xfs_mount& mp, xfs_agnumber_t agno, xfs_agblock_t agbno, xfs_extlen_t len, u64 owner) {
    xfs_alloc_mark_used(mp.pag(agno), agbno, len);
    xfs_rmap_map(mp, agno, agbno, len, owner, 0, 0);
}

void write_headers(xfs_mount& mp, xfs_agnumber_t agno) {
    const xfs_sb& sb = mp.sb();
    std::array<std::byte, 512> blk{};   // one sector: sb_agblocks and sb_agcount sit at byte 84 and 88
    put_be(blk.data(), XFS_SB_MAGIC, 4);
    put_be(blk.data() + 4, sb.sb_blocksize, 4);
    put_be(blk.data() + 8, sb.sb_dblocks, 8);
    put_be(blk.data() + 84, sb.sb_agblocks, 4);
    put_be(blk.data() + 88, sb.sb_agcount, 4);
    const xfs_fsblock_t fsb = XFS_AGB_TO_FSB(sb, agno, XFS_SB_BLOCK);
    xfs_meta_write(mp.k(), *mp.s_bdev, sb, fsb, 0, blk);
    for (const auto& [magic, off] : {std::pair{XFS_AGF_MAGIC, 512}, std::pair{XFS_AGI_MAGIC, 1024},
                                     std::pair{XFS_AGFL_MAGIC, 1536}}) {
        std::array<std::byte, 16> hdr{};
        put_be(hdr.data(), magic, 4);
        put_be(hdr.data() + 4, 1, 4);       // version
        put_be(hdr.data() + 8, agno, 4);    // seqno
        put_be(hdr.data() + 12, mp.pag(agno).pag_blocks, 4);
        xfs_meta_write(mp.k(), *mp.s_bdev, sb, fsb, static_cast<u64>(off), hdr);
    }
}

} // namespace

int mkfs_xfs(Kernel& k, const std::string& dev_path, const MkfsOptions& opts) {
    return xfs_mkfs(k, dev_path, opts, {});
}

int xfs_mkfs(Kernel& k, const std::string& dev_path, const MkfsOptions& opts, const xfs_mkfs_geometry& geo) {
    const std::string prefix = "/dev/";
    auto find_bdev = [&](const std::string& path) -> block_device* {
        const std::string name = path.starts_with(prefix) ? path.substr(prefix.size()) : path;
        const auto node = k.dev_nodes().find(name);
        return node == k.dev_nodes().end() ? nullptr : node->second.bdev;
    };
    block_device* data_bdev = find_bdev(dev_path);
    if (!data_bdev) return -ENOENT;
    block_device& bdev = *data_bdev;
    if (bdev.bd_holder) return -EBUSY;   // mounted, or a device-mapper target
    if (bdev.read_only) return -EROFS;
    if (opts.block_size != 4096 || opts.agcount == 0) return -EINVAL;
    // -d su=,sw=: su a multiple of the block size, sw only with su (xfsprogs' calc_stripe_factors).
    if ((geo.stripe_width != 0 && geo.stripe_unit == 0) || geo.stripe_unit % opts.block_size != 0)
        return -EINVAL;
    block_device* logdev = nullptr;
    if (!geo.logdev.empty()) {
        logdev = find_bdev(geo.logdev);
        if (!logdev) return -ENOENT;
        if (logdev == &bdev) return -EINVAL;
        if (logdev->bd_holder) return -EBUSY;
        if (logdev->read_only) return -EROFS;
    }
    if (k.vfs().xfs_image(bdev.name) && !opts.force) return -EEXIST;   // "appears to contain an existing filesystem"

    auto disk = std::make_unique<xfs_disk>();
    disk->bdev_name = bdev.name;
    xfs_sb& sb = disk->sb;
    sb.sb_dblocks = bdev.size_bytes() / sb.sb_blocksize;
    sb.sb_agcount = opts.agcount;
    sb.sb_agblocks = static_cast<xfs_agblock_t>((sb.sb_dblocks + opts.agcount - 1) / opts.agcount);
    if (sb.sb_agblocks < XFS_AG_MIN_BLOCKS) return -EINVAL;   // AGs must be at least 16 MiB
    // A runt last AG is dropped, as mkfs does.
    const u64 last = sb.sb_dblocks - u64{sb.sb_agblocks} * (sb.sb_agcount - 1);
    if (last < XFS_AG_MIN_BLOCKS && sb.sb_agcount > 1) {
        sb.sb_dblocks -= last;
        sb.sb_agcount -= 1;
    }
    sb.sb_agblklog = static_cast<unsigned>(std::bit_width(u64{sb.sb_agblocks} - 1));
    sb.has_reflink = opts.reflink;
    sb.has_rmapbt = opts.rmapbt;
    static_assert(XFS_INODES_PER_CHUNK % 8 == 0);
    // Log size: dblocks/2048 within [64 MiB, 1 GiB], at most half an AG (xfsprogs' calculate_log_size,
    // simplified).
    sb.sb_logblocks = static_cast<xfs_extlen_t>(std::min<u64>(
        std::clamp<u64>(sb.sb_dblocks / 2048, XFS_MIN_LOG_BLOCKS_DFL, XFS_MAX_LOG_BLOCKS_DFL), sb.sb_agblocks / 2));
    if (logdev) {
        // An external log takes the whole log device unless -l size= says less (at most 1 GiB here).
        const u64 dev_blocks = logdev->size_bytes() / sb.sb_blocksize;
        const u64 want =
            geo.log_size ? geo.log_size / sb.sb_blocksize : std::min(dev_blocks, XFS_MAX_LOG_BLOCKS_DFL);
        if (want > dev_blocks || want < 512) return -EINVAL; // XFS_MIN_LOG_BLOCKS
        sb.sb_logblocks = static_cast<xfs_extlen_t>(want);
    } else if (geo.log_size) {
        sb.sb_logblocks =
            static_cast<xfs_extlen_t>(std::min<u64>(geo.log_size / sb.sb_blocksize, sb.sb_agblocks / 2));
        if (sb.sb_logblocks < 512) return -EINVAL;
    }
    sb.sb_unit = static_cast<xfs_extlen_t>(geo.stripe_unit / sb.sb_blocksize);
    sb.sb_width = sb.sb_unit * std::max(1u, geo.stripe_width);
    unsigned generation = 0;
    if (const xfs_disk* old = k.vfs().xfs_image(bdev.name)) generation = static_cast<unsigned>(old->ags.size()) + 1;
    sb.uuid = make_uuid(bdev.name, generation);
    for (xfs_agnumber_t agno = 0; agno < sb.sb_agcount; ++agno) {
        xfs_perag pag;
        pag.pag_agno = agno;
        pag.pag_blocks = static_cast<xfs_agblock_t>(std::min<u64>(sb.sb_agblocks, sb.sb_dblocks - u64{agno} * sb.sb_agblocks));
        pag.bno[0] = pag.pag_blocks;
        disk->ags.push_back(std::move(pag));
    }

    // A mount that is never registered, so that the btree code can run on the new image.
    xfs_mount mp;
    mp.s_kernel = &k;
    mp.s_bdev = &bdev;
    mp.s_id = bdev.name;
    mp.m_disk = disk.get();
    for (xfs_agnumber_t agno = 0; agno < sb.sb_agcount; ++agno) {
        reserve(mp, agno, XFS_SB_BLOCK, 1, XFS_RMAP_OWN_FS);                 // sb, agf, agi, agfl headers
        reserve(mp, agno, XFS_BNO_BLOCK, 2, XFS_RMAP_OWN_AG);                // bnobt + cntbt roots
        reserve(mp, agno, XFS_IBT_BLOCK, 2, XFS_RMAP_OWN_INOBT);             // inobt + finobt roots
        if (sb.has_rmapbt) reserve(mp, agno, XFS_RMAP_BLOCK, 1, XFS_RMAP_OWN_AG);
        if (sb.has_reflink) reserve(mp, agno, XFS_REFC_BLOCK, 1, XFS_RMAP_OWN_REFC);
        reserve(mp, agno, XFS_AGFL_RESERVE_START, XFS_AGFL_RESERVE_BLOCKS, XFS_RMAP_OWN_AG);
        write_headers(mp, agno);
        xfs_btree_touch(mp, agno, XFS_BNO_BLOCK, XFS_ABTB_CRC_MAGIC, 1);
        xfs_btree_touch(mp, agno, XFS_CNT_BLOCK, XFS_ABTC_CRC_MAGIC, 1);
        xfs_btree_touch(mp, agno, XFS_IBT_BLOCK, XFS_IBT_CRC_MAGIC, agno == 0 ? 1 : 0);
        xfs_btree_touch(mp, agno, XFS_FIBT_BLOCK, XFS_FIBT_CRC_MAGIC, agno == 0 ? 1 : 0);
        if (sb.has_rmapbt) xfs_btree_touch(mp, agno, XFS_RMAP_BLOCK, XFS_RMAP_CRC_MAGIC, mp.pag(agno).rmap.size());
        if (sb.has_reflink) xfs_btree_touch(mp, agno, XFS_REFC_BLOCK, XFS_REFC_CRC_MAGIC, 0);
    }
    // Root inode chunk: root directory, realtime bitmap and summary inodes, then free inodes.
    const xfs_extlen_t chunk_blocks = XFS_INODES_PER_CHUNK >> sb.sb_inopblog;
    reserve(mp, 0, XFS_FIRST_INO_BLOCK, chunk_blocks, XFS_RMAP_OWN_INODES);
    sb.sb_rootino = XFS_AGB_TO_INO(sb, 0, XFS_FIRST_INO_BLOCK, 0);
    for (unsigned i = 3; i < XFS_INODES_PER_CHUNK; ++i)
        disk->free_inodes.insert(sb.sb_rootino + i);
    for (unsigned i = 0; i < 3; ++i) {
        std::array<std::byte, 4> core{};
        put_be(core.data(), XFS_DINODE_MAGIC, 2);
        put_be(core.data() + 2, i == 0 ? 040755 : 0100000, 2);
        const xfs_ino_t ino = sb.sb_rootino + i;
        xfs_meta_write(k, bdev, sb, XFS_INO_TO_FSB(sb, ino), (ino & 7) * sb.sb_inodesize, core);
    }
    std::array<std::byte, 8> rec{};
    put_be(rec.data(), XLOG_HEADER_MAGIC_NUM, 4);
    put_be(rec.data() + 4, 1, 4);   // cycle 1: a clean, empty log
    if (logdev) {
        // External log: sb_logstart 0, the log's first record at the start of the log device, and no
        // XFS_RMAP_OWN_LOG record on the data device.
        sb.sb_logstart = 0;
        disk->logdev_name = logdev->name;
        xfs_meta_write(k, *logdev, sb, 0, 0, rec);
    } else {
        // Internal log in the middle AG (AG 0 when there is one).
        const xfs_agnumber_t log_ag = sb.sb_agcount / 2;
        const xfs_agblock_t log_agbno = (mp.pag(log_ag).pag_blocks - sb.sb_logblocks) / 2 / 8 * 8;
        reserve(mp, log_ag, log_agbno, sb.sb_logblocks, XFS_RMAP_OWN_LOG);
        sb.sb_logstart = XFS_AGB_TO_FSB(sb, log_ag, log_agbno);
        xfs_meta_write(k, bdev, sb, sb.sb_logstart, 0, rec);
    }
    pmem_wmb(k);
    k.vfs().set_xfs_image(bdev.name, std::move(disk));
    return 0;
}

} // namespace daxsim::kernel
