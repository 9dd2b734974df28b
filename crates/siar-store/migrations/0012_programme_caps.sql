-- Caps each programme can set for itself (issue 7's anti-abuse): anonymous
-- ballots from one network address per hour on a poll, and reading logs one
-- reader may write per day on a challenge.
ALTER TABLE polls ADD COLUMN address_cap BIGINT NOT NULL DEFAULT 20;
ALTER TABLE challenges ADD COLUMN daily_log_cap BIGINT NOT NULL DEFAULT 10;
