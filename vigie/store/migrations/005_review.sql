-- 005: review desk (sessions, login attempts, assignment kinds and notifications, escalation).

-- Server-side sessions: the cookie carries a signed random token, the table keeps its sha256
-- so logging out (or deactivating a person) ends the session at once.
CREATE TABLE review_sessions (
    token_hash     VARCHAR PRIMARY KEY,
    reservist_id   VARCHAR NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL
);

-- Every login attempt, for rate limiting (and the audit log records the outcome).
CREATE TABLE login_attempts (
    login          VARCHAR NOT NULL,
    client         VARCHAR NOT NULL,
    attempted_at   TIMESTAMPTZ NOT NULL,
    success        BOOLEAN NOT NULL
);

-- route | second_opinion | reassign | escalation
ALTER TABLE assignments ADD COLUMN kind VARCHAR DEFAULT 'route';
ALTER TABLE assignments ADD COLUMN notified_at TIMESTAMPTZ;
ALTER TABLE assignments ADD COLUMN notify_error VARCHAR;
ALTER TABLE cases ADD COLUMN escalated_at TIMESTAMPTZ;
