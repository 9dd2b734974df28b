-- Content studio (issue 4): drafts and approval, campaigns, hashtag groups,
-- revisions that keep every text, and console notifications.

-- A campaign: #PalembangBaca, #MingguBukuPalembang.
CREATE TABLE campaigns (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    goal TEXT NOT NULL,
    -- Dates in the organisation's zone, YYYY-MM-DD.
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- Space-separated, each with its #.
    hashtags TEXT NOT NULL,
    -- Comma-separated audience codes (anak, pelajar, ...).
    audiences TEXT NOT NULL,
    -- Rupiah, whole.
    budget BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX campaigns_slug ON campaigns (org_id, slug);

-- Drafts live in `posts` too. `status`: draft, in_review, changes_requested,
-- scheduled (approved: deliveries exist). Posts made before drafts existed
-- were scheduled straight away.
ALTER TABLE posts ADD COLUMN status TEXT NOT NULL DEFAULT 'scheduled';
-- What a draft holds before it has deliveries (channels, per-channel text,
-- media, first comment), as JSON.
ALTER TABLE posts ADD COLUMN draft TEXT;
ALTER TABLE posts ADD COLUMN category TEXT;
ALTER TABLE posts ADD COLUMN campaign_id BIGINT REFERENCES campaigns (id);
ALTER TABLE posts ADD COLUMN notes TEXT NOT NULL DEFAULT '';
-- Raised by every save: a save made from an older version is a conflict.
ALTER TABLE posts ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
-- FALSE while a draft has no time yet (publish_at then holds its creation).
ALTER TABLE posts ADD COLUMN timed {BOOL} NOT NULL DEFAULT TRUE;
-- Posts made from one recurring rule share the first one's id.
ALTER TABLE posts ADD COLUMN series_id BIGINT;
CREATE INDEX posts_org_status ON posts (org_id, status, publish_at);

-- Queue slots: "add to queue" takes a channel's next free slot. Weekday 1 =
-- Monday ... 7 = Sunday; minute of the day in the organisation's zone.
CREATE TABLE queue_slots (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    weekday INTEGER NOT NULL,
    minute INTEGER NOT NULL
);
CREATE UNIQUE INDEX queue_slots_unique ON queue_slots (channel_id, weekday, minute);

-- The post's history: created, submitted, changes requested, approved, ...
CREATE TABLE post_events (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    post_id BIGINT NOT NULL REFERENCES posts (id),
    user_id BIGINT REFERENCES users (id),
    kind TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX post_events_post ON post_events (post_id, at);

-- Earlier texts of a post, so no text is ever lost: a save that met a newer
-- version, and a copy now and then while someone writes.
CREATE TABLE post_revisions (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    post_id BIGINT NOT NULL REFERENCES posts (id),
    user_id BIGINT REFERENCES users (id),
    version BIGINT NOT NULL,
    reason TEXT NOT NULL,
    text TEXT NOT NULL,
    title TEXT,
    draft TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX post_revisions_post ON post_revisions (post_id, at);

-- Who has a draft open (refreshed while they write), to warn the others.
CREATE TABLE post_presence (
    post_id BIGINT NOT NULL REFERENCES posts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

-- Groups of hashtags to offer while writing.
CREATE TABLE hashtag_groups (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    hashtags TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX hashtag_groups_org ON hashtag_groups (org_id);

-- Console notifications. `kind` names the message; `args` fills it (JSON).
CREATE TABLE notifications (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    args TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, created_at);

-- Reusable posts with placeholders (judul, tanggal, tautan in braces).
CREATE TABLE post_templates (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    category TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX post_templates_org ON post_templates (org_id, name);

-- The library's own days that matter (beside the national list).
CREATE TABLE org_days (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    prompt TEXT NOT NULL,
    -- Every year on the same date.
    yearly {BOOL} NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX org_days_org ON org_days (org_id, day);

-- Long-form articles for the portal, written in Markdown.
CREATE TABLE articles (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    cover_media_id BIGINT REFERENCES media (id),
    author_id BIGINT REFERENCES users (id),
    -- NULL while a draft; set when it goes live (may be in the future).
    published_at BIGINT,
    -- Channels to announce it on when it goes live (JSON list of ids).
    announce TEXT NOT NULL DEFAULT '[]',
    announced {BOOL} NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX articles_slug ON articles (org_id, slug);
CREATE INDEX articles_live ON articles (org_id, published_at);

-- A post's first comment on a platform without threads (Facebook,
-- Instagram), posted once the delivery is published. `state`: pending,
-- attempted (the call was made; its outcome is looked for before another),
-- done, skipped (the delivery did not go out).
CREATE TABLE first_comments (
    delivery_id BIGINT PRIMARY KEY REFERENCES deliveries (id),
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    text TEXT NOT NULL,
    state TEXT NOT NULL,
    attempt_started_at BIGINT,
    remote_id TEXT,
    error TEXT,
    updated_at BIGINT NOT NULL
);
