// Helpers shared by the XFS files: btree cost accounting, metadata writes to the media, metadata
// locations, log messages (xfs_message.c) and forced shutdown (xfs_fsops.c).
#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xfs/xfs_mount.h"

#include <array>
#include <bit>

#include <fmt/format.h>

#include "guest_api/arch/copy_mc.h"
#include "guest_api/block/blkdev.h"
#include "guest_api/drivers/dax/dax.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

void put_be(std::byte* p, u64 v, int bytes) {
    for (int i = 0; i < bytes; ++i) p[i] = std::byte(v >> (8 * (bytes - 1 - i)));
}

} // namespace

bool xfs_meta_kind_from_name(std::string_view name, xfs_meta_kind* out) {
    static constexpr std::array<std::pair<std::string_view, xfs_meta_kind>, 12> names{{
        {"sb", xfs_meta_kind::sb}, {"agf", xfs_meta_kind::agf}, {"agi", xfs_meta_kind::agi},
        {"agfl", xfs_meta_kind::agfl}, {"bnobt", xfs_meta_kind::bnobt}, {"cntbt", xfs_meta_kind::cntbt},
        {"inobt", xfs_meta_kind::inobt}, {"finobt", xfs_meta_kind::finobt}, {"rmapbt", xfs_meta_kind::rmapbt},
        {"refcountbt", xfs_meta_kind::refcountbt}, {"inode", xfs_meta_kind::inode}, {"log", xfs_meta_kind::log},
    }};
    for (const auto& [n, kind] : names)
        if (n == name) {
            *out = kind;
            return true;
        }
    return false;
}

unsigned xfs_btree_levels(std::size_t nrecs) {
    return nrecs <= 1 ? 1u : static_cast<unsigned>(std::bit_width(nrecs - 1));
}

void xfs_btree_charge(Kernel& k, std::size_t nrecs, std::size_t records_touched) {
    const auto& cost = k.config().cost;
    k.cpu_work(xfs_btree_levels(nrecs) * cost.btree_level_ns + records_touched * cost.btree_record_ns);
}

void xfs_meta_write(Kernel& k, block_device& bdev, const xfs_sb& sb, xfs_fsblock_t fsb, u64 offset,
                    std::span<const std::byte> data) {
    if (!bdev.dax_dev) return;
    const u64 dev = bdev.dax_offset + xfs_fsb_to_bdev_bytes(sb, fsb) + offset;
    u64 pfn = 0;
    // Metadata goes through the block driver, which writes even over known bad blocks.
    if (dax_direct_access(k, bdev.dax_dev, dev >> PAGE_SHIFT, 1, dax_access_mode::DAX_RECOVERY_WRITE, &pfn) <= 0)
        return;
    memcpy_flushcache(k, PFN_PHYS(pfn) + (dev & (PAGE_SIZE - 1)), data);
    pmem_wmb(k);
}

void xfs_btree_touch(xfs_mount& mp, xfs_agnumber_t agno, xfs_agblock_t root, u32 magic, std::size_t nrecs) {
    if (!mp.s_bdev) return;
    // struct xfs_btree_block (short form, v5): magic, level, numrecs, siblings, blkno, ..., owner.
    std::array<std::byte, 64> hdr{};
    put_be(hdr.data(), magic, 4);
    put_be(hdr.data() + 4, xfs_btree_levels(nrecs) - 1, 2);
    put_be(hdr.data() + 6, nrecs, 2);
    put_be(hdr.data() + 8, 0xffffffffu, 4);
    put_be(hdr.data() + 12, 0xffffffffu, 4);
    const xfs_fsblock_t fsb = XFS_AGB_TO_FSB(mp.sb(), agno, root);
    put_be(hdr.data() + 16, xfs_fsb_to_dblock(mp.sb(), fsb) << (mp.sb().sb_blocklog - SECTOR_SHIFT), 8);
    put_be(hdr.data() + 52, agno, 4);
    xfs_meta_write(mp.k(), *mp.s_bdev, mp.sb(), fsb, 0, hdr);
}

bool xfs_meta_location(const xfs_sb& sb, xfs_meta_kind kind, xfs_agnumber_t agno, xfs_fsblock_t* fsb, u64* offset) {
    if (agno >= sb.sb_agcount) return false;
    *offset = 0;
    xfs_agblock_t agbno = 0;
    switch (kind) {
    case xfs_meta_kind::sb: agbno = XFS_SB_BLOCK; break;
    case xfs_meta_kind::agf: *offset = 512; break;     // sector 1 of block 0
    case xfs_meta_kind::agi: *offset = 1024; break;    // sector 2
    case xfs_meta_kind::agfl: *offset = 1536; break;   // sector 3
    case xfs_meta_kind::bnobt: agbno = XFS_BNO_BLOCK; break;
    case xfs_meta_kind::cntbt: agbno = XFS_CNT_BLOCK; break;
    case xfs_meta_kind::inobt: agbno = XFS_IBT_BLOCK; break;
    case xfs_meta_kind::finobt: agbno = XFS_FIBT_BLOCK; break;
    case xfs_meta_kind::rmapbt:
        if (!sb.has_rmapbt) return false;
        agbno = XFS_RMAP_BLOCK;
        break;
    case xfs_meta_kind::refcountbt:
        if (!sb.has_reflink) return false;
        agbno = XFS_REFC_BLOCK;
        break;
    case xfs_meta_kind::inode:   // the root inode's chunk, in AG 0
        if (agno != 0) return false;
        *fsb = XFS_INO_TO_FSB(sb, sb.sb_rootino);
        return true;
    case xfs_meta_kind::log:     // the internal log lives in one AG, whatever AG was asked
        if (sb.sb_logstart == 0) return false; // external log: not on the data device
        *fsb = sb.sb_logstart;
        return true;
    }
    *fsb = XFS_AGB_TO_FSB(sb, agno, agbno);
    return true;
}

void xfs_printk_level(xfs_mount& mp, LogLevel level, const std::string& text) {
    mp.k().printk(level, fmt::format("XFS ({}): {}", mp.s_id, text));
}
void xfs_alert(xfs_mount& mp, const std::string& text) { xfs_printk_level(mp, LogLevel::alert, text); }
void xfs_err(xfs_mount& mp, const std::string& text) {
    xfs_printk_level(mp, LogLevel::err, text);
}
void xfs_warn(xfs_mount& mp, const std::string& text) { xfs_printk_level(mp, LogLevel::warning, text); }
void xfs_info(xfs_mount& mp, const std::string& text) { xfs_printk_level(mp, LogLevel::info, text); }
void xfs_notice(xfs_mount& mp, const std::string& text) { xfs_printk_level(mp, LogLevel::notice, text); }
void xfs_debug(xfs_mount& mp, const std::string& text) { xfs_printk_level(mp, LogLevel::debug, text); }
void xfs_emerg(xfs_mount& mp, const std::string& text) { xfs_printk_level(mp, LogLevel::emerg, text); }

void xfs_do_force_shutdown(xfs_mount& mp, u32 flags, std::string_view caller, std::string_view file) {
    if (mp.m_shutdown) return;   // only the first shutdown is processed and logged
    mp.m_shutdown = true;
    if (flags & SHUTDOWN_FORCE_UMOUNT) xfs_alert(mp, "User initiated shutdown received.");
    const char* why = "Metadata I/O Error";
    if (flags & SHUTDOWN_LOG_IO_ERROR)
        why = "Log I/O Error";
    else if (flags & SHUTDOWN_CORRUPT_INCORE)
        why = "Corruption of in-memory data";
    else if (flags & SHUTDOWN_CORRUPT_ONDISK)
        why = "Corruption of on-disk metadata";
    else if (flags & SHUTDOWN_DEVICE_REMOVED)
        why = "Block device removal";
    xfs_alert(mp, fmt::format("{} (0x{:x}) detected at {} ({}).  Shutting down filesystem.", why, flags, caller, file));
    xfs_alert(mp, "Please unmount the filesystem and rectify the problem(s)");
}

} // namespace daxsim::kernel
