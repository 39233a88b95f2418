import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStraceAddresses, findLeaks, runAudited } from './leak-audit.js';

const SAMPLE = [
  '4711  connect(21, {sa_family=AF_INET, sin_port=htons(9050), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)',
  '4712  connect(22, {sa_family=AF_UNIX, sun_path="/tmp/x/tor.control"}, 110) = 0',
  '4712  sendto(23, "\\1\\2", 2, MSG_NOSIGNAL, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 2',
  '4713  connect(24, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH',
  '4713  connect(25, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 0',
  '4714  sendmsg(26, {msg_name={sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("192.0.2.7")}, msg_namelen=16}, 0) = 5',
].join('\n');

test('parseStraceAddresses reads inet, inet6 and unix addresses and ignores netlink', () => {
  const got = parseStraceAddresses(SAMPLE);
  assert.deepEqual(
    got.map((a) => (a.family === 'unix' ? `${a.call} unix:${a.path}` : `${a.call} ${a.family}:${a.host}:${a.port}`)),
    ['connect inet:127.0.0.1:9050', 'connect unix:/tmp/x/tor.control', 'sendto inet:127.0.0.53:53', 'connect inet6:2001:db8::1:443', 'sendmsg inet:192.0.2.7:80'],
  );
});

test('findLeaks flags port 53 even on loopback, and anything the policy does not allow', () => {
  const got = parseStraceAddresses(SAMPLE);
  const leaks = findLeaks(got, (a) => a.family === 'unix' || (a.host === '127.0.0.1' && a.port === 9050));
  assert.deepEqual(
    leaks.map((a) => (a.family === 'unix' ? a.path : `${a.host}:${a.port}`)),
    ['127.0.0.53:53', '2001:db8::1:443', '192.0.2.7:80'],
  );
});

test('runAudited sees a real connect made by a traced child (strace works here)', async () => {
  const script = "const s=require('net').connect(9,'127.0.0.1');s.on('error',()=>{});";
  const res = await runAudited([process.execPath, '-e', script]);
  assert.equal(res.exitCode, 0);
  assert.ok(
    res.addresses.some((a) => a.family === 'inet' && a.host === '127.0.0.1' && a.port === 9),
    `expected a connect to 127.0.0.1:9, got ${JSON.stringify(res.addresses.map((a) => a.line))}`,
  );
});
