//! IP lists: networks compiled into a static B-tree for longest-prefix-match lookups.

use std::fmt;
use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::error::shown;
use super::{Meta, WatchlistError};

/// A compiled set of IPv4 and IPv6 networks, with longest-prefix-match lookups.
///
/// Each address family is compiled into a partition of its whole address space into disjoint,
/// sorted ranges, each labelled with the prefix length of the most specific network covering it
/// (or none): at most `2n + 1` ranges for `n` networks, whatever their nesting. The ranges are
/// stored as a static B-tree (sorted keys in cache-line-aligned blocks of 12 IPv4 / 15 IPv6
/// ranges, with sampled index levels of 16 keys above them), so a lookup is one search from the
/// root to a leaf: `O(log n)`, allocation-free, with one memory access per level, the upper
/// levels staying in cache. Compiling is `O(n log n)`.
#[derive(Clone, PartialEq, Eq)]
pub struct IpList {
    pub(super) meta: Meta,
    pub(super) v4: Family<u32, V4_LEAF>,
    pub(super) v6: Family<u128, V6_LEAF>,
}

impl IpList {
    pub(super) fn compile(meta: Meta, entries: &[String]) -> Result<Self, WatchlistError> {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            match parse_network(entry) {
                Ok(IpNet::V4(net)) => v4.push(net),
                Ok(IpNet::V6(net)) => v6.push(net),
                Err(NetworkProblem::Syntax) => {
                    return Err(WatchlistError::InvalidNetwork {
                        list: meta.name.to_string(),
                        index,
                        value: shown(entry),
                    });
                }
                Err(NetworkProblem::Unmappable) => {
                    return Err(WatchlistError::UnmappableNetwork {
                        list: meta.name.to_string(),
                        index,
                        value: shown(entry),
                    });
                }
            }
        }
        Ok(Self {
            meta,
            v4: Family::build(v4),
            v6: Family::build(v6),
        })
    }

    /// The list name.
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// The list description, if any.
    pub fn description(&self) -> Option<&str> {
        self.meta.description.as_deref()
    }

    /// The most specific (longest) network of the list containing `ip`, `None` if none does.
    ///
    /// An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) is looked up as the IPv4 address it maps
    /// ([`IpAddr::to_canonical`]); otherwise IPv4 addresses only match IPv4 networks and IPv6
    /// addresses only IPv6 networks. Networks written in IPv4-mapped form are returned in their
    /// IPv4 form.
    ///
    /// `O(log n)`, no allocation.
    pub fn lookup(&self, ip: IpAddr) -> Option<IpNet> {
        match ip.to_canonical() {
            IpAddr::V4(ip) => self.v4.lookup(u32::from(ip)).map(IpNet::V4),
            IpAddr::V6(ip) => self.v6.lookup(u128::from(ip)).map(IpNet::V6),
        }
    }

    /// Whether a network of the list contains `ip` (see [`Self::lookup`]).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip.to_canonical() {
            IpAddr::V4(ip) => self.v4.contains(u32::from(ip)),
            IpAddr::V6(ip) => self.v6.contains(u128::from(ip)),
        }
    }

    /// The number of distinct networks (after normalization and deduplication).
    pub fn len(&self) -> usize {
        self.v4.nets.len() + self.v6.nets.len()
    }

    /// Whether the list has no networks.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The distinct networks, normalized: IPv4 first, each family sorted by network address
    /// then prefix length.
    pub fn networks(&self) -> impl Iterator<Item = IpNet> + '_ {
        let v4 = self.v4.nets.iter().map(|net| IpNet::V4(*net));
        let v6 = self.v6.nets.iter().map(|net| IpNet::V6(*net));
        v4.chain(v6)
    }
}

impl fmt::Debug for IpList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IpList")
            .field("name", &self.meta.name)
            .field("description", &self.meta.description)
            .field("ipv4_networks", &self.v4.nets.len())
            .field("ipv6_networks", &self.v6.nets.len())
            .finish()
    }
}

enum NetworkProblem {
    Syntax,
    Unmappable,
}

/// Parses `address/len` or a bare address, canonicalizes IPv4-mapped networks and clears host
/// bits.
fn parse_network(entry: &str) -> Result<IpNet, NetworkProblem> {
    let (addr, len) = match entry.split_once('/') {
        Some((addr, len)) => {
            // `u8::from_str` accepts a leading `+`: only plain decimal digits, no leading zero.
            let plain = !len.is_empty()
                && len.len() <= 3
                && len.bytes().all(|b| b.is_ascii_digit())
                && (len == "0" || !len.starts_with('0'));
            if !plain {
                return Err(NetworkProblem::Syntax);
            }
            let len: u8 = len.parse().map_err(|_| NetworkProblem::Syntax)?;
            let addr: IpAddr = addr.parse().map_err(|_| NetworkProblem::Syntax)?;
            (addr, len)
        }
        None => {
            let addr: IpAddr = entry.parse().map_err(|_| NetworkProblem::Syntax)?;
            let len = if addr.is_ipv4() { 32 } else { 128 };
            (addr, len)
        }
    };
    match addr {
        IpAddr::V4(addr) => Ipv4Net::new(addr, len)
            .map(|net| IpNet::V4(net.trunc()))
            .map_err(|_| NetworkProblem::Syntax),
        IpAddr::V6(addr) => {
            let net = Ipv6Net::new(addr, len).map_err(|_| NetworkProblem::Syntax)?;
            match addr.to_ipv4_mapped() {
                None => Ok(IpNet::V6(net.trunc())),
                Some(mapped) => {
                    let v4_len = len.checked_sub(96).ok_or(NetworkProblem::Unmappable)?;
                    Ipv4Net::new(mapped, v4_len)
                        .map(|net| IpNet::V4(net.trunc()))
                        .map_err(|_| NetworkProblem::Syntax)
                }
            }
        }
    }
}

/// An address as an unsigned integer (`u32` for IPv4, `u128` for IPv6), linked to its network
/// type.
pub(super) trait Bits: Copy + Ord + Default + fmt::Debug {
    type Net: Copy + Ord + fmt::Debug;
    /// Keys per block of the upper levels of a [`Family`].
    const BLOCK: usize;
    fn successor(self) -> Option<Self>;
    /// First and last address of a network.
    fn bounds(net: &Self::Net) -> (Self, Self);
    fn prefix_len(net: &Self::Net) -> u8;
    /// The network of this length containing `addr`.
    fn network(addr: Self, prefix_len: u8) -> Option<Self::Net>;
}

impl Bits for u32 {
    type Net = Ipv4Net;
    const BLOCK: usize = 16;
    fn successor(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn bounds(net: &Ipv4Net) -> (Self, Self) {
        (u32::from(net.network()), u32::from(net.broadcast()))
    }
    fn prefix_len(net: &Ipv4Net) -> u8 {
        net.prefix_len()
    }
    fn network(addr: Self, prefix_len: u8) -> Option<Ipv4Net> {
        Ipv4Net::new(addr.into(), prefix_len)
            .ok()
            .map(|net| net.trunc())
    }
}

impl Bits for u128 {
    type Net = Ipv6Net;
    const BLOCK: usize = 16;
    fn successor(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn bounds(net: &Ipv6Net) -> (Self, Self) {
        (u128::from(net.network()), u128::from(net.broadcast()))
    }
    fn prefix_len(net: &Ipv6Net) -> u8 {
        net.prefix_len()
    }
    fn network(addr: Self, prefix_len: u8) -> Option<Ipv6Net> {
        Ipv6Net::new(addr.into(), prefix_len)
            .ok()
            .map(|net| net.trunc())
    }
}

/// IPv4 ranges per leaf: 12 × (4 + 1) bytes fit in a 64-byte cache line.
const V4_LEAF: usize = 12;

/// IPv6 ranges per leaf: 15 × (16 + 1) bytes fit in four 64-byte cache lines (measured faster
/// than one line per leaf on large lists: fewer levels and a smaller index).
const V6_LEAF: usize = 15;

/// Network index of a range covered by no network, while building.
const NO_NETWORK: u32 = u32::MAX;

/// Prefix length of a range covered by no network.
pub(super) const NO_PREFIX: u8 = u8::MAX;

/// The networks of one address family, and the partition of the address space they induce,
/// laid out for lookups with few cache misses.
///
/// The address space is cut into disjoint ranges, sorted, the first starting at 0, each
/// labelled with the prefix length of the most specific network covering it ([`NO_PREFIX`] if
/// none): that network is the range start truncated to that length. Adjacent ranges have
/// different networks. There are at most `2n + 1` ranges for `n` networks.
///
/// The ranges are stored as a static B-tree: `leaves` hold `N` range starts and
/// their prefix lengths each, aligned on a 64-byte cache line (the last leaf is padded with copies of
/// its last range, which changes no answer); `index[0]` holds the first start of each leaf,
/// `index[1]` every [`Bits::BLOCK`]-th key of `index[0]`, and so on up to a level of at most
/// [`Bits::BLOCK`] keys. A lookup scans one block per level then one leaf:
/// `O(log n)`, branch-light, and touches one leaf plus one block per index level, the upper
/// levels staying in cache.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Family<A: Bits, const N: usize> {
    /// The distinct networks, sorted (for iteration and serialization; not used by lookups).
    pub(super) nets: Box<[A::Net]>,
    pub(super) index: Box<[Box<[A]>]>,
    pub(super) leaves: Box<[Leaf<A, N>]>,
}

/// A leaf of ranges, aligned on a cache line: starts and prefix lengths.
#[derive(Clone, PartialEq, Eq)]
#[repr(C, align(64))]
pub(super) struct Leaf<A, const N: usize> {
    pub(super) starts: [A; N],
    pub(super) prefix_lens: [u8; N],
}

/// The number of keys of a sorted block `<= addr` (branch-free, vectorizable).
#[inline]
fn count_le<A: Ord + Copy>(block: &[A], addr: A) -> usize {
    block.iter().map(|&key| usize::from(key <= addr)).sum()
}

/// Builds the ranges of a [`Family`]: starts and the index of their network.
struct Partition<A> {
    starts: Vec<A>,
    owners: Vec<u32>,
}

impl<A: Bits> Partition<A> {
    /// From `start` on, addresses belong to `owner` (until the next boundary).
    fn push(&mut self, start: A, owner: u32) {
        if self.starts.last() == Some(&start) {
            // A later boundary at the same address wins: it is more specific.
            self.starts.pop();
            self.owners.pop();
        }
        if self.owners.last() != Some(&owner) {
            self.starts.push(start);
            self.owners.push(owner);
        }
    }

    /// Closes the open networks ending before `until` (all of them if `None`), innermost
    /// first: after each, addresses belong to the enclosing open network, if any.
    fn close(&mut self, open: &mut Vec<(A, u32)>, until: Option<A>) {
        while let Some(&(last, _)) = open.last() {
            if until.is_some_and(|start| last >= start) {
                break;
            }
            open.pop();
            if let Some(next) = last.successor() {
                self.push(next, open.last().map_or(NO_NETWORK, |&(_, owner)| owner));
            }
        }
    }
}

impl<A: Bits, const N: usize> Family<A, N> {
    /// `nets` are truncated networks (network address = address), in any order, with
    /// duplicates. `O(n log n)`.
    fn build(mut nets: Vec<A::Net>) -> Self {
        // Ipv4Net / Ipv6Net order by address, then prefix length: a network comes after the
        // networks containing it.
        nets.sort_unstable();
        nets.dedup();
        let mut partition = Partition {
            starts: Vec::with_capacity(2 * nets.len() + 1),
            owners: Vec::with_capacity(2 * nets.len() + 1),
        };
        partition.push(A::default(), NO_NETWORK);
        // Networks are either nested or disjoint, so the networks containing the current
        // address form a stack, at most 33 / 129 deep: (last address, index).
        let mut open: Vec<(A, u32)> = Vec::new();
        for (index, net) in nets.iter().enumerate() {
            let (first, last) = A::bounds(net);
            partition.close(&mut open, Some(first));
            // At most `Watchlists::MAX_ENTRIES` networks: the index always fits.
            let index = u32::try_from(index).unwrap_or(NO_NETWORK);
            partition.push(first, index);
            open.push((last, index));
        }
        partition.close(&mut open, None);

        let prefix_lens: Vec<u8> = partition
            .owners
            .iter()
            .map(|&owner| {
                usize::try_from(owner)
                    .ok()
                    .and_then(|owner| nets.get(owner))
                    .map_or(NO_PREFIX, A::prefix_len)
            })
            .collect();
        let leaves: Box<[Leaf<A, N>]> = partition
            .starts
            .chunks(N)
            .zip(prefix_lens.chunks(N))
            .map(|(starts, lens)| {
                let last_start = starts.last().copied().unwrap_or_default();
                let last_len = lens.last().copied().unwrap_or(NO_PREFIX);
                let mut leaf = Leaf {
                    starts: [last_start; N],
                    prefix_lens: [last_len; N],
                };
                for (slot, start) in leaf.starts.iter_mut().zip(starts) {
                    *slot = *start;
                }
                for (slot, len) in leaf.prefix_lens.iter_mut().zip(lens) {
                    *slot = *len;
                }
                leaf
            })
            .collect();
        let mut index: Vec<Box<[A]>> = vec![
            leaves
                .iter()
                .map(|leaf| leaf.starts.first().copied().unwrap_or_default())
                .collect(),
        ];
        while let Some(level) = index.last().filter(|level| level.len() > A::BLOCK) {
            let above = level.iter().step_by(A::BLOCK).copied().collect();
            index.push(above);
        }
        Self {
            nets: nets.into_boxed_slice(),
            index: index.into_boxed_slice(),
            leaves,
        }
    }

    /// The start and prefix length of the range holding `addr` if a network covers it. No
    /// allocation.
    fn find(&self, addr: A) -> Option<(A, u8)> {
        // The number of keys `<= addr` at the level above brackets it at this level: key `j`
        // above is key `j * BLOCK` here. The first key of every level is 0, so it is >= 1.
        let mut rank = None;
        for level in self.index.iter().rev() {
            let (low, high) = match rank {
                None => (0, level.len()),
                Some(above) => {
                    let low = usize::checked_sub(above, 1)? * A::BLOCK;
                    (low, (low + A::BLOCK).min(level.len()))
                }
            };
            rank = Some(low + count_le(level.get(low..high)?, addr));
        }
        let leaf = self.leaves.get(rank?.checked_sub(1)?)?;
        let slot = count_le(&leaf.starts, addr).checked_sub(1)?;
        let prefix_len = *leaf.prefix_lens.get(slot)?;
        if prefix_len == NO_PREFIX {
            return None;
        }
        Some((*leaf.starts.get(slot)?, prefix_len))
    }

    /// The most specific network containing `addr`. No allocation.
    fn lookup(&self, addr: A) -> Option<A::Net> {
        let (start, prefix_len) = self.find(addr)?;
        A::network(start, prefix_len)
    }

    /// Whether a network contains `addr`. No allocation.
    fn contains(&self, addr: A) -> bool {
        self.find(addr).is_some()
    }
}
