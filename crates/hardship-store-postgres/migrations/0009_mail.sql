-- E-mail (issue 15): password reset links, stored as the SHA-256 of their secret, and reminders sent
-- once per (tenant, recipient, kind, period), claimed before sending.
CREATE TABLE password_resets (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users(id),
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);

CREATE TABLE reminders (
    tenant      uuid NOT NULL REFERENCES organizations(id),
    recipient   uuid NOT NULL REFERENCES users(id),
    kind        text NOT NULL,
    period      text NOT NULL,
    claim       uuid NOT NULL,
    claimed_at  timestamptz NOT NULL,
    sent_at     timestamptz,
    PRIMARY KEY (tenant, recipient, kind, period)
);
