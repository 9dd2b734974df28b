-- Unified inbox (issue 5): raw webhook events, conversations and their
-- messages, contacts, polling cursors, rules, saved replies, response targets,
-- response records for reports, satisfaction ratings.

-- Raw events as received, once per platform event id. The organisation is
-- known only after the event is matched to a channel (NULL until then, and for
-- events of accounts we do not know).
CREATE TABLE inbox_events (
    id {ID},
    platform TEXT NOT NULL,
    event_id TEXT NOT NULL,
    -- The account the event is for (Page id, Instagram user id, ...).
    account TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    processed_at BIGINT,
    -- ok, unknown_channel, ignored, malformed
    outcome TEXT
);
CREATE UNIQUE INDEX inbox_events_unique ON inbox_events (platform, event_id);
-- Pending events (processed_at NULL) in order, and old filed ones to purge.
CREATE INDEX inbox_events_pending ON inbox_events (processed_at, id);

-- The people who write to us, per channel.
CREATE TABLE inbox_contacts (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    remote_id TEXT NOT NULL,
    handle TEXT NOT NULL,
    name TEXT NOT NULL,
    profile_url TEXT,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL
);
CREATE UNIQUE INDEX inbox_contacts_unique ON inbox_contacts (channel_id, remote_id);

CREATE TABLE conversations (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    -- comment, mention, message
    kind TEXT NOT NULL,
    -- The platform's id of what holds the thread: the top-level comment, the
    -- mentioning post, the direct-message partner.
    thread_key TEXT NOT NULL,
    -- The platform's id of the post commented on, and ours when it is ours.
    remote_post_id TEXT,
    post_id BIGINT REFERENCES posts (id),
    permalink TEXT,
    contact_id BIGINT REFERENCES inbox_contacts (id),
    -- open, waiting, resolved
    state TEXT NOT NULL,
    -- low, normal, high, urgent
    priority TEXT NOT NULL,
    assignee_id BIGINT REFERENCES users (id),
    -- The response clock (see siar_domain::inbox::ConvClock).
    first_in_at BIGINT,
    first_out_at BIGINT,
    waiting_since BIGINT,
    last_message_at BIGINT NOT NULL,
    -- Latest text, for the list.
    preview TEXT NOT NULL,
    unread {BOOL} NOT NULL,
    -- When the current target's breach was flagged (once per target).
    breach_flagged_at BIGINT,
    resolved_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX conversations_thread ON conversations (channel_id, thread_key);
CREATE INDEX conversations_list ON conversations (org_id, state, last_message_at);
CREATE INDEX conversations_contact ON conversations (contact_id);

CREATE TABLE conversation_labels (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    label TEXT NOT NULL,
    PRIMARY KEY (conversation_id, label)
);
CREATE INDEX conversation_labels_org ON conversation_labels (org_id, label);

-- in: the patron; out: the library; note: internal, never sent.
CREATE TABLE inbox_messages (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    -- The platform's id; NULL for notes and replies not sent yet.
    remote_id TEXT,
    parent_remote_id TEXT,
    direction TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_handle TEXT NOT NULL,
    body TEXT NOT NULL,
    -- The staff member who wrote a reply or note in Siar.
    user_id BIGINT REFERENCES users (id),
    -- Replies written in Siar: awaiting_approval, sending, sent, failed.
    reply_state TEXT,
    reply_error TEXT,
    -- Set before the platform is called; see app::inbox::send_reply.
    attempt_at BIGINT,
    hidden {BOOL} NOT NULL DEFAULT FALSE,
    liked {BOOL} NOT NULL DEFAULT FALSE,
    deleted {BOOL} NOT NULL DEFAULT FALSE,
    -- The platform's time of the message.
    sent_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX inbox_messages_remote ON inbox_messages (channel_id, remote_id);
CREATE INDEX inbox_messages_conv ON inbox_messages (conversation_id, sent_at);

-- Where each poll stopped, per channel and stream (notifications, comments of
-- one video, ...).
CREATE TABLE inbox_cursors (
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    stream TEXT NOT NULL,
    position TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (channel_id, stream)
);

CREATE TABLE inbox_rules (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    position BIGINT NOT NULL,
    -- siar_domain::inbox::Rule as JSON.
    rule TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX inbox_rules_org ON inbox_rules (org_id, position);

CREATE TABLE saved_replies (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Comma-separated phrases that suggest this reply.
    topics TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX saved_replies_org ON saved_replies (org_id, title);

-- One row per organisation; absent = the defaults.
CREATE TABLE inbox_settings (
    org_id BIGINT PRIMARY KEY REFERENCES organisations (id),
    first_response_mins BIGINT,
    next_response_mins BIGINT,
    resolution_mins BIGINT,
    warn_mins BIGINT NOT NULL,
    -- Contributors' replies wait for an editor.
    approve_replies {BOOL} NOT NULL,
    -- Offer a rating after a resolved direct-message conversation.
    ask_rating {BOOL} NOT NULL,
    catalogue_url TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Every answer to a waiting patron, in working time, for the reports.
CREATE TABLE inbox_responses (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    user_id BIGINT REFERENCES users (id),
    -- first, next
    kind TEXT NOT NULL,
    asked_at BIGINT NOT NULL,
    answered_at BIGINT NOT NULL,
    working_ms BIGINT NOT NULL,
    target_ms BIGINT
);
CREATE INDEX inbox_responses_org ON inbox_responses (org_id, answered_at);

CREATE TABLE inbox_ratings (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    token TEXT NOT NULL,
    score BIGINT,
    comment TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    rated_at BIGINT
);
CREATE UNIQUE INDEX inbox_ratings_token ON inbox_ratings (token);
CREATE UNIQUE INDEX inbox_ratings_conv ON inbox_ratings (conversation_id);
