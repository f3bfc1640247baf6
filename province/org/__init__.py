"""The provincial organisation: org tree (province → city → district/team) and staff (R9.2)."""
