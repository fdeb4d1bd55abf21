-- What a token may do: `api` (the JSON API with its role) or `calendar` (read the deadline calendar feed
-- and nothing else; the secret of a calendar subscription URL).
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'api';
