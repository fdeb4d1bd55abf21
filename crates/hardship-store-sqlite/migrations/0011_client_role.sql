-- Client practices (issue 15): the role `client` on memberships, API tokens and invitations; a client's
-- practices; the member who minted each API token (revoked when that member's role changes or it
-- leaves); an invitation's practices; attestations of application packets, write-once.
--
-- SQLite cannot change a CHECK constraint, so the three tables with a role are rebuilt: created anew,
-- filled from the old one, the old one dropped and the new one renamed. Nothing references them, so
-- dropping them breaks no foreign key.

CREATE TABLE memberships_new (
    tenant TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'staff', 'auditor', 'client')),
    PRIMARY KEY (tenant, user_id)
);
INSERT INTO memberships_new (tenant, user_id, role) SELECT tenant, user_id, role FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_new RENAME TO memberships;
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE api_tokens_new (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'staff', 'auditor', 'client')),
    token_hash BLOB NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    scope TEXT NOT NULL DEFAULT 'api',
    user_id TEXT REFERENCES users(id)
);
-- Tokens minted before this knew only their minter's address: the account with that address owns them.
INSERT INTO api_tokens_new (id, tenant, name, role, token_hash, created_by, created_at, revoked, scope, user_id)
SELECT t.id, t.tenant, t.name, t.role, t.token_hash, t.created_by, t.created_at, t.revoked, t.scope,
       (SELECT u.id FROM users u WHERE u.email = t.created_by)
FROM api_tokens t;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
CREATE INDEX api_tokens_by_user ON api_tokens (tenant, user_id);

CREATE TABLE invites_new (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES organizations(id),
    email TEXT NOT NULL COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'staff', 'auditor', 'client')),
    token_hash BLOB NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT,
    -- A client invitation's practices: a JSON array of practice ids (empty for other roles).
    practices TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO invites_new (id, tenant, email, role, token_hash, created_by, created_at, expires_at, accepted_at)
SELECT id, tenant, email, role, token_hash, created_by, created_at, expires_at, accepted_at FROM invites;
DROP TABLE invites;
ALTER TABLE invites_new RENAME TO invites;
CREATE INDEX invites_by_tenant ON invites (tenant, created_at);

-- The practices a client member sees; nobody else has rows here.
CREATE TABLE client_practices (
    tenant TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    practice TEXT NOT NULL REFERENCES practices(id),
    PRIMARY KEY (tenant, user_id, practice)
);

-- Signed attestations of application packets: one per packet hash, never changed or deleted.
CREATE TABLE attestations (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES organizations(id),
    application TEXT NOT NULL REFERENCES applications(id),
    practice TEXT NOT NULL REFERENCES practices(id),
    application_version INTEGER NOT NULL,
    typed_name TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'staff', 'client')),
    signed_on TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    packet_sha256 TEXT NOT NULL,
    UNIQUE (application, packet_sha256)
);
CREATE INDEX attestations_by_application ON attestations (tenant, application, signed_at);
CREATE TRIGGER attestations_no_update BEFORE UPDATE ON attestations
BEGIN SELECT RAISE(ABORT, 'attestations are write-once'); END;
CREATE TRIGGER attestations_no_delete BEFORE DELETE ON attestations
BEGIN SELECT RAISE(ABORT, 'attestations are write-once'); END;
