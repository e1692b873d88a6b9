// Extended attributes of an XFS inode (xfs_attr.h): shortform in the inode, one leaf block, remote
// value blocks; every attr fork block allocated from the AG and recorded in the rmapbt with
// XFS_RMAP_ATTR_FORK; names and values written where XFS puts them on the media.
#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xfs/xfs_attr.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "guest_api/arch/copy_mc.h"
#include "guest_api/block/blkdev.h"
#include "guest_api/drivers/dax/dax.h"
#include "guest_api/fs/xfs/xfs_alloc.h"
#include "guest_api/fs/xfs/xfs_bmap.h"
#include "guest_api/fs/xfs/xfs_inode.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

using attr_map = std::map<std::string, xfs_attr_ent>;

void put_be(std::byte* p, u64 v, int bytes) {
    for (int i = 0; i < bytes; ++i)
        p[i] = std::byte(v >> (8 * (bytes - 1 - i)));
}

constexpr u64 round_up(u64 v, u64 to) {
    return (v + to - 1) / to * to;
}

// The name as XFS stores it: without the namespace prefix (the namespace is a flag of the entry).
std::string ondisk_name(const std::string& name) {
    const std::size_t dot = name.find('.');
    return dot == std::string::npos ? name : name.substr(dot + 1);
}

// Bytes the data fork takes in the literal area (extent records, 16 bytes each, at least one).
u64 dfork_bytes(const xfs_inode& ip) {
    return round_up(16 * std::max<std::size_t>(1, ip.i_df.size()), 8);
}

// xfs_attr_sf_hdr (4 bytes) + xfs_attr_sf_entry (namelen, valuelen, flags, name, value) per attribute.
u64 sf_size(const attr_map& attrs) {
    u64 size = 4;
    for (const auto& [name, e] : attrs)
        size += 3 + ondisk_name(name).size() + e.value.size();
    return size;
}

// xfs_attr_shortform_allfit: every entry small enough (XFS_ATTR_SF_ENTSIZE_MAX) and all of them in the
// literal area after the data fork.
bool sf_fits(const xfs_inode& ip, const attr_map& attrs) {
    for (const auto& [name, e] : attrs)
        if (ondisk_name(name).size() >= 0xff || e.value.size() >= 0xff) return false;
    return sf_size(attrs) <= XFS_LITINO_V3 - dfork_bytes(ip);
}

// xfs_attr_leaf_entsize_local / _remote / _local_max.
u64 entsize_local(u64 nlen, u64 vlen) {
    return round_up(3 + nlen + vlen, 4);
}
u64 entsize_remote(u64 nlen) {
    return round_up(9 + nlen, 4);
}
bool leaf_local(const xfs_sb& sb, u64 nlen, u64 vlen) {
    return entsize_local(nlen, vlen) < (sb.sb_blocksize >> 1) + (sb.sb_blocksize >> 2);
}
u32 rmt_blocks(const xfs_sb& sb, u64 vlen) {
    const u64 per = sb.sb_blocksize - XFS_ATTR3_RMT_HDR_SIZE;
    return static_cast<u32>((vlen + per - 1) / per);
}

// Bytes of the leaf block the attributes need: header, entry table, names and local values.
u64 leaf_bytes(const xfs_sb& sb, const attr_map& attrs) {
    u64 used = XFS_ATTR3_LEAF_HDR_SIZE;
    for (const auto& [name, e] : attrs) {
        const u64 nlen = ondisk_name(name).size();
        used += 8 + (leaf_local(sb, nlen, e.value.size()) ? entsize_local(nlen, e.value.size())
                                                          : entsize_remote(nlen));
    }
    return used;
}

xfs_fsblock_t af_block(const xfs_inode& ip, xfs_fileoff_t dablk) {
    const auto it = ip.i_af.upper_bound(dablk);
    if (it == ip.i_af.begin()) return NULLFSBLOCK;
    const xfs_bmbt_irec& e = std::prev(it)->second;
    if (e.end() <= dablk) return NULLFSBLOCK;
    return e.br_startblock + (dablk - e.br_startoff);
}

// Frees attr fork blocks [off, off+len): the mappings, the rmap records and the space.
void af_unmap(xfs_mount& mp, xfs_inode& ip, xfs_fileoff_t off, u64 len) {
    for (const xfs_bmbt_irec& piece : xfs_iext_remove_range(ip.i_af, off, len))
        if (!piece.is_hole())
            xfs_free_extent(mp, piece.br_startblock, static_cast<xfs_extlen_t>(piece.br_blockcount), ip.i_ino,
                            piece.br_startoff, XFS_RMAP_ATTR_FORK);
}

// Maps attr fork blocks [off, off+len) with new blocks near the inode (xfs_bmapi_write on the attr fork).
int af_alloc(xfs_mount& mp, xfs_inode& ip, xfs_fileoff_t off, u32 len) {
    const xfs_sb& sb = mp.sb();
    for (u32 done = 0; done < len;) {
        xfs_alloc_arg args;
        args.goal = XFS_INO_TO_FSB(sb, ip.i_ino);
        if (!ip.i_af.empty()) {
            const xfs_bmbt_irec& last = std::prev(ip.i_af.end())->second;
            args.goal = last.br_startblock + last.br_blockcount;
        }
        args.minlen = 1;
        args.maxlen = len - done;
        args.owner = ip.i_ino;
        args.offset = off + done;
        args.rm_flags = XFS_RMAP_ATTR_FORK;
        if (const int err = xfs_alloc_vextent(mp, args); err != 0) {
            af_unmap(mp, ip, off, done);
            return err;
        }
        xfs_iext_insert(ip.i_af, xfs_bmbt_irec{off + done, args.fsbno, args.len, false});
        done += args.len;
    }
    xfs_btree_charge(mp.k(), ip.i_af.size(), 1);
    return 0;
}

// xfs_attr_rmt_find_hole: the first attr fork block after the leaf where `count` blocks are unmapped.
xfs_fileoff_t rmt_find_hole(const xfs_inode& ip, u32 count) {
    xfs_fileoff_t at = 1;
    for (const auto& [off, e] : ip.i_af) {
        if (e.end() <= at) continue;
        if (off >= at + count) break;
        at = e.end();
    }
    return at;
}

void write_shortform(xfs_mount& mp, xfs_inode& ip) {
    const xfs_sb& sb = mp.sb();
    std::vector<std::byte> sf(sf_size(ip.i_attrs));
    put_be(sf.data(), sf.size(), 2);
    sf[2] = std::byte(ip.i_attrs.size());
    std::size_t at = 4;
    for (const auto& [name, e] : ip.i_attrs) {
        const std::string n = ondisk_name(name);
        sf[at] = std::byte(n.size());
        sf[at + 1] = std::byte(e.value.size());
        sf[at + 2] = std::byte{0}; // user namespace: no XFS_ATTR_ROOT / XFS_ATTR_SECURE
        std::transform(n.begin(), n.end(), sf.begin() + static_cast<long>(at + 3),
                       [](char c) { return std::byte(c); });
        std::transform(e.value.begin(), e.value.end(), sf.begin() + static_cast<long>(at + 3 + n.size()),
                       [](char c) { return std::byte(c); });
        at += 3 + n.size() + e.value.size();
    }
    const u64 slot = ip.i_ino & ((u64{1} << sb.sb_inopblog) - 1);
    xfs_meta_write(mp.k(), *mp.s_bdev, sb, XFS_INO_TO_FSB(sb, ip.i_ino),
                   slot * sb.sb_inodesize + (sb.sb_inodesize - XFS_LITINO_V3) + dfork_bytes(ip), sf);
}

// The leaf block: xfs_da3_blkinfo (magic at byte 8, owner at 48), count and usedbytes, the entry table
// after the 80-byte header, names and local values packed down from the end of the block.
void write_leaf(xfs_mount& mp, xfs_inode& ip) {
    const xfs_sb& sb = mp.sb();
    std::vector<std::byte> blk(sb.sb_blocksize);
    put_be(blk.data() + 8, XFS_ATTR3_LEAF_MAGIC, 2);
    put_be(blk.data() + 48, ip.i_ino, 8);
    put_be(blk.data() + 56, ip.i_attrs.size(), 2);
    std::size_t top = blk.size();
    std::size_t idx = 0;
    for (const auto& [name, e] : ip.i_attrs) {
        const std::string n = ondisk_name(name);
        std::byte* ent = blk.data() + XFS_ATTR3_LEAF_HDR_SIZE + 8 * idx++;
        std::vector<std::byte> nv;
        if (!e.remote) {
            nv.resize(entsize_local(n.size(), e.value.size()));
            put_be(nv.data(), e.value.size(), 2);
            nv[2] = std::byte(n.size());
            std::transform(n.begin(), n.end(), nv.begin() + 3, [](char c) { return std::byte(c); });
            std::transform(e.value.begin(), e.value.end(), nv.begin() + 3 + static_cast<long>(n.size()),
                           [](char c) { return std::byte(c); });
        } else {
            nv.resize(entsize_remote(n.size()));
            put_be(nv.data(), e.rmt_blkno, 4);
            put_be(nv.data() + 4, e.value.size(), 4);
            nv[8] = std::byte(n.size());
            std::transform(n.begin(), n.end(), nv.begin() + 9, [](char c) { return std::byte(c); });
        }
        top -= nv.size();
        std::copy(nv.begin(), nv.end(), blk.begin() + static_cast<long>(top));
        put_be(ent + 4, top, 2);              // nameidx
        ent[6] = std::byte(e.remote ? 0 : 1); // XFS_ATTR_LOCAL
    }
    put_be(blk.data() + 58, blk.size() - top, 2); // usedbytes
    xfs_meta_write(mp.k(), *mp.s_bdev, sb, af_block(ip, 0), 0, blk);
}

// xfs_attr_rmtval_set: each remote block gets its header and its part of the value.
void write_remote(xfs_mount& mp, const xfs_inode& ip, const xfs_attr_ent& e) {
    const xfs_sb& sb = mp.sb();
    const u64 per = sb.sb_blocksize - XFS_ATTR3_RMT_HDR_SIZE;
    for (u32 i = 0; i < e.rmt_blkcnt; ++i) {
        const u64 from = i * per;
        const u64 n = std::min<u64>(per, e.value.size() - from);
        std::vector<std::byte> blk(XFS_ATTR3_RMT_HDR_SIZE + n);
        const xfs_fsblock_t fsb = af_block(ip, e.rmt_blkno + i);
        put_be(blk.data(), XFS_ATTR3_RMT_MAGIC, 4);
        put_be(blk.data() + 4, from, 4);      // rm_offset
        put_be(blk.data() + 8, n, 4);         // rm_bytes
        put_be(blk.data() + 32, ip.i_ino, 8); // rm_owner
        put_be(blk.data() + 40, xfs_fsb_to_dblock(sb, fsb) << (sb.sb_blocklog - SECTOR_SHIFT), 8);
        std::transform(e.value.begin() + static_cast<long>(from),
                       e.value.begin() + static_cast<long>(from + n), blk.begin() + XFS_ATTR3_RMT_HDR_SIZE,
                       [](char c) { return std::byte(c); });
        xfs_meta_write(mp.k(), *mp.s_bdev, sb, fsb, 0, blk);
    }
}

// xfs_attr_rmtval_get: reads the value back from the remote blocks on the media, machine-check safe.
int read_remote(xfs_mount& mp, const xfs_inode& ip, const xfs_attr_ent& e, std::string* out) {
    Kernel& k = mp.k();
    const xfs_sb& sb = mp.sb();
    const u64 per = sb.sb_blocksize - XFS_ATTR3_RMT_HDR_SIZE;
    out->clear();
    for (u32 i = 0; i < e.rmt_blkcnt; ++i) {
        const xfs_fsblock_t fsb = af_block(ip, e.rmt_blkno + i);
        const u64 n = std::min<u64>(per, e.value.size() - i * per);
        const u64 dev = mp.s_bdev->dax_offset + xfs_fsb_to_bdev_bytes(sb, fsb) + XFS_ATTR3_RMT_HDR_SIZE;
        u64 pfn = 0;
        std::vector<std::byte> buf(n);
        const long pages = fsb == NULLFSBLOCK ? -EIO
                                              : dax_direct_access(k, mp.s_bdev->dax_dev, dev >> PAGE_SHIFT, 1,
                                                                  dax_access_mode::DAX_ACCESS, &pfn);
        if (pages <= 0 || copy_mc_to_kernel(k, buf, PFN_PHYS(pfn) + (dev & (PAGE_SIZE - 1))) != 0) {
            // xfs_buf_ioerror_alert: the remote buffer's read failed (-EIO).
            xfs_alert(
                mp, fmt::format("metadata I/O error in \"xfs_attr_rmtval_get\" at daddr {:#x} len {} error 5",
                                xfs_fsb_to_dblock(sb, fsb) << (sb.sb_blocklog - SECTOR_SHIFT),
                                sb.sb_blocksize >> SECTOR_SHIFT));
            return -EIO;
        }
        for (const std::byte b : buf)
            out->push_back(static_cast<char>(b));
    }
    return 0;
}

// Puts the attr fork in the shape `attrs` needs and writes it. `changed` names the attribute whose
// value is new (its remote blocks are reallocated); the others keep theirs.
int xfs_attr_commit(xfs_mount& mp, xfs_inode& ip, attr_map attrs, const std::string& changed, bool removing) {
    const xfs_sb& sb = mp.sb();
    xfs_attr_format format = xfs_attr_format::leaf;
    if (attrs.empty())
        format = xfs_attr_format::none;
    else if ((ip.i_aformat != xfs_attr_format::leaf || removing) && sf_fits(ip, attrs))
        format = xfs_attr_format::local;
    if (format == xfs_attr_format::leaf && leaf_bytes(sb, attrs) > sb.sb_blocksize)
        return -ENOSPC; // would need a second leaf (node format): not modelled
    // Remote blocks of a replaced or removed value (xfs_attr_rmtval_remove): freed once the new shape
    // is in place, so that a failed allocation leaves the old value readable.
    const auto old = ip.i_attrs.find(changed);
    const bool old_remote = old != ip.i_attrs.end() && old->second.remote;
    const xfs_fileoff_t old_blkno = old_remote ? old->second.rmt_blkno : 0;
    const u32 old_blkcnt = old_remote ? old->second.rmt_blkcnt : 0;
    if (format != xfs_attr_format::leaf) {
        // Back into the inode (xfs_attr_leaf_to_shortform) or no fork at all (xfs_attr_fork_remove).
        af_unmap(mp, ip, 0, ~u64{0} >> 1);
        for (auto& [name, e] : attrs)
            e.remote = false, e.rmt_blkno = 0, e.rmt_blkcnt = 0;
        ip.i_attrs = std::move(attrs);
        ip.i_aformat = format;
        if (format == xfs_attr_format::local) write_shortform(mp, ip);
        xfs_trans_log_inode(mp, ip);
        return 0;
    }
    // Leaf format (xfs_attr_shortform_to_leaf on the first conversion): the leaf block at attr block 0.
    const bool new_leaf = af_block(ip, 0) == NULLFSBLOCK;
    if (new_leaf)
        if (const int err = af_alloc(mp, ip, 0, 1); err != 0) return err;
    for (auto& [name, e] : attrs) {
        const u64 nlen = ondisk_name(name).size();
        const bool remote = !leaf_local(sb, nlen, e.value.size());
        const auto prev = ip.i_attrs.find(name);
        const bool keep = name != changed && prev != ip.i_attrs.end() && prev->second.remote == remote;
        if (keep) {
            e.remote = prev->second.remote;
            e.rmt_blkno = prev->second.rmt_blkno;
            e.rmt_blkcnt = prev->second.rmt_blkcnt;
            continue;
        }
        e.remote = remote;
        e.rmt_blkno = 0;
        e.rmt_blkcnt = 0;
        if (!remote) continue;
        e.rmt_blkcnt = rmt_blocks(sb, e.value.size());
        e.rmt_blkno = rmt_find_hole(ip, e.rmt_blkcnt);
        if (const int err = af_alloc(mp, ip, e.rmt_blkno, e.rmt_blkcnt); err != 0) {
            if (new_leaf) af_unmap(mp, ip, 0, 1); // back to the shape before the call
            return err;
        }
        write_remote(mp, ip, e);
    }
    if (old_remote) af_unmap(mp, ip, old_blkno, old_blkcnt);
    ip.i_attrs = std::move(attrs);
    ip.i_aformat = format;
    write_leaf(mp, ip);
    xfs_trans_log_inode(mp, ip);
    return 0;
}

} // namespace

int xfs_attr_set(xfs_mount& mp, xfs_inode& ip, const std::string& name, std::span<const std::byte> value,
                 int flags) {
    if (xfs_is_shutdown(mp)) return -EIO;
    if (mp.s_readonly) return -EROFS;
    const bool exists = ip.i_attrs.contains(name);
    if ((flags & XATTR_CREATE) && exists) return -EEXIST;
    if ((flags & XATTR_REPLACE) && !exists) return -ENODATA;
    mp.k().cpu_work(mp.k().config().cost.alloc_ns);
    attr_map next = ip.i_attrs;
    xfs_attr_ent& e = next[name];
    e.value.assign(reinterpret_cast<const char*>(value.data()), value.size());
    return xfs_attr_commit(mp, ip, std::move(next), name, false);
}

int xfs_attr_get(xfs_mount& mp, xfs_inode& ip, const std::string& name, std::string* value) {
    if (xfs_is_shutdown(mp)) return -EIO;
    const auto it = ip.i_attrs.find(name);
    xfs_btree_charge(mp.k(), ip.i_attrs.size(), 1);
    if (it == ip.i_attrs.end()) return -ENODATA;
    if (!it->second.remote) {
        *value = it->second.value; // shortform: the in-core fork; leaf: the buffer cache
        return 0;
    }
    return read_remote(mp, ip, it->second, value);
}

int xfs_attr_remove(xfs_mount& mp, xfs_inode& ip, const std::string& name) {
    if (xfs_is_shutdown(mp)) return -EIO;
    if (mp.s_readonly) return -EROFS;
    if (!ip.i_attrs.contains(name)) return -ENODATA;
    attr_map next = ip.i_attrs;
    next.erase(name);
    return xfs_attr_commit(mp, ip, std::move(next), name, true);
}

void xfs_attr_inactive(xfs_mount& mp, xfs_inode& ip) {
    af_unmap(mp, ip, 0, ~u64{0} >> 1);
    ip.i_attrs.clear();
    ip.i_aformat = xfs_attr_format::none;
}

std::optional<u64> xfs_attr_offset_to_dax(const xfs_inode& ip, u64 offset) {
    if (!ip.i_mount) return std::nullopt;
    const xfs_sb& sb = ip.i_mount->sb();
    const xfs_fsblock_t fsb = af_block(ip, XFS_B_TO_FSBT(sb, offset));
    if (fsb == NULLFSBLOCK) return std::nullopt;
    return xfs_fsb_to_bdev_bytes(sb, fsb) + (offset & (sb.sb_blocksize - 1)) + ip.i_mount->s_dax_part_off;
}

} // namespace daxsim::kernel
