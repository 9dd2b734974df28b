-- Organisation-wide rollups for the pages that look at all channels at once
-- (per content category, best time to post). The per-channel rollups of
-- 0006 hold one row per channel per key; summing a year of them meant
-- reading twenty times the rows the answer needs (docs/BENCHMARKS.md,
-- analytics). These hold the same sums without the channel.
CREATE TABLE metric_org_category_days (
    org_id BIGINT NOT NULL,
    day INTEGER NOT NULL,
    category TEXT NOT NULL,
    posts BIGINT NOT NULL DEFAULT 0,
    views BIGINT NOT NULL DEFAULT 0,
    views_n BIGINT NOT NULL DEFAULT 0,
    reach BIGINT NOT NULL DEFAULT 0,
    reach_n BIGINT NOT NULL DEFAULT 0,
    likes BIGINT NOT NULL DEFAULT 0,
    likes_n BIGINT NOT NULL DEFAULT 0,
    comments BIGINT NOT NULL DEFAULT 0,
    comments_n BIGINT NOT NULL DEFAULT 0,
    shares BIGINT NOT NULL DEFAULT 0,
    shares_n BIGINT NOT NULL DEFAULT 0,
    saves BIGINT NOT NULL DEFAULT 0,
    saves_n BIGINT NOT NULL DEFAULT 0,
    clicks BIGINT NOT NULL DEFAULT 0,
    clicks_n BIGINT NOT NULL DEFAULT 0,
    eng BIGINT NOT NULL DEFAULT 0,
    eng_n BIGINT NOT NULL DEFAULT 0,
    rated_eng BIGINT NOT NULL DEFAULT 0,
    rated_base BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day, category)
){CLUSTERED};

CREATE TABLE metric_org_hour_days (
    org_id BIGINT NOT NULL,
    day INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    weekday INTEGER NOT NULL,
    posts BIGINT NOT NULL DEFAULT 0,
    eng BIGINT NOT NULL DEFAULT 0,
    rated_eng BIGINT NOT NULL DEFAULT 0,
    rated_base BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day, hour)
){CLUSTERED};

INSERT INTO metric_org_category_days (org_id, day, category, posts, views, views_n,
    reach, reach_n, likes, likes_n, comments, comments_n, shares, shares_n, saves,
    saves_n, clicks, clicks_n, eng, eng_n, rated_eng, rated_base)
SELECT org_id, day, category, CAST(SUM(posts) AS BIGINT), CAST(SUM(views) AS BIGINT),
    CAST(SUM(views_n) AS BIGINT), CAST(SUM(reach) AS BIGINT), CAST(SUM(reach_n) AS BIGINT),
    CAST(SUM(likes) AS BIGINT), CAST(SUM(likes_n) AS BIGINT), CAST(SUM(comments) AS BIGINT),
    CAST(SUM(comments_n) AS BIGINT), CAST(SUM(shares) AS BIGINT), CAST(SUM(shares_n) AS BIGINT),
    CAST(SUM(saves) AS BIGINT), CAST(SUM(saves_n) AS BIGINT), CAST(SUM(clicks) AS BIGINT),
    CAST(SUM(clicks_n) AS BIGINT), CAST(SUM(eng) AS BIGINT), CAST(SUM(eng_n) AS BIGINT),
    CAST(SUM(rated_eng) AS BIGINT), CAST(SUM(rated_base) AS BIGINT)
FROM metric_category_days GROUP BY org_id, day, category;

INSERT INTO metric_org_hour_days (org_id, day, hour, weekday, posts, eng, rated_eng, rated_base)
SELECT org_id, day, hour, MIN(weekday), CAST(SUM(posts) AS BIGINT), CAST(SUM(eng) AS BIGINT),
    CAST(SUM(rated_eng) AS BIGINT), CAST(SUM(rated_base) AS BIGINT)
FROM metric_hour_days GROUP BY org_id, day, hour;

-- One channel's year is read by channel first.
CREATE INDEX metric_category_days_channel ON metric_category_days (org_id, channel_id, day);
CREATE INDEX metric_hour_days_channel ON metric_hour_days (org_id, channel_id, day);
