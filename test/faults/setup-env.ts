/** The fault suite always runs on a real Postgres: the local one unless DATABASE_URL says otherwise. */
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
