-- Targeted-review candidates (issue 16): opened when CMS's final feedback disagrees with the product's
-- decision; one per subject (TIN, or TIN/NPI; npi '' for the group) and year, so a re-import opens none.
CREATE TABLE targeted_reviews (
    id          uuid PRIMARY KEY,
    tenant      uuid NOT NULL REFERENCES organizations (id),
    practice    uuid NOT NULL,
    year        integer NOT NULL,
    tin         text NOT NULL,
    npi         text NOT NULL,
    state       text NOT NULL CHECK (state IN ('draft', 'submitted', 'decided')),
    codes       jsonb NOT NULL,
    summary     text NOT NULL,
    evidence    jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    created_by  text NOT NULL,
    FOREIGN KEY (tenant, practice) REFERENCES practices (tenant, id),
    UNIQUE (tenant, year, tin, npi)
);
