/**
 * The golden conformance files (test/golden, run as in conformance.test.ts) against servers
 * whose store is PostgreSQL: the wire does not depend on the backend.
 */
import { goldenSuites } from './support/golden.js';
import { freshPostgresUrl } from './support/postgres.js';

goldenSuites(undefined, { database: freshPostgresUrl, label: 'PostgreSQL: ' });
