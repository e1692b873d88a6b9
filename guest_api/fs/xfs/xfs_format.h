// On-disk XFS shapes (fs/xfs/libxfs/xfs_format.h, xfs_types.h, xfs_rmap.h): block and AG numbering, the
// rmap owners and flags, and the in-core records of the bmap, rmap and refcount btrees. daxsim keeps the
// btrees as ordered host containers; each btree still has a root block on the media (xfs_mkfs.cpp).
#pragma once

#include <cstdint>
#include <string_view>

#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

using xfs_agnumber_t = u32;
using xfs_agblock_t = u32;   // block inside an AG
using xfs_extlen_t = u32;
using xfs_fsblock_t = u64;   // (agno << sb_agblklog) | agbno, as XFS encodes it
using xfs_fileoff_t = u64;   // block offset inside a file
using xfs_ino_t = u64;
using xfs_daddr_t = u64;     // 512-byte sectors from the start of the block device

inline constexpr xfs_fsblock_t NULLFSBLOCK = ~xfs_fsblock_t{0};

// Magic numbers of the metadata blocks mkfs writes (xfs_format.h).
inline constexpr u32 XFS_SB_MAGIC = 0x58465342;        // "XFSB"
inline constexpr u32 XFS_AGF_MAGIC = 0x58414746;       // "XAGF"
inline constexpr u32 XFS_AGI_MAGIC = 0x58414749;       // "XAGI"
inline constexpr u32 XFS_AGFL_MAGIC = 0x5841464c;      // "XAFL"
inline constexpr u32 XFS_ABTB_CRC_MAGIC = 0x41423342;  // "AB3B" bnobt
inline constexpr u32 XFS_ABTC_CRC_MAGIC = 0x41423343;  // "AB3C" cntbt
inline constexpr u32 XFS_IBT_CRC_MAGIC = 0x49414233;   // "IAB3" inobt
inline constexpr u32 XFS_FIBT_CRC_MAGIC = 0x46494233;  // "FIB3" finobt
inline constexpr u32 XFS_RMAP_CRC_MAGIC = 0x524d4233;  // "RMB3"
inline constexpr u32 XFS_REFC_CRC_MAGIC = 0x52334643;  // "R3FC"
inline constexpr u32 XFS_DINODE_MAGIC = 0x494e;        // "IN"
inline constexpr u32 XLOG_HEADER_MAGIC_NUM = 0xFEEDbabe;

// Special rmap owners (xfs_format.h XFS_RMAP_OWN_*): negative numbers, top bit set.
inline constexpr u64 XFS_RMAP_OWN_NULL = static_cast<u64>(-1);
inline constexpr u64 XFS_RMAP_OWN_UNKNOWN = static_cast<u64>(-2);
inline constexpr u64 XFS_RMAP_OWN_FS = static_cast<u64>(-3);     // static fs metadata (sb, agf, agi, agfl)
inline constexpr u64 XFS_RMAP_OWN_LOG = static_cast<u64>(-4);    // the internal log
inline constexpr u64 XFS_RMAP_OWN_AG = static_cast<u64>(-5);     // free space btrees, rmapbt, agfl blocks
inline constexpr u64 XFS_RMAP_OWN_INOBT = static_cast<u64>(-6);  // inobt and finobt blocks
inline constexpr u64 XFS_RMAP_OWN_INODES = static_cast<u64>(-7); // inode chunks
inline constexpr u64 XFS_RMAP_OWN_REFC = static_cast<u64>(-8);   // refcount btree blocks
inline constexpr u64 XFS_RMAP_OWN_COW = static_cast<u64>(-9);    // CoW staging extents
[[nodiscard]] inline constexpr bool XFS_RMAP_NON_INODE_OWNER(u64 owner) { return (owner & (u64{1} << 63)) != 0; }

// rm_flags (xfs_rmap_irec)
inline constexpr unsigned XFS_RMAP_ATTR_FORK = 1u << 0;
inline constexpr unsigned XFS_RMAP_BMBT_BLOCK = 1u << 1;
inline constexpr unsigned XFS_RMAP_UNWRITTEN = 1u << 2;

// One reverse mapping: [rm_startblock, +rm_blockcount) of an AG belongs to rm_owner at file block rm_offset.
struct xfs_rmap_irec {
    xfs_agblock_t rm_startblock = 0;
    xfs_extlen_t rm_blockcount = 0;
    u64 rm_owner = 0;
    u64 rm_offset = 0;
    unsigned rm_flags = 0;
};

// One refcount record: blocks shared rc_refcount times (>= 2), or a CoW staging extent (refcount 1).
struct xfs_refcount_irec {
    xfs_agblock_t rc_startblock = 0;
    xfs_extlen_t rc_blockcount = 0;
    u32 rc_refcount = 0;
};

// One file mapping (xfs_bmbt_irec): file blocks [br_startoff, +br_blockcount) at br_startblock.
struct xfs_bmbt_irec {
    xfs_fileoff_t br_startoff = 0;
    xfs_fsblock_t br_startblock = NULLFSBLOCK;   // NULLFSBLOCK: a hole (xfs_bmapi_read reports holes)
    u64 br_blockcount = 0;
    bool br_unwritten = false;                   // XFS_EXT_UNWRITTEN: allocated, reads as zeros

    [[nodiscard]] bool is_hole() const { return br_startblock == NULLFSBLOCK; }
    [[nodiscard]] xfs_fileoff_t end() const { return br_startoff + br_blockcount; }
};

// The metadata kinds `inject poison --fs DIR --meta KIND` names.
enum class xfs_meta_kind { sb, agf, agi, agfl, bnobt, cntbt, inobt, finobt, rmapbt, refcountbt, inode, log };
[[nodiscard]] bool xfs_meta_kind_from_name(std::string_view name, xfs_meta_kind* out);

} // namespace daxsim::kernel
