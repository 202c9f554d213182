-- Certificates obtained over ACME (--domain), shared by every instance:
-- certmagic's storage, one row per key (a slash-separated path such as
-- certificates/<ca>/<domain>/<domain>.crt). Keys compare byte-wise
-- (COLLATE "C") so that a key prefix is a range of the primary key.
CREATE TABLE acme_storage (
    key      TEXT COLLATE "C" PRIMARY KEY,
    value    BYTEA NOT NULL,
    modified TIMESTAMPTZ NOT NULL
);
-- certmagic's locks (one name each, e.g. the issuance of a domain's
-- certificate): a lease held by one process until expires; a holder that
-- crashed loses it once expires has passed.
CREATE TABLE acme_locks (
    name    TEXT COLLATE "C" PRIMARY KEY,
    owner   TEXT NOT NULL,
    expires TIMESTAMPTZ NOT NULL
);
