"""Questions about filters: is a security group rule or a network ACL entry shadowed by the rules
that take precedence over it. ACL entries are decided over boxes (exact) or by the solver."""

from __future__ import annotations

from verifier.engine.atoms import Box, acl_entry_shadowed, box_covered, entry_box, rule_box
from verifier.engine.part import Part
from verifier.engine.results import Undecided
from verifier.language.model import AclRule, GroupRule, NetworkAcl, SecurityGroup


class Filters(Part):
    def shadowed_group_rule(
        self, group: SecurityGroup, rule: GroupRule
    ) -> tuple[list[GroupRule] | None, list[Undecided]]:
        """The rules of better priority that decide every packet `rule` matches, or None."""
        better = [
            q
            for q in group.rules
            if q is not rule
            and q.direction == rule.direction
            and (
                q.effective_priority < rule.effective_priority
                or (q.effective_priority == rule.effective_priority and q.action == "deny" and rule.action == "allow")
            )
        ]
        if not better:
            return None, []
        if self.exact_routes and all(q.peer.kind != "group" for q in (rule, *better)):
            return _group_rule_shadowed(rule, better), []
        matches_something = False
        for version in (4, 6):
            questions = self.queries[version]
            free = self._decided(questions.group_rule_matches(rule, better, excluded=True))
            if free.status == "unknown":
                return None, [Undecided("whether a security group rule is shadowed", free.reason or "")]
            if free.status == "sat":
                return None, []
            if self._decided(questions.group_rule_matches(rule, [], excluded=True)).status == "sat":
                matches_something = True
        if not matches_something:
            return None, []  # it matches no packet at all: not a question of shadowing
        shadowing = [
            q
            for q in better
            if any(
                self._decided(self.queries[v].group_rule_matches(rule, [q], excluded=False)).status == "sat"
                for v in (4, 6)
            )
        ]
        return shadowing, []

    def shadowed_acl_entry(self, acl: NetworkAcl, entry: AclRule) -> tuple[list[AclRule] | None, list[Undecided]]:
        """The earlier entries that decide every packet `entry` matches, or None."""
        order = acl.ordered(entry.direction)
        earlier = order[: order.index(entry)]
        if not earlier:
            return None, []
        if self.exact_routes:
            if not acl_entry_shadowed(entry, earlier):
                return None, []
            return [e for e in earlier if acl_entry_shadowed(entry, [e]) is not None and _overlap(entry, e)], []
        questions = self.queries[entry.block.version]
        free = self._decided(questions.acl_entry_matches(entry, earlier, excluded=True))
        if free.status == "unknown":
            return None, [Undecided("whether a network ACL entry is shadowed", free.reason or "")]
        if free.status == "sat" or self._decided(questions.acl_entry_matches(entry, [], excluded=True)).status != "sat":
            return None, []
        shadowing = [
            e for e in earlier if self._decided(questions.acl_entry_matches(entry, [e], excluded=False)).status == "sat"
        ]
        return shadowing, []


def _group_rule_shadowed(rule: GroupRule, better: list[GroupRule]) -> list[GroupRule] | None:
    """Exact, over boxes, for rules whose peers are blocks or any address (as ACL entries are): the
    better rules that decide every packet `rule` matches, in either family; None when a packet it
    matches escapes them, or when it matches none at all."""
    matched = False
    shadowing: set[int] = set()
    for version in (4, 6):
        box = rule_box(rule, version)
        if box is None or box_covered(box, []) is not False:
            continue  # no packet of this family
        matched = True
        boxes = [(q, b) for q in better if (b := rule_box(q, version)) is not None]
        if not box_covered(box, [b for _, b in boxes]):
            return None
        shadowing.update(id(q) for q, b in boxes if _boxes_overlap(box, b))
    return [q for q in better if id(q) in shadowing] if matched else None


def _overlap(entry: AclRule, other: AclRule) -> bool:
    """Whether two ACL entries match a packet in common (names the entries that shadow)."""
    if entry.block.version != other.block.version:
        return False
    return _boxes_overlap(entry_box(entry), entry_box(other))


def _boxes_overlap(one: Box, other: Box) -> bool:
    """Whether two boxes hold a well-formed packet in common."""
    (a1, a2), protos_a, (p1, p2), (c1, c2) = one
    (b1, b2), protos_b, (q1, q2), (d1, d2) = other
    if a2 < b1 or b2 < a1:
        return False
    common = [(max(x1, y1), min(x2, y2)) for x1, x2 in protos_a for y1, y2 in protos_b if max(x1, y1) <= min(x2, y2)]
    ported = any(lo <= p <= hi for lo, hi in common for p in (6, 17))
    icmp = any(lo <= p <= hi for lo, hi in common for p in (1, 58))
    other_kind = any(not (lo == hi and lo in (1, 6, 17, 58)) for lo, hi in common)
    return (
        (ported and max(p1, q1) <= min(p2, q2))
        or (icmp and max(p1, q1) <= min(p2, q2, 255) and max(c1, d1) <= min(c2, d2, 255))
        or (other_kind and p1 == 0 and q1 == 0 and c1 == 0 and d1 == 0)
    )
