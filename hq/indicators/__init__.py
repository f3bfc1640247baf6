"""HQ's summary indicators (appendix 1) and national targets (R11.2, R4.2).

HQ owns the indicator catalogue (a national standard, published to every province as
``indicators.definitions``), stores what provinces report (``indicators.snapshot``) in one
fact table, consolidates it into national figures, and sets targets per period that reach
the provinces as ``targets.assigned``.
"""
