-- Short links and their clicks (issue 4).

-- A short link: /l/<code> leads to `target` (UTM tags included). The code is
-- unique across the deployment because the address carries no organisation.
CREATE TABLE short_links (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    code TEXT NOT NULL,
    target TEXT NOT NULL,
    label TEXT NOT NULL,
    channel_id BIGINT REFERENCES channels (id),
    post_id BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    campaign TEXT,
    -- Listed on the public link-in-bio page /tautan.
    in_bio {BOOL} NOT NULL DEFAULT FALSE,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX short_links_code ON short_links (code);
CREATE INDEX short_links_org ON short_links (org_id, created_at);

-- One click. Never an address: `visitor` is a hash of the day's salt, the
-- address and the User-Agent; the salt is deleted after its day.
CREATE TABLE link_clicks (
    id {ID},
    link_id BIGINT NOT NULL REFERENCES short_links (id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    at BIGINT NOT NULL,
    device TEXT NOT NULL,
    visitor TEXT NOT NULL
);
CREATE INDEX link_clicks_link ON link_clicks (link_id, at);

-- The salt of each day's visitor hashes (UTC day, YYYY-MM-DD).
CREATE TABLE link_salts (
    day TEXT PRIMARY KEY,
    salt {BLOB} NOT NULL
);
