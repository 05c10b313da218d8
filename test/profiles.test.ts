/**
 * The EM version profiles (issue 16): `serve --em-version` / EMREST_EM_VERSION select one row
 * of the profile table; a server reports the version it speaks.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../src/cli/args.js';
import { DEFAULT_EM_VERSION, EM_VERSIONS, PROFILES } from '../src/profile/profiles.js';
import { settingsFrom } from '../src/settings.js';
import { startServer } from './support/server.js';

const TOKEN = 'profiles-admin-token-0123456789';

describe('version profiles', () => {
  test('--em-version picks the profile; EMREST_EM_VERSION too; the flag wins; default 12', () => {
    assert.equal(DEFAULT_EM_VERSION, '12');
    assert.equal(settingsFrom({}, {}).profile, PROFILES['12']);
    for (const v of EM_VERSIONS) assert.equal(settingsFrom({ 'em-version': v }, {}).profile.emVersion, v);
    assert.equal(settingsFrom({}, { EMREST_EM_VERSION: '9.5' }).profile.emVersion, '9.5');
    assert.equal(settingsFrom({ 'em-version': '13' }, { EMREST_EM_VERSION: '9.5' }).profile.emVersion, '13');
    for (const bad of ['11', '12.0', '', 'v12']) {
      assert.throws(() => settingsFrom({ 'em-version': bad }, {}), (e: Error) => e instanceof UsageError && /--em-version must be one of 9\.5, 12, 13/.test(e.message));
    }
  });

  test('health reports the version the server speaks', async () => {
    for (const v of EM_VERSIONS) {
      const server = await startServer({ adminToken: TOKEN, flags: { 'em-version': v } });
      try {
        const h = await (await fetch(`${server.url}/admin/v1/health`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
        assert.equal(h.emVersion, v);
      } finally {
        await server.close();
      }
    }
  });
});
