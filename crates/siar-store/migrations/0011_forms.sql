-- Quizzes and surveys (issue 7): a form of questions a patron answers one
-- page at a time. `opens_at` is NULL while the staff are still writing it.

CREATE TABLE forms (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    -- quiz or survey.
    kind TEXT NOT NULL,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    thanks TEXT NOT NULL DEFAULT '',
    time_limit_secs BIGINT,
    -- Quiz: points per correct answer. Survey: points for completing it.
    points BIGINT NOT NULL DEFAULT 0,
    leaderboard {BOOL} NOT NULL DEFAULT FALSE,
    allow_anonymous {BOOL} NOT NULL DEFAULT FALSE,
    -- Starts per network address per hour.
    address_cap BIGINT NOT NULL DEFAULT 30,
    opens_at BIGINT,
    closes_at BIGINT,
    closed_at BIGINT,
    link_code TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX forms_slug ON forms (org_id, kind, slug);

CREATE TABLE form_questions (
    id {ID},
    form_id BIGINT NOT NULL REFERENCES forms (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    prompt TEXT NOT NULL,
    help TEXT NOT NULL DEFAULT '',
    explanation TEXT NOT NULL DEFAULT '',
    required {BOOL} NOT NULL DEFAULT TRUE
);
CREATE INDEX form_questions_form ON form_questions (form_id, position);

-- `goto`: skip logic, the 1-based position a choice leads to, 0 for the end.
CREATE TABLE form_options (
    id {ID},
    question_id BIGINT NOT NULL REFERENCES form_questions (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    label TEXT NOT NULL,
    correct {BOOL} NOT NULL DEFAULT FALSE,
    goto BIGINT
);
CREATE INDEX form_options_question ON form_options (question_id, position);

-- One response per respondent (`p:<profile>` or, where a survey allows it,
-- `a:<keyed hash of the browser>`); finished once, scored once.
CREATE TABLE form_responses (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    form_id BIGINT NOT NULL REFERENCES forms (id) ON DELETE CASCADE,
    respondent TEXT NOT NULL,
    profile_id BIGINT REFERENCES patron_profiles (id) ON DELETE SET NULL,
    address TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    score BIGINT,
    out_of BIGINT,
    timed_out {BOOL} NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX form_responses_respondent ON form_responses (form_id, respondent);
CREATE INDEX form_responses_address ON form_responses (form_id, address, started_at);
CREATE INDEX form_responses_profile ON form_responses (profile_id);

-- One answer per question of a response (the key refuses a second one).
CREATE TABLE form_answers (
    response_id BIGINT NOT NULL REFERENCES form_responses (id) ON DELETE CASCADE,
    question_id BIGINT NOT NULL REFERENCES form_questions (id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    correct {BOOL},
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (response_id, question_id)
);
CREATE INDEX form_answers_question ON form_answers (question_id);
