"""The rule catalog: one module per rule, listed here explicitly.

Order is the order of `peerproof rules`. Adding a rule: write its module (a
docstring with the fixed sections, `RULE = Rule(...)`), list it here, and add
fixtures under fixtures/rules/ that trigger it and that must not.
"""

from . import (
    addr001_host_bits,
    addr002_subnet_outside_net,
    addr003_overlapping_subnets,
    addr004_vm_outside_subnet,
    addr005_duplicate_vm_address,
    model001_repeated_attribute,
    model002_missing_attribute,
    model003_several_providers,
    model004_several_main_tables,
    model005_no_route_table,
    model006_ports_without_ports,
    model007_address_source,
    name001_unknown_name,
    name002_duplicate_name,
    name003_wrong_kind,
    name004_other_net,
    peer003_self_peering,
)

RULES = [
    name001_unknown_name.RULE,
    name002_duplicate_name.RULE,
    name003_wrong_kind.RULE,
    name004_other_net.RULE,
    model001_repeated_attribute.RULE,
    model002_missing_attribute.RULE,
    model003_several_providers.RULE,
    model004_several_main_tables.RULE,
    model005_no_route_table.RULE,
    model006_ports_without_ports.RULE,
    model007_address_source.RULE,
    addr001_host_bits.RULE,
    addr002_subnet_outside_net.RULE,
    addr003_overlapping_subnets.RULE,
    addr004_vm_outside_subnet.RULE,
    addr005_duplicate_vm_address.RULE,
    peer003_self_peering.RULE,
]
