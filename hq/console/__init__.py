"""HQ's sync console: the health of every province's link, retry/skip/relay, full resync
(issue 5 item 6, DESIGN.md §4.5). Everything that touches another tenant's sync tables is a
``sync`` function; this app shows, decides who may act, and audits."""
