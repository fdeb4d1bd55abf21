-- Browser sessions and API tokens. Only SHA-256 hashes of tokens are stored.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users(id),
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id uuid PRIMARY KEY,
    tenant uuid NOT NULL REFERENCES organizations(id),
    name text NOT NULL,
    role text NOT NULL CHECK (role IN ('owner', 'staff', 'auditor')),
    token_hash bytea NOT NULL UNIQUE,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    revoked boolean NOT NULL DEFAULT false
);
