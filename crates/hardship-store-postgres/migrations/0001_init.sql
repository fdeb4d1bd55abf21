-- The case store on PostgreSQL. Every tenant-owned table carries `tenant`; child rows reference their
-- parent by (tenant, id) so a row can never point into another tenant's data, even by a bug.

CREATE TABLE organizations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('consultancy', 'practice')),
    created_at  timestamptz NOT NULL
);

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    email          text NOT NULL,
    password_hash  text NOT NULL,
    created_at     timestamptz NOT NULL
);
-- Emails are unique whatever their case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE memberships (
    -- insertion order, for stable listings
    row_no      bigint GENERATED ALWAYS AS IDENTITY,
    tenant      uuid NOT NULL REFERENCES organizations (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    role        text NOT NULL CHECK (role IN ('owner', 'staff', 'auditor')),
    created_at  timestamptz NOT NULL,
    CONSTRAINT memberships_key PRIMARY KEY (tenant, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE practices (
    -- insertion order, for stable listings
    row_no      bigint GENERATED ALWAYS AS IDENTITY,
    id             uuid PRIMARY KEY,
    tenant         uuid NOT NULL REFERENCES organizations (id),
    tin            text NOT NULL,
    name           text NOT NULL,
    address        text NOT NULL,
    contact_name   text NOT NULL,
    contact_email  text NOT NULL,
    contact_phone  text NOT NULL,
    version        bigint NOT NULL,
    created_at     timestamptz NOT NULL,
    UNIQUE (tenant, id)
);

CREATE TABLE clinicians (
    -- insertion order, for stable listings
    row_no      bigint GENERATED ALWAYS AS IDENTITY,
    id              uuid PRIMARY KEY,
    tenant          uuid NOT NULL,
    practice        uuid NOT NULL,
    npi             text NOT NULL,
    name            text NOT NULL,
    clinician_type  text NOT NULL,
    version         bigint NOT NULL,
    created_at      timestamptz NOT NULL,
    UNIQUE (tenant, id),
    CONSTRAINT clinicians_npi_key UNIQUE (tenant, practice, npi),
    FOREIGN KEY (tenant, practice) REFERENCES practices (tenant, id)
);

-- One current row per clinician, year and status; `origin_rank` (CMS 2 > imported 1 > manual 0) decides
-- whether a later write may replace it.
CREATE TABLE clinician_statuses (
    tenant        uuid NOT NULL,
    clinician     uuid NOT NULL,
    year          integer NOT NULL,
    status        text NOT NULL,
    value         boolean NOT NULL,
    origin        text NOT NULL CHECK (origin IN ('manual', 'imported', 'cms_eligibility')),
    origin_rank   smallint NOT NULL,
    retrieved_on  date,
    recorded_at   timestamptz NOT NULL,
    PRIMARY KEY (clinician, year, status),
    FOREIGN KEY (tenant, clinician) REFERENCES clinicians (tenant, id)
);

CREATE TABLE applications (
    -- insertion order, for stable listings
    row_no      bigint GENERATED ALWAYS AS IDENTITY,
    id          uuid PRIMARY KEY,
    tenant      uuid NOT NULL,
    practice    uuid NOT NULL,
    year        integer NOT NULL,
    draft       jsonb NOT NULL,
    state       jsonb NOT NULL,
    state_name  text NOT NULL,
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (tenant, id),
    FOREIGN KEY (tenant, practice) REFERENCES practices (tenant, id)
);
CREATE INDEX applications_tenant_year ON applications (tenant, year);

CREATE TABLE decisions (
    -- insertion order, for stable listings
    row_no      bigint GENERATED ALWAYS AS IDENTITY,
    id                uuid PRIMARY KEY,
    tenant            uuid NOT NULL,
    practice          uuid NOT NULL,
    clinician         uuid,
    year              integer NOT NULL,
    rule_set_version  text NOT NULL,
    reweighted        boolean NOT NULL,
    basis             text NOT NULL,
    explanation       jsonb NOT NULL,
    decided_at        timestamptz NOT NULL,
    FOREIGN KEY (tenant, practice) REFERENCES practices (tenant, id),
    FOREIGN KEY (tenant, clinician) REFERENCES clinicians (tenant, id)
);
CREATE INDEX decisions_practice ON decisions (tenant, practice);

CREATE TABLE documents (
    -- insertion order, for stable listings
    row_no      bigint GENERATED ALWAYS AS IDENTITY,
    id            uuid PRIMARY KEY,
    tenant        uuid NOT NULL,
    practice      uuid NOT NULL,
    application   uuid,
    kind          text NOT NULL,
    filename      text NOT NULL,
    content_type  text NOT NULL,
    size          bigint NOT NULL CHECK (size >= 0),
    sha256        bytea NOT NULL CHECK (length(sha256) = 32),
    object_key    text NOT NULL,
    retain_until  date NOT NULL,
    uploaded_by   text NOT NULL,
    uploaded_at   timestamptz NOT NULL,
    CONSTRAINT documents_object_key_key UNIQUE (object_key),
    FOREIGN KEY (tenant, practice) REFERENCES practices (tenant, id),
    FOREIGN KEY (tenant, application) REFERENCES applications (tenant, id)
);
CREATE INDEX documents_practice ON documents (tenant, practice);

-- The audit log: append-only, one hash chain per tenant.
CREATE TABLE audit_events (
    tenant       uuid NOT NULL REFERENCES organizations (id),
    seq          bigint NOT NULL CHECK (seq >= 1),
    at           timestamptz NOT NULL,
    actor_user   text,
    actor_label  text NOT NULL,
    action       text NOT NULL,
    entity       text NOT NULL,
    entity_id    text NOT NULL,
    before       text,
    after        text,
    prev_hash    bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash         bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (tenant, seq)
);
CREATE INDEX audit_events_entity ON audit_events (tenant, entity_id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
