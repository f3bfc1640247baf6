"""The province's summary indicators (appendix 1) and its national targets (R11.2, R4.2).

HQ's catalogue arrives as ``indicators.definitions``; each month the province computes
every indicator with set-based SQL, keeps its own values, and publishes them to HQ as one
``indicators.snapshot``. Targets arrive as ``targets.assigned``; their completion is
computed from the province's own values and reported in the snapshot.
"""
