-- Points, rewards and vouchers (issue 7).

-- The points ledger: append-only; every movement with its reason. A profile's
-- balance is the sum of its rows, kept in `point_balances` in the same
-- transaction so that spending can check and subtract in one statement.
CREATE TABLE points_ledger (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    profile_id BIGINT NOT NULL REFERENCES patron_profiles (id) ON DELETE CASCADE,
    delta BIGINT NOT NULL,
    reason TEXT NOT NULL,
    ref_id BIGINT,
    note TEXT NOT NULL DEFAULT '',
    by_user BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX points_ledger_profile ON points_ledger (profile_id, id);

CREATE TABLE point_balances (
    profile_id BIGINT PRIMARY KEY REFERENCES patron_profiles (id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    balance BIGINT NOT NULL CHECK (balance >= 0)
);

-- The rewards catalogue. `stock` NULL: no limit.
CREATE TABLE rewards (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    cost BIGINT NOT NULL,
    stock BIGINT CHECK (stock >= 0),
    active {BOOL} NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX rewards_org ON rewards (org_id, active);

-- A voucher: a reward taken for points, used once at the desk. The code is
-- unique across the deployment (it is typed or scanned without context).
CREATE TABLE vouchers (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    reward_id BIGINT NOT NULL REFERENCES rewards (id),
    profile_id BIGINT REFERENCES patron_profiles (id) ON DELETE SET NULL,
    code TEXT NOT NULL,
    cost BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    redeemed_at BIGINT,
    redeemed_by BIGINT REFERENCES users (id)
);
CREATE UNIQUE INDEX vouchers_code ON vouchers (code);
CREATE INDEX vouchers_profile ON vouchers (profile_id);
