-- Analytics and reports (issue 6): every reading of a post's numbers, the
-- latest numbers of each post with its collection plan, daily rollups that
-- keep the pages fast as years of readings pile up, channel-level numbers per
-- day, audiences, and the monthly reports.

-- Every reading of a delivery's numbers, as the platform gave them (NULL: the
-- platform did not give that number). The curve of a post is drawn from here.
CREATE TABLE metric_snapshots (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    delivery_id BIGINT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    taken_at BIGINT NOT NULL,
    views BIGINT,
    reach BIGINT,
    likes BIGINT,
    comments BIGINT,
    shares BIGINT,
    saves BIGINT,
    clicks BIGINT
);
CREATE INDEX metric_snapshots_delivery ON metric_snapshots (delivery_id, taken_at);

-- The latest known numbers of each published delivery (a later reading that
-- lacks a number keeps the earlier one), what they count towards, and when
-- the next reading is due (NULL: all readings done).
CREATE TABLE delivery_metrics (
    delivery_id BIGINT PRIMARY KEY REFERENCES deliveries (id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    post_id BIGINT NOT NULL REFERENCES posts (id),
    published_at BIGINT NOT NULL,
    -- Local day number (days since 1970-01-01 in the organisation's zone),
    -- weekday (0 = Monday) and hour of publication.
    day INTEGER NOT NULL,
    weekday INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    category TEXT NOT NULL,
    stage INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT,
    taken_at BIGINT,
    views BIGINT,
    reach BIGINT,
    likes BIGINT,
    comments BIGINT,
    shares BIGINT,
    saves BIGINT,
    clicks BIGINT,
    -- What the engagement rate divides by, and which number that was.
    base BIGINT,
    basis TEXT,
    -- The platform's words when it gave no numbers (too few viewers, deleted).
    note TEXT
);
CREATE INDEX delivery_metrics_due ON delivery_metrics (next_at);
CREATE INDEX delivery_metrics_org_day ON delivery_metrics (org_id, day);

-- Daily rollups of delivery_metrics by publication day: per channel, per
-- channel and content category, per channel and hour. Each sum has a count of
-- the posts that had the number, so a number nobody gave stays missing.
-- On SQLite they are clustered by their key (WITHOUT ROWID): a range of days
-- is read in one pass instead of a look-up per row.
CREATE TABLE metric_days (
    org_id BIGINT NOT NULL,
    day INTEGER NOT NULL,
    channel_id BIGINT NOT NULL,
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
    PRIMARY KEY (org_id, day, channel_id)
){CLUSTERED};

CREATE TABLE metric_category_days (
    org_id BIGINT NOT NULL,
    day INTEGER NOT NULL,
    category TEXT NOT NULL,
    channel_id BIGINT NOT NULL,
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
    PRIMARY KEY (org_id, day, category, channel_id)
){CLUSTERED};

CREATE TABLE metric_hour_days (
    org_id BIGINT NOT NULL,
    day INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    channel_id BIGINT NOT NULL,
    weekday INTEGER NOT NULL,
    posts BIGINT NOT NULL DEFAULT 0,
    eng BIGINT NOT NULL DEFAULT 0,
    rated_eng BIGINT NOT NULL DEFAULT 0,
    rated_base BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day, hour, channel_id)
){CLUSTERED};

-- A channel's own numbers for one local day (followers at the reading,
-- account-level views and reach where the platform gives them).
CREATE TABLE channel_days (
    channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    day INTEGER NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    followers BIGINT,
    views BIGINT,
    reach BIGINT,
    taken_at BIGINT NOT NULL,
    PRIMARY KEY (channel_id, day)
);
CREATE INDEX channel_days_org ON channel_days (org_id, day);

-- The latest audience of a channel: share of each age band, gender, city in
-- basis points (1/10,000).
CREATE TABLE audiences (
    channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    breakdown TEXT NOT NULL,
    label TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    share_bp BIGINT NOT NULL,
    taken_at BIGINT NOT NULL,
    PRIMARY KEY (channel_id, breakdown, label)
);

-- When each channel's daily numbers and audience were last read, and what
-- the platform said when it gave none.
CREATE TABLE analytics_state (
    channel_id BIGINT PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    daily_day INTEGER,
    audience_at BIGINT,
    audience_note TEXT
);

-- Monthly reports, kept to download again.
CREATE TABLE reports (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    -- The first local day of the month it covers.
    month_day INTEGER NOT NULL,
    pdf {BLOB} NOT NULL,
    bytes BIGINT NOT NULL,
    -- Whom it was sent to (comma-separated), empty when not sent.
    sent_to TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX reports_org ON reports (org_id, month_day, created_at);

-- Who receives the monthly report by e-mail.
CREATE TABLE report_settings (
    org_id BIGINT PRIMARY KEY REFERENCES organisations (id),
    recipients TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

-- Finding newly published deliveries to start reading their numbers.
CREATE INDEX deliveries_published ON deliveries (published_at);
