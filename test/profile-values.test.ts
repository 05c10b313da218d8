/**
 * Values on the wire that differ by EM version (issue 16, items 3, 4 and 6), below HTTP: the
 * paging-link encodings, EM's texts about path IDs, which sessions show a FailureMessage.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errors } from '../src/http/errors.js';
import { invalidIdText, unknownIdText } from '../src/http/id-texts.js';
import { encodeComponent, parseQueryString, rebuildQuery } from '../src/http/query-string.js';
import { BackupJobSession, ReplicaJobSession } from '../src/model/all.js';
import { TYPES } from '../src/model/index.js';
import { PROFILES } from '../src/profile/profiles.js';
import { entityNode, LOSSLESS } from '../src/represent/entities.js';
import { toXml } from '../src/represent/xml.js';
import { backupSessions } from './support/fixture.js';

describe('paging-link encoding', () => {
  test('dotnet-form reproduces the 9.5 U4 and v12 captures byte for byte', () => {
    // surfer190/veeam tests/test_client.py (9.5 U4) and centreon-plugins restapi.json (v12).
    assert.equal(encodeComponent('result=="Failed";endtime>"2019-06-30"', 'dotnet-form'), 'result%3d%3d%22Failed%22%3bendtime%3e%222019-06-30%22');
    assert.equal(
      encodeComponent('jobname=="Vrfpoller Servers ECS_Ter";result=="Success";creationtime>"2019-07-01T04:00:16Z"', 'dotnet-form'),
      'jobname%3d%3d%22Vrfpoller+Servers+ECS_Ter%22%3bresult%3d%3d%22Success%22%3bcreationtime%3e%222019-07-01T04%3a00%3a16Z%22',
    );
    assert.equal(encodeComponent('CreationTime>=2025-02-18T14:16:31', 'dotnet-form'), 'CreationTime%3e%3d2025-02-18T14%3a16%3a31');
  });

  test('uri-upper reproduces the v13.1 form: upper-case hex, ; literal', () => {
    assert.equal(
      encodeComponent('CreationTime>="2025-08-15T06:00:00Z";CreationTime<=x', 'uri-upper'),
      'CreationTime%3E%3D%222025-08-15T06%3A00%3A00Z%22;CreationTime%3C%3Dx',
    );
  });

  test('the characters each keeps literal', () => {
    assert.equal(encodeComponent('a-b_c.d!e*f(g)h', 'dotnet-form'), 'a-b_c.d!e*f(g)h');
    assert.equal(encodeComponent(';,~ é', 'dotnet-form'), '%3b%2c%7e+%c3%a9');
    assert.equal(encodeComponent(';,~ é', 'uri-upper'), ';,~+%C3%A9');
  });

  test('a rebuilt query decodes back to the same parameters in either encoding', () => {
    const params = parseQueryString('type=BackupJobSession&filter=(Result==Failed,Result==Warning);JobName=="A+B~1"&sortAsc=name');
    for (const enc of ['dotnet-form', 'uri-upper'] as const) {
      const again = parseQueryString(rebuildQuery(params, [['page', '2']], enc));
      assert.deepEqual(again.map((p) => [p.name, p.value]), [...params.map((p) => [p.name, p.value]), ['page', '2']], enc);
    }
  });

  test('the profiles: .NET form encoding up to 12, upper-case in 13', () => {
    assert.equal(PROFILES['9.5'].linkEncoding, 'dotnet-form');
    assert.equal(PROFILES['12'].linkEncoding, 'dotnet-form');
    assert.equal(PROFILES['13'].linkEncoding, 'uri-upper');
  });
});

describe('path ID texts', () => {
  test("EM's texts for jobs, with the leading space of the 400", () => {
    assert.equal(invalidIdText('Job', '99999'), ' ID 99999 is invalid. Type: Job');
    assert.equal(unknownIdText('Job', '00000000-0000-0000-0000-000000000000'), 'Cannot find job [00000000-0000-0000-0000-000000000000]');
  });

  test('every declared type gets the same shape, its name split into lower-case words', () => {
    assert.equal(unknownIdText('BackupJobSession', 'g'), 'Cannot find backup job session [g]');
    assert.equal(unknownIdText('VmRestorePoint', 'g'), 'Cannot find vm restore point [g]');
    for (const t of TYPES) assert.match(unknownIdText(t.name, 'g'), /^Cannot find [a-z0-9]+( [a-z0-9]+)* \[g\]$/, t.name);
  });

  test('the registry: 400 invalid-id, 404 unknown-id', () => {
    assert.equal(errors.invalidId('Job', 'x').status, 400);
    assert.equal(errors.unknownId('Job', 'g').status, 404);
    assert.equal(errors.invalidId('Job', 'x').message, ' ID x is invalid. Type: Job');
  });
});

describe('FailureMessage per profile', () => {
  const failed = backupSessions.find((s) => s.failureMessage)! as unknown as Parameters<typeof entityNode>[1];

  test('a backup session keeps its message in the row but renders none in any profile', () => {
    for (const p of Object.values(PROFILES)) {
      const xml = toXml(entityNode(BackupJobSession, failed, 'https://h/api', p));
      assert.doesNotMatch(xml, /FailureMessage/, p.emVersion);
    }
    assert.match(toXml(entityNode(BackupJobSession, failed, 'https://h/api', LOSSLESS)), /<FailureMessage>Error: Cannot connect/);
  });

  test('replica sessions show it in every profile', () => {
    for (const p of Object.values(PROFILES)) assert.ok(p.failureMessageTypes.includes(ReplicaJobSession.name), p.emVersion);
  });
});
