-- generation-service schema, version 1: teachers

-- A teacher is an OpenAI-compatible endpoint and model. Its API key is never stored: api_key_env names the
-- environment variable (filled from a Kubernetes Secret) that holds it.
CREATE TABLE teacher (
    id               bigserial PRIMARY KEY,
    name             text             NOT NULL UNIQUE,
    base_url         text             NOT NULL,
    model            text             NOT NULL,
    api_key_env      text,
    temperature      double precision,
    top_p            double precision,
    max_tokens       int,
    rpm              int,
    tpm              bigint,
    max_concurrency  int              NOT NULL,
    input_per_mtok   double precision NOT NULL DEFAULT 0,
    output_per_mtok  double precision NOT NULL DEFAULT 0,
    supports_n       boolean          NOT NULL DEFAULT false,
    created_at       timestamptz      NOT NULL DEFAULT now()
);
