-- The hardship store, SQLite schema. Timestamps are RFC 3339 UTC text to the microsecond (they sort, and
-- they are exactly what the audit hash covers); ids are UUID text; every table carries its tenant.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('consultancy', 'practice')),
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE memberships (
    tenant TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'staff', 'auditor')),
    PRIMARY KEY (tenant, user_id)
);

CREATE TABLE practices (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES organizations(id),
    tin TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX practices_by_tenant ON practices (tenant, name);

CREATE TABLE clinicians (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES organizations(id),
    practice TEXT NOT NULL REFERENCES practices(id),
    npi TEXT NOT NULL,
    name TEXT NOT NULL,
    clinician_type TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant, practice, npi)
);

CREATE TABLE clinician_statuses (
    tenant TEXT NOT NULL REFERENCES organizations(id),
    clinician TEXT NOT NULL REFERENCES clinicians(id),
    year INTEGER NOT NULL,
    status TEXT NOT NULL,
    value INTEGER NOT NULL,
    origin TEXT NOT NULL,
    origin_rank INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (clinician, year, status)
);

CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES organizations(id),
    practice TEXT NOT NULL REFERENCES practices(id),
    year INTEGER NOT NULL,
    draft TEXT NOT NULL,
    state TEXT NOT NULL,
    state_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX applications_by_tenant ON applications (tenant, year);

CREATE TABLE decisions (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES organizations(id),
    practice TEXT NOT NULL REFERENCES practices(id),
    clinician TEXT,
    year INTEGER NOT NULL,
    rule_set_version TEXT NOT NULL,
    reweighted INTEGER NOT NULL,
    basis TEXT NOT NULL,
    explanation TEXT NOT NULL,
    decided_at TEXT NOT NULL
);

CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES organizations(id),
    practice TEXT NOT NULL REFERENCES practices(id),
    application TEXT,
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    object_key TEXT NOT NULL UNIQUE,
    retain_until TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);

CREATE TABLE audit_events (
    tenant TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor_user TEXT,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before TEXT,
    after TEXT,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (tenant, seq)
);
CREATE INDEX audit_by_entity ON audit_events (tenant, entity_id);

-- The audit log is append-only: the database itself refuses edits and deletions.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
