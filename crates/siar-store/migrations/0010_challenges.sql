-- Reading challenges (issue 7): challenges, who joined, reading logs (some
-- wait for a librarian), badges earned, secret codes and certificates.

CREATE TABLE challenges (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- Local dates, YYYY-MM-DD.
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    goal_kind TEXT NOT NULL,
    goal BIGINT NOT NULL,
    min_age INTEGER,
    max_age INTEGER,
    points_per_log BIGINT NOT NULL DEFAULT 0,
    link_code TEXT,
    closed_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX challenges_slug ON challenges (org_id, slug);

-- A profile taking part; `progress` counts logs that count (books, pages or
-- minutes), kept apart from points.
CREATE TABLE challenge_entries (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    challenge_id BIGINT NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    profile_id BIGINT NOT NULL REFERENCES patron_profiles (id) ON DELETE CASCADE,
    progress BIGINT NOT NULL DEFAULT 0,
    joined_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE UNIQUE INDEX challenge_entries_profile ON challenge_entries (challenge_id, profile_id);

-- A reading log: `counted`, `review` (waits for a librarian) or `rejected`.
CREATE TABLE reading_logs (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    entry_id BIGINT NOT NULL REFERENCES challenge_entries (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT '',
    isbn TEXT,
    pages BIGINT NOT NULL DEFAULT 0,
    minutes BIGINT NOT NULL DEFAULT 0,
    read_on TEXT NOT NULL,
    review TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by BIGINT REFERENCES users (id)
);
CREATE INDEX reading_logs_entry ON reading_logs (entry_id, read_on);
CREATE INDEX reading_logs_review ON reading_logs (org_id, status);

-- A badge earned at a milestone (per cent of the goal).
CREATE TABLE badge_awards (
    entry_id BIGINT NOT NULL REFERENCES challenge_entries (id) ON DELETE CASCADE,
    milestone BIGINT NOT NULL,
    awarded_at BIGINT NOT NULL,
    PRIMARY KEY (entry_id, milestone)
);

-- Secret codes from posters, events or posts: bonus points once per profile.
CREATE TABLE secret_codes (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    challenge_id BIGINT REFERENCES challenges (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    points BIGINT NOT NULL,
    max_uses BIGINT,
    uses BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX secret_codes_code ON secret_codes (org_id, code);

CREATE TABLE secret_code_uses (
    code_id BIGINT NOT NULL REFERENCES secret_codes (id) ON DELETE CASCADE,
    profile_id BIGINT NOT NULL REFERENCES patron_profiles (id) ON DELETE CASCADE,
    used_at BIGINT NOT NULL,
    PRIMARY KEY (code_id, profile_id)
);

-- Certificates: public verification by code, with the name printed on it (a
-- child's first name, or the nickname). Deleting the account deletes them:
-- the verification page then says the certificate is no longer held.
CREATE TABLE certificates (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    code TEXT NOT NULL,
    entry_id BIGINT REFERENCES challenge_entries (id) ON DELETE SET NULL,
    profile_id BIGINT NOT NULL REFERENCES patron_profiles (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    achievement TEXT NOT NULL,
    issued_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX certificates_code ON certificates (code);
