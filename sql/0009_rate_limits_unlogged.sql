-- Rate-limit counters are hit by every submission and receipt lookup, all from the same row
-- when many requests come from one address. As a logged table each hit waited for its own WAL
-- flush while holding that row's lock, so requests from one client queued behind each
-- other's fsync. An unlogged table writes no WAL: a transaction that only touches it commits
-- without waiting for the disk. The price is that PostgreSQL empties the table after a crash
-- (not after a clean restart), so every client starts a fresh window then: acceptable for a
-- counter that only slows abuse down. Login throttling (login_failures) stays logged.
ALTER TABLE rate_limits SET UNLOGGED;
