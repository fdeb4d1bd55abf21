-- A practice's reporting profile per performance year, invitations to join an organization, the
-- organization a session works in, and the indexes the portfolio dashboard reads by.
CREATE TABLE practice_years (
    tenant TEXT NOT NULL REFERENCES organizations(id),
    practice TEXT NOT NULL REFERENCES practices(id),
    year INTEGER NOT NULL,
    profile TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (practice, year)
);
CREATE INDEX practice_years_by_tenant ON practice_years (tenant, year);

CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES organizations(id),
    email TEXT NOT NULL COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'staff', 'auditor')),
    token_hash BLOB NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT
);
CREATE INDEX invites_by_tenant ON invites (tenant, created_at);

ALTER TABLE sessions ADD COLUMN tenant TEXT REFERENCES organizations(id);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX clinicians_by_tenant ON clinicians (tenant, practice);
CREATE INDEX statuses_by_tenant_year ON clinician_statuses (tenant, year);
CREATE INDEX documents_by_tenant ON documents (tenant, practice);
