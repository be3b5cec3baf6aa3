// The nginx configuration operators install is the one the cluster test runs: the committed example is what
// infra/nginx/config.ts writes, and the writer refuses what nginx would misread.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { projectRoot } from '../server/config.ts';
import { exampleSite, siteConfig, standaloneConfig } from './nginx/config.ts';

describe('nginx configuration', () => {
  test('infra/nginx/caobang-gis.conf is what config.ts writes (regenerate it with the command in its header)', () => {
    const committed = fs.readFileSync(path.join(projectRoot, 'infra', 'nginx', 'caobang-gis.conf'), 'utf8');
    assert.equal(committed, siteConfig(exampleSite));
  });

  test('every node is in the upstream with a passive health check, and only idempotent requests are retried', () => {
    const conf = siteConfig({ listen: '127.0.0.1:8080', nodes: ['127.0.0.1:3001', '127.0.0.1:3002', '[::1]:3003'] });
    for (const node of ['127.0.0.1:3001', '127.0.0.1:3002', '[::1]:3003']) assert.ok(conf.includes(`\n    server ${node} max_fails=1 `), node);
    assert.match(conf, /proxy_next_upstream error timeout;/);
    assert.doesNotMatch(conf, /non_idempotent|http_503/);
    assert.match(conf, /location ~ \\\.mvt\$ \{\n\s+gzip off;/);
    assert.match(conf, /location = \/metrics \{\n\s+return 404;/);
    assert.match(standaloneConfig({ listen: '8080', nodes: ['127.0.0.1:3001'], prefix: '/tmp/x' }), /pid \/tmp\/x\/nginx\.pid;/);
  });

  test('a node that is not host:port, or a listen that is not a port, is refused with what to write', () => {
    assert.throws(() => siteConfig({ listen: '80', nodes: [] }), /at least one node/);
    assert.throws(() => siteConfig({ listen: '80', nodes: ['10.0.0.1'] }), /host:port/);
    assert.throws(() => siteConfig({ listen: '80', nodes: ['10.0.0.1:3000; include /etc/passwd'] }), /host:port/);
    assert.throws(() => siteConfig({ listen: '80 default_server', nodes: ['10.0.0.1:3000'] }), /--listen/);
  });
});
