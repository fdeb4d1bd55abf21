-- E-mail (issue 15): password reset links, stored as the SHA-256 of their secret, and reminders sent
-- once per (tenant, recipient, kind, period), claimed before sending.
CREATE TABLE password_resets (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    token_hash BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);

CREATE TABLE reminders (
    tenant TEXT NOT NULL REFERENCES organizations(id),
    recipient TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    claim TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    sent_at TEXT,
    PRIMARY KEY (tenant, recipient, kind, period)
);
