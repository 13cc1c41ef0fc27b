// The fault suites need PostgreSQL: the machine's server (as in CI) unless told otherwise.
process.env.TEST_DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/test';
