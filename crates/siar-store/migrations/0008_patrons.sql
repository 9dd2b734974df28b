-- Patrons of the portal and the first engagement programme, polls (issue 7).

-- An account: an e-mail address that signed in with a code.
CREATE TABLE patrons (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    email TEXT NOT NULL,
    lang TEXT,
    member_no TEXT,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX patrons_email ON patrons (org_id, email);

-- Who takes part: the account holder's own profile, and children's profiles
-- a guardian adds. Only the nickname is ever public; a child's first name is
-- for the guardian and certificates.
CREATE TABLE patron_profiles (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    patron_id BIGINT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    nickname TEXT NOT NULL,
    nickname_key TEXT NOT NULL,
    first_name TEXT,
    birth_year INTEGER,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX patron_profiles_nickname ON patron_profiles (org_id, nickname_key);
CREATE INDEX patron_profiles_patron ON patron_profiles (patron_id);

-- One-time sign-in codes: the code's keyed hash to check it, and the code
-- encrypted until it is sent or spent. `address` is a keyed hash of the
-- network address, for throttling.
CREATE TABLE patron_codes (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    email TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    code_enc TEXT,
    address TEXT NOT NULL,
    lang TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    tries BIGINT NOT NULL DEFAULT 0,
    used_at BIGINT
);
CREATE INDEX patron_codes_email ON patron_codes (org_id, email, created_at);
CREATE INDEX patron_codes_address ON patron_codes (org_id, address, created_at);

CREATE TABLE patron_sessions (
    token_hash TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    patron_id BIGINT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    profile_id BIGINT REFERENCES patron_profiles (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX patron_sessions_patron ON patron_sessions (patron_id);

-- What a patron agreed to, in which version of the text, and when; a
-- withdrawal keeps the record with its time.
CREATE TABLE patron_consents (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    patron_id BIGINT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    profile_id BIGINT REFERENCES patron_profiles (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    version TEXT NOT NULL,
    given_at BIGINT NOT NULL,
    withdrawn_at BIGINT
);
CREATE INDEX patron_consents_patron ON patron_consents (patron_id, given_at);

-- Polls hosted by Siar (the platforms' APIs cannot publish polls).
CREATE TABLE polls (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    slug TEXT NOT NULL,
    question TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- Most choices a voter may tick (1: single choice).
    max_choices BIGINT NOT NULL DEFAULT 1,
    -- after_vote or after_close.
    results TEXT NOT NULL,
    allow_anonymous {BOOL} NOT NULL DEFAULT FALSE,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT,
    closed_at BIGINT,
    link_code TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX polls_slug ON polls (org_id, slug);

CREATE TABLE poll_options (
    id {ID},
    poll_id BIGINT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    label TEXT NOT NULL
);
CREATE INDEX poll_options_poll ON poll_options (poll_id, position);

-- One ballot per voter: a profile (`p:<id>`) or, where the poll allows it,
-- an anonymous browser (`a:<keyed hash>`). The choices hang off the ballot.
CREATE TABLE poll_ballots (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    poll_id BIGINT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    voter TEXT NOT NULL,
    profile_id BIGINT REFERENCES patron_profiles (id) ON DELETE SET NULL,
    address TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX poll_ballots_voter ON poll_ballots (poll_id, voter);
CREATE INDEX poll_ballots_address ON poll_ballots (poll_id, address, created_at);

CREATE TABLE poll_choices (
    ballot_id BIGINT NOT NULL REFERENCES poll_ballots (id) ON DELETE CASCADE,
    option_id BIGINT NOT NULL REFERENCES poll_options (id) ON DELETE CASCADE,
    PRIMARY KEY (ballot_id, option_id)
);
CREATE INDEX poll_choices_option ON poll_choices (option_id);

-- Participations that came through a short link: what brought them (the
-- link, and through it the channel, post and campaign), for the analytics.
CREATE TABLE conversions (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    profile_id BIGINT REFERENCES patron_profiles (id) ON DELETE SET NULL,
    link_id BIGINT REFERENCES short_links (id) ON DELETE SET NULL,
    channel_id BIGINT REFERENCES channels (id) ON DELETE SET NULL,
    post_id BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    campaign TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX conversions_org ON conversions (org_id, at);
CREATE INDEX conversions_post ON conversions (post_id);
