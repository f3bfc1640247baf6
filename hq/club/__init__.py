"""The national customer club at HQ (R11.1): tiers, benefits, entry rules and their
published versions; the national roster and benefit usage the provinces report; the
routing of benefits used by members away from home (docs/club.md)."""
