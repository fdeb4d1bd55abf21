-- Client practices (issue 15): the role `client` on memberships, API tokens and invitations; a client's
-- practices; the member who minted each API token (revoked when that member's role changes or it
-- leaves); an invitation's practices; attestations of application packets, write-once.

ALTER TABLE memberships DROP CONSTRAINT IF EXISTS memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_check
    CHECK (role IN ('owner', 'staff', 'auditor', 'client'));
ALTER TABLE api_tokens DROP CONSTRAINT IF EXISTS api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
    CHECK (role IN ('owner', 'staff', 'auditor', 'client'));
ALTER TABLE invites DROP CONSTRAINT IF EXISTS invites_role_check;
ALTER TABLE invites ADD CONSTRAINT invites_role_check
    CHECK (role IN ('owner', 'staff', 'auditor', 'client'));

-- Tokens minted before this knew only their minter's address: the account with that address owns them.
ALTER TABLE api_tokens ADD COLUMN user_id uuid REFERENCES users (id);
UPDATE api_tokens t SET user_id = u.id FROM users u WHERE lower(u.email) = lower(t.created_by);
CREATE INDEX api_tokens_by_user ON api_tokens (tenant, user_id);

-- A client invitation's practices (empty for other roles).
ALTER TABLE invites ADD COLUMN practices jsonb NOT NULL DEFAULT '[]'::jsonb;

-- The practices a client member sees; nobody else has rows here.
CREATE TABLE client_practices (
    tenant    uuid NOT NULL,
    user_id   uuid NOT NULL REFERENCES users (id),
    practice  uuid NOT NULL,
    PRIMARY KEY (tenant, user_id, practice),
    FOREIGN KEY (tenant, practice) REFERENCES practices (tenant, id)
);

-- Signed attestations of application packets: one per packet hash, never changed or deleted.
CREATE TABLE attestations (
    row_no               bigint GENERATED ALWAYS AS IDENTITY,
    id                   uuid PRIMARY KEY,
    tenant               uuid NOT NULL,
    application          uuid NOT NULL,
    practice             uuid NOT NULL,
    application_version  bigint NOT NULL,
    typed_name           text NOT NULL,
    user_id              uuid NOT NULL REFERENCES users (id),
    email                text NOT NULL,
    role                 text NOT NULL CHECK (role IN ('owner', 'staff', 'client')),
    signed_on            date NOT NULL,
    signed_at            timestamptz NOT NULL,
    packet_sha256        bytea NOT NULL CHECK (length(packet_sha256) = 32),
    CONSTRAINT attestations_packet_key UNIQUE (application, packet_sha256),
    FOREIGN KEY (tenant, application) REFERENCES applications (tenant, id),
    FOREIGN KEY (tenant, practice) REFERENCES practices (tenant, id)
);
CREATE INDEX attestations_by_application ON attestations (tenant, application, signed_at);

CREATE FUNCTION attestations_write_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'attestations are write-once: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER attestations_no_update_delete
    BEFORE UPDATE OR DELETE ON attestations
    FOR EACH ROW EXECUTE FUNCTION attestations_write_once();
CREATE TRIGGER attestations_no_truncate
    BEFORE TRUNCATE ON attestations
    FOR EACH STATEMENT EXECUTE FUNCTION attestations_write_once();
