-- Channels, posts and deliveries (issue 3).

-- Claiming jobs: the earliest due queued job (ties by id), and running jobs
-- whose lease ran out, each read in index order.
CREATE INDEX jobs_queue ON jobs (state, run_at, id);
CREATE INDEX jobs_lease ON jobs (state, lease_until);

-- Alt text is required on media unless the library relaxes it.
ALTER TABLE organisations ADD COLUMN require_alt {BOOL} NOT NULL DEFAULT TRUE;

-- A connected account on one platform. Credentials are encrypted by the app
-- (XChaCha20-Poly1305, `v1:<key id>:<base64>`) before they reach this table.
CREATE TABLE channels (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    platform TEXT NOT NULL,
    -- The account on the platform: a DID, a user id, a page id.
    remote_id TEXT NOT NULL,
    name TEXT NOT NULL,
    handle TEXT NOT NULL,
    -- Instance / PDS / API base URL where the platform has several.
    base_url TEXT,
    status TEXT NOT NULL,
    -- The platform's own words when it refused us, kept verbatim.
    status_reason TEXT,
    credentials TEXT,
    token_expires_at BIGINT,
    -- Set when the platform's rate limit is (nearly) used up: nothing is sent
    -- on this channel before then.
    throttled_until BIGINT,
    -- Per-instance limits read at connect time (Mastodon), as JSON.
    limits TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX channels_account ON channels (org_id, platform, remote_id);
CREATE INDEX channels_expiry ON channels (status, token_expires_at);

-- OAuth flows in progress: state (and PKCE verifier) until the callback.
CREATE TABLE oauth_flows (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    platform TEXT NOT NULL,
    state_hash TEXT NOT NULL,
    verifier TEXT NOT NULL,
    base_url TEXT,
    client TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX oauth_flows_state ON oauth_flows (state_hash);

CREATE TABLE posts (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    author_id BIGINT REFERENCES users (id),
    text TEXT NOT NULL,
    title TEXT,
    publish_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX posts_org_time ON posts (org_id, publish_at);

-- One delivery per channel of a post. The attempt is recorded (state
-- `publishing`, attempts + 1) before the platform is called.
CREATE TABLE deliveries (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    post_id BIGINT NOT NULL REFERENCES posts (id),
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    state TEXT NOT NULL,
    text TEXT NOT NULL,
    title TEXT,
    media TEXT NOT NULL,
    publish_at BIGINT NOT NULL,
    marker TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    attempt_started_at BIGINT,
    remote_id TEXT,
    permalink TEXT,
    error_key TEXT,
    error_detail TEXT,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX deliveries_post_channel ON deliveries (post_id, channel_id);
CREATE UNIQUE INDEX deliveries_marker ON deliveries (marker);
CREATE INDEX deliveries_channel_state ON deliveries (channel_id, state);
CREATE INDEX deliveries_org_state ON deliveries (org_id, state, publish_at);

-- Uploaded files; bytes live on disk under the data folder.
CREATE TABLE media (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    mime TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    duration_ms BIGINT,
    alt TEXT NOT NULL,
    file_name TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX media_org ON media (org_id, created_at);

-- The practice channel's timeline: what it "published".
CREATE TABLE practice_posts (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    marker TEXT NOT NULL,
    text TEXT NOT NULL,
    media TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX practice_posts_marker ON practice_posts (channel_id, marker);
