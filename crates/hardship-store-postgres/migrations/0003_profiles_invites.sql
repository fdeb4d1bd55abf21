-- A practice's reporting profile per performance year, invitations to join an organization, the
-- organization a session works in, and the indexes the portfolio dashboard reads by.

-- One saved profile per practice and year; none saved means the default profile at version 0.
CREATE TABLE practice_years (
    tenant      uuid NOT NULL,
    practice    uuid NOT NULL,
    year        integer NOT NULL,
    profile     jsonb NOT NULL,
    version     bigint NOT NULL CHECK (version >= 1),
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (practice, year),
    FOREIGN KEY (tenant, practice) REFERENCES practices (tenant, id)
);
CREATE INDEX practice_years_by_tenant ON practice_years (tenant, year);

-- Only the SHA-256 of an invitation link's token is stored. Emails are kept as given and compared with
-- lower(), like users.email.
CREATE TABLE invites (
    id           uuid PRIMARY KEY,
    tenant       uuid NOT NULL REFERENCES organizations (id),
    email        text NOT NULL,
    role         text NOT NULL CHECK (role IN ('owner', 'staff', 'auditor')),
    token_hash   bytea NOT NULL CHECK (length(token_hash) = 32),
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    CONSTRAINT invites_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX invites_by_tenant ON invites (tenant, created_at);

-- The organization a session works in (NULL until one is chosen).
ALTER TABLE sessions
    ADD COLUMN tenant uuid CONSTRAINT sessions_tenant_fkey REFERENCES organizations (id);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE INDEX clinicians_by_tenant ON clinicians (tenant, practice);
CREATE INDEX statuses_by_tenant_year ON clinician_statuses (tenant, year);
