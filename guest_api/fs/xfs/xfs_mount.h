// The XFS file system image (superblock geometry, per-AG btrees, inodes) and the mounted instance
// (xfs_mount), with the block-number conversions of fs/xfs/libxfs/xfs_format.h and xfs_mount.h.
//
// Metadata lives in host structures that survive umount (struct xfs_disk, kept by the Vfs per block
// device); each metadata block also has a place on the media, written with memcpy_flushcache when it
// changes. Metadata reads are served from the buffer cache (DRAM) and cost only CPU time (cost model).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "guest_api/fs/fs.h"
#include "guest_api/fs/vfs.h"
#include "guest_api/fs/xfs/xfs_format.h"
#include "guest_api/kernel/printk.h"

namespace daxsim::kernel {

class Kernel;
struct block_device;

// Superblock geometry and features (struct xfs_sb, the fields daxsim uses).
struct xfs_sb {
    u32 sb_blocksize = 4096;
    unsigned sb_blocklog = 12;
    u64 sb_dblocks = 0;            // data blocks in the file system
    xfs_agblock_t sb_agblocks = 0; // blocks per AG (the last AG may be shorter)
    xfs_agnumber_t sb_agcount = 0;
    unsigned sb_agblklog = 0;      // log2(sb_agblocks) rounded up: the AG field of an xfs_fsblock_t
    unsigned sb_inodesize = 512;
    unsigned sb_inopblog = 3;      // log2(inodes per block)
    xfs_fsblock_t sb_logstart = 0; // internal log; 0: the log is on an external device (mkfs -l logdev=)
    xfs_extlen_t sb_logblocks = 0;
    xfs_extlen_t sb_unit = 0;  // stripe unit in blocks (mkfs -d su=), 0: none
    xfs_extlen_t sb_width = 0; // stripe width in blocks (su * sw)
    xfs_ino_t sb_rootino = 0;
    bool has_reflink = false;
    bool has_rmapbt = false;
    std::string uuid;
};

// Fixed AG header and btree root block numbers, as mkfs lays them out with 4 KiB blocks and 512 B
// sectors (libxfs XFS_AGFL_BLOCK .. XFS_REFC_BLOCK): sb/agf/agi/agfl share block 0 (sectors 0..3).
inline constexpr xfs_agblock_t XFS_SB_BLOCK = 0;
inline constexpr xfs_agblock_t XFS_BNO_BLOCK = 1;
inline constexpr xfs_agblock_t XFS_CNT_BLOCK = 2;
inline constexpr xfs_agblock_t XFS_IBT_BLOCK = 3;
inline constexpr xfs_agblock_t XFS_FIBT_BLOCK = 4;
inline constexpr xfs_agblock_t XFS_RMAP_BLOCK = 5;
inline constexpr xfs_agblock_t XFS_REFC_BLOCK = 6;
inline constexpr xfs_agblock_t XFS_AGFL_RESERVE_START = 7;   // blocks mkfs puts on the AGFL
inline constexpr xfs_extlen_t XFS_AGFL_RESERVE_BLOCKS = 4;
inline constexpr xfs_agblock_t XFS_FIRST_INO_BLOCK = 16;     // root inode chunk in AG 0 (root ino 128)
inline constexpr unsigned XFS_INODES_PER_CHUNK = 64;

using xfs_rmap_key = std::tuple<xfs_agblock_t, u64, u64, unsigned>;   // startblock, owner, offset, flags

// Per-AG state (struct xfs_perag plus the btrees under its AGF).
struct xfs_perag {
    xfs_agnumber_t pag_agno = 0;
    xfs_agblock_t pag_blocks = 0;                           // blocks in this AG
    std::map<xfs_agblock_t, xfs_extlen_t> bno;              // free space by start (bnobt; cntbt is derived)
    std::map<xfs_rmap_key, xfs_rmap_irec> rmap;             // rmapbt (overlapping records for shared blocks)
    // Longest rmap record this AG ever held: a record covering block b starts in [b - rmap_maxlen, b],
    // so lookups start there instead of at the first record (the kernel's overlapping btree keeps the
    // high key of each subtree for the same purpose). Only grows.
    xfs_extlen_t rmap_maxlen = 0;
    std::map<xfs_agblock_t, xfs_refcount_irec> refc;        // refcountbt, shared domain (refcount >= 2)
    std::map<xfs_agblock_t, xfs_refcount_irec> refc_cow;    // refcountbt, CoW staging domain
    [[nodiscard]] u64 freeblks() const;
};

struct xfs_mount;

// One extended attribute of an inode (an entry of the shortform area or of the attr leaf block).
// XFS keeps the name without its namespace prefix and the namespace in the entry's flags; daxsim keys
// the map by the full name ("user.foo").
struct xfs_attr_ent {
    std::string value;           // the value as the buffer cache holds it (local entries)
    bool remote = false;         // value in remote blocks of the attr fork (too big for the leaf)
    xfs_fileoff_t rmt_blkno = 0; // first attr fork block of the remote value
    u32 rmt_blkcnt = 0;
};

// Attribute fork formats (di_aformat): none, in the inode (XFS_DINODE_FMT_LOCAL, "shortform"), or a
// leaf block at attr fork block 0 (XFS_DINODE_FMT_EXTENTS).
enum class xfs_attr_format { none, local, leaf };

// The in-core inode (struct xfs_inode): the VFS inode plus the data fork and the CoW fork.
struct xfs_inode : inode {
    std::map<xfs_fileoff_t, xfs_bmbt_irec> i_df;     // data fork by br_startoff
    std::map<xfs_fileoff_t, xfs_bmbt_irec> i_cowfp;  // CoW fork (staging extents), in-core only
    // Leaf blocks of the data fork's bmap btree: empty while the extents fit in the inode's literal area
    // (XFS_DINODE_FMT_EXTENTS); owned by the inode in the rmapbt with XFS_RMAP_BMBT_BLOCK.
    std::vector<xfs_fsblock_t> i_bmbt_blocks;
    // Attribute fork: the attributes, the fork's format, and its block mappings (leaf block at 0, remote
    // value blocks after it), owned in the rmapbt by the inode with XFS_RMAP_ATTR_FORK.
    std::map<std::string, xfs_attr_ent> i_attrs;
    xfs_attr_format i_aformat = xfs_attr_format::none;
    std::map<xfs_fileoff_t, xfs_bmbt_irec> i_af;
    xfs_extlen_t i_extsize = 0; // extent size hint in blocks (XFS_DIFLAG_EXTSIZE), 0: none
    unsigned i_nlink = 1;
    xfs_mount* i_mount = nullptr;
};

// Everything mkfs wrote and later operations changed: the file system as it is "on disk".
struct xfs_disk {
    xfs_sb sb;
    std::vector<xfs_perag> ags;
    std::map<xfs_ino_t, std::shared_ptr<xfs_inode>> inodes;   // allocated inodes
    std::set<xfs_ino_t> free_inodes;                          // free slots of allocated chunks
    std::map<std::string, xfs_ino_t> root_dir;                // the root directory's entries
    std::vector<std::shared_ptr<xfs_inode>> orphans;          // unlinked but still open or mapped
    std::string bdev_name;
    std::string logdev_name; // external log device mkfs wrote (-l logdev=), empty: internal log
};

// Shutdown reasons (xfs_mount.h SHUTDOWN_*).
inline constexpr u32 SHUTDOWN_META_IO_ERROR = 1u << 0;
inline constexpr u32 SHUTDOWN_LOG_IO_ERROR = 1u << 1;
inline constexpr u32 SHUTDOWN_FORCE_UMOUNT = 1u << 2;
inline constexpr u32 SHUTDOWN_CORRUPT_INCORE = 1u << 3;
inline constexpr u32 SHUTDOWN_CORRUPT_ONDISK = 1u << 4;
inline constexpr u32 SHUTDOWN_DEVICE_REMOVED = 1u << 5;

// A mounted XFS (struct xfs_mount; its super_block part is what the VFS holds).
struct xfs_mount : vfs_super {
    xfs_disk* m_disk = nullptr;
    bool m_shutdown = false;     // XFS_OPSTATE_SHUTDOWN
    bool m_frozen = false;       // freeze_super(FREEZE_HOLDER_KERNEL) during MF_MEM_PRE_REMOVE
    // External log device (m_logdev_targp when it is not m_ddev_targp): its block device and its
    // dax_device, whose holder is this mount too (xfs_open_devices, xfs_alloc_buftarg). Null: internal.
    block_device* m_logdev = nullptr;
    dax_device* m_logdev_dax = nullptr;
    u64 m_logdev_part_off = 0;
    [[nodiscard]] Kernel& k() const { return *s_kernel; }
    [[nodiscard]] const xfs_sb& sb() const { return m_disk->sb; }
    [[nodiscard]] xfs_perag& pag(xfs_agnumber_t agno) const { return m_disk->ags.at(agno); }
};

[[nodiscard]] inline xfs_mount& XFS_M(super_block* sb) { return *static_cast<xfs_mount*>(sb); }
[[nodiscard]] inline xfs_inode& XFS_I(inode& ino) { return static_cast<xfs_inode&>(ino); }
[[nodiscard]] inline bool xfs_is_shutdown(const xfs_mount& mp) { return mp.m_shutdown; }

// --- block number conversions ----------------------------------------------------------------------
[[nodiscard]] inline xfs_agnumber_t XFS_FSB_TO_AGNO(const xfs_sb& sb, xfs_fsblock_t fsb) {
    return static_cast<xfs_agnumber_t>(fsb >> sb.sb_agblklog);
}
[[nodiscard]] inline xfs_agblock_t XFS_FSB_TO_AGBNO(const xfs_sb& sb, xfs_fsblock_t fsb) {
    return static_cast<xfs_agblock_t>(fsb & ((u64{1} << sb.sb_agblklog) - 1));
}
[[nodiscard]] inline xfs_fsblock_t XFS_AGB_TO_FSB(const xfs_sb& sb, xfs_agnumber_t agno, xfs_agblock_t agbno) {
    return (xfs_fsblock_t{agno} << sb.sb_agblklog) | agbno;
}
// Linear block number on the device (what a daddr counts, in blocks).
[[nodiscard]] inline u64 xfs_fsb_to_dblock(const xfs_sb& sb, xfs_fsblock_t fsb) {
    return u64{XFS_FSB_TO_AGNO(sb, fsb)} * sb.sb_agblocks + XFS_FSB_TO_AGBNO(sb, fsb);
}
[[nodiscard]] inline xfs_fsblock_t xfs_dblock_to_fsb(const xfs_sb& sb, u64 dblock) {
    return XFS_AGB_TO_FSB(sb, static_cast<xfs_agnumber_t>(dblock / sb.sb_agblocks),
                          static_cast<xfs_agblock_t>(dblock % sb.sb_agblocks));
}
[[nodiscard]] inline u64 XFS_FSB_TO_B(const xfs_sb& sb, u64 fsbs) { return fsbs << sb.sb_blocklog; }
[[nodiscard]] inline u64 XFS_B_TO_FSBT(const xfs_sb& sb, u64 bytes) { return bytes >> sb.sb_blocklog; }
[[nodiscard]] inline u64 XFS_B_TO_FSB(const xfs_sb& sb, u64 bytes) {
    return (bytes + sb.sb_blocksize - 1) >> sb.sb_blocklog;
}
// Byte offset of an fs block on the block device.
[[nodiscard]] inline u64 xfs_fsb_to_bdev_bytes(const xfs_sb& sb, xfs_fsblock_t fsb) {
    return xfs_fsb_to_dblock(sb, fsb) << sb.sb_blocklog;
}
// Inode numbers: (agno, agbno, slot) packed as XFS_AGINO_TO_INO does.
[[nodiscard]] inline xfs_ino_t XFS_AGB_TO_INO(const xfs_sb& sb, xfs_agnumber_t agno, xfs_agblock_t agbno, unsigned slot) {
    return (xfs_ino_t{agno} << (sb.sb_agblklog + sb.sb_inopblog)) | (xfs_ino_t{agbno} << sb.sb_inopblog) | slot;
}
[[nodiscard]] inline xfs_fsblock_t XFS_INO_TO_FSB(const xfs_sb& sb, xfs_ino_t ino) { return ino >> sb.sb_inopblog; }

// --- cost model helpers ----------------------------------------------------------------------------
// Levels of a btree holding n records (log2 of the records, at least one).
[[nodiscard]] unsigned xfs_btree_levels(std::size_t nrecs);
// Charges a btree lookup/update: one btree_level per level plus btree_record per record touched.
void xfs_btree_charge(Kernel& k, std::size_t nrecs, std::size_t records_touched);

// --- metadata on the media -------------------------------------------------------------------------
// Writes `data` at byte `offset` of fs block `fsb` through the block device's dax_device
// (memcpy_flushcache + pmem_wmb), as metadata writeback does. Works before mount (mkfs).
void xfs_meta_write(Kernel& k, block_device& bdev, const xfs_sb& sb, xfs_fsblock_t fsb, u64 offset,
                    std::span<const std::byte> data);
// Rewrites the 64-byte header of a btree root block (magic, level, numrecs): a btree update reaching
// the media.
void xfs_btree_touch(xfs_mount& mp, xfs_agnumber_t agno, xfs_agblock_t root, u32 magic, std::size_t nrecs);
// Where a metadata kind lives: fs block and byte offset inside it; false when this AG has none.
bool xfs_meta_location(const xfs_sb& sb, xfs_meta_kind kind, xfs_agnumber_t agno, xfs_fsblock_t* fsb, u64* offset);

// xfs_fsops.c xfs_do_force_shutdown: shuts the file system down once, printing the kernel's lines.
// `caller` and `file` stand where the kernel prints %pS and __FILE__ (no offsets or line numbers).
void xfs_do_force_shutdown(xfs_mount& mp, u32 flags, std::string_view caller, std::string_view file);

// "XFS (pmem0): " + text (xfs_message.c), one function per level as the kernel has them.
void xfs_printk_level(xfs_mount& mp, LogLevel level, const std::string& text);
void xfs_alert(xfs_mount& mp, const std::string& text);
void xfs_err(xfs_mount& mp, const std::string& text);
void xfs_warn(xfs_mount& mp, const std::string& text);
void xfs_info(xfs_mount& mp, const std::string& text);
void xfs_notice(xfs_mount& mp, const std::string& text);
void xfs_debug(xfs_mount& mp, const std::string& text);
void xfs_emerg(xfs_mount& mp, const std::string& text);

} // namespace daxsim::kernel
