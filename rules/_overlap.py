"""Which filter rules may match a packet in common: an index, so shadowing checks ask the engine
about the few rules near each rule rather than about all of them (issue 14: 100,000 rules in one
group, 4,000 entries in one ACL, took minutes to hours when every rule was weighed against all).

The answer is a superset of the rules that share a packet with a given one: a rule that shares
none can neither help cover it nor be named as shadowing it, so asking about the rest gives the
same findings. Addresses are CIDR blocks, which either nest or are apart: the blocks that meet a
block are its ancestors (one a prefix length) and its descendants (a run of the blocks sorted by
first address). Within one block, rules are found by their destination port (or ICMP type) range;
a peer that is not a block (`any`, `group G`) counts as every address of both families.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence, TypeVar

from verifier.language.model import AclRule, Block, GroupRule, Icmp, Ports, Protocol, any_protocol, family_width

# Port ranges wider than this are kept apart and compared with every query: a few broad rules,
# while the narrow ones are found by a window over their sorted lower ends.
_NARROW = 256
_EVERY_PORT = (0, 65535)


@dataclass(frozen=True)
class Box:
    """What a rule matches, coarsely: a block (None: every address), a protocol (None: every one)
    and a range of destination ports or ICMP types."""

    block: tuple[int, int, int] | None  # (version, prefix length, first address)
    protocol: int | None
    low: int
    high: int


def box(block: Block | None, protocol: Protocol, ports: Ports | None, icmp: Icmp | None) -> Box:
    """The box of a rule or ACL entry (`block` None: a peer that is not a block)."""
    where = None if block is None else (block.version, block.prefixlen, block.first)
    number = None if any_protocol(protocol.number) else protocol.number
    if ports is not None:
        low, high = ports.low, ports.high
    elif icmp is not None:
        low = high = icmp.type
    else:
        low, high = _EVERY_PORT
    return Box(where, number, low, high)


class _Ports:
    """The rules of one block, found by port range."""

    def __init__(self) -> None:
        self.narrow: list[tuple[int, int, int]] = []  # (low, high, index), sorted when frozen
        self.lows: list[int] = []
        self.width = 0
        self.wide: list[tuple[int, int, int]] = []

    def add(self, low: int, high: int, index: int) -> None:
        if high - low > _NARROW:
            self.wide.append((low, high, index))
        else:
            self.narrow.append((low, high, index))
            self.width = max(self.width, high - low)

    def freeze(self) -> None:
        self.narrow.sort()
        self.lows = [item[0] for item in self.narrow]

    def meeting(self, low: int, high: int) -> list[int]:
        start = bisect_left(self.lows, low - self.width)
        stop = bisect_right(self.lows, high)
        found = [i for lo, hi, i in self.narrow[start:stop] if hi >= low and lo <= high]
        found.extend(i for lo, hi, i in self.wide if hi >= low and lo <= high)
        return found


class OverlapIndex:
    """Over a sequence of boxes: for each, the others that may share a packet with it."""

    def __init__(self, boxes: Sequence[Box]):
        self.boxes = list(boxes)
        self.buckets: dict[tuple[int, int, int] | None, _Ports] = {}
        self.everywhere = _Ports()  # every box, for a box of every address: by port alone
        for index, item in enumerate(self.boxes):
            self.buckets.setdefault(item.block, _Ports()).add(item.low, item.high, index)
            self.everywhere.add(item.low, item.high, index)
        for bucket in (*self.buckets.values(), self.everywhere):
            bucket.freeze()
        # Per family, the blocks sorted by (first address, prefix length): descendants are a run.
        self.sorted: dict[int, list[tuple[int, int]]] = {}
        for key in self.buckets:
            if key is not None:
                self.sorted.setdefault(key[0], []).append((key[2], key[1]))
        for keys in self.sorted.values():
            keys.sort()

    def _blocks_meeting(self, block: tuple[int, int, int]) -> list[tuple[int, int, int] | None]:
        version, prefixlen, first = block
        width = family_width(version)
        found: list[tuple[int, int, int] | None] = [None] if None in self.buckets else []
        for length in range(prefixlen):  # strict ancestors
            mask = ((1 << length) - 1) << (width - length)
            key = (version, length, first & mask)
            if key in self.buckets:
                found.append(key)
        last = first | ((1 << (width - prefixlen)) - 1)
        keys = self.sorted.get(version, [])
        start = bisect_left(keys, (first, prefixlen))
        stop = bisect_right(keys, (last, width + 1))
        found.extend((version, length, start_address) for start_address, length in keys[start:stop])
        return found

    def meeting(self, index: int) -> list[int]:
        """The indices of the other boxes that may share a packet with box `index`, ascending."""
        item = self.boxes[index]
        if item.block is None:
            near = self.everywhere.meeting(item.low, item.high)
        else:
            near = [
                i for key in self._blocks_meeting(item.block) for i in self.buckets[key].meeting(item.low, item.high)
            ]
        found = []
        for other in near:
            protocol = self.boxes[other].protocol
            if other != index and (item.protocol is None or protocol is None or protocol == item.protocol):
                found.append(other)
        return sorted(found)


_Item = TypeVar("_Item", GroupRule, AclRule)


def neighbourhoods(items: Sequence[_Item], box_of: Callable[[_Item], Box]) -> Iterator[tuple[_Item, tuple[_Item, ...]]]:
    """Each rule (or entry), in order, with the rules of its direction that may match a packet in
    common with it (ascending): the others neither cover it nor shadow it."""
    indexes = {}
    for direction in ("inbound", "outbound"):
        mine = [item for item in items if item.direction == direction]
        indexes[direction] = (mine, OverlapIndex([box_of(item) for item in mine]))
    seen = {"inbound": 0, "outbound": 0}
    for item in items:
        mine, index = indexes[item.direction]
        position = seen[item.direction]
        seen[item.direction] += 1
        yield item, tuple(mine[i] for i in index.meeting(position))
