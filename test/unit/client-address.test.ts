import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressKey, clientAddress, NO_PROXY, parseAddress, parseTrustedProxies } from '../../src/common/client-address.js';

const list = (text: string) => parseTrustedProxies(text);

test('without a trusted proxy the socket address counts, whatever X-Forwarded-For says', () => {
  assert.deepEqual(clientAddress(NO_PROXY, '203.0.113.7', '198.51.100.1'), { ip: '203.0.113.7', viaTrustedProxy: false });
  assert.deepEqual(clientAddress(list('10.0.0.0/8'), '203.0.113.7', '198.51.100.1'), { ip: '203.0.113.7', viaTrustedProxy: false }, 'a peer outside the list');
  assert.equal(clientAddress(NO_PROXY, '::ffff:127.0.0.1', undefined).ip, '127.0.0.1', 'IPv4-mapped IPv6 is IPv4');
});

test('from a trusted proxy: read from the right, stop at the first untrusted address; spoofed left-most entries do not count', () => {
  const trust = list('10.0.0.0/8, 127.0.0.1');
  assert.equal(clientAddress(trust, '127.0.0.1', '198.51.100.1').ip, '198.51.100.1');
  assert.equal(clientAddress(trust, '127.0.0.1', '1.1.1.1, 2.2.2.2, 198.51.100.1').ip, '198.51.100.1', 'the left entries are the client\'s own words');
  assert.equal(clientAddress(trust, '127.0.0.1', '198.51.100.1, 10.1.2.3').ip, '198.51.100.1', 'through a second trusted proxy');
  assert.equal(clientAddress(trust, '127.0.0.1', '10.9.9.9, 10.1.2.3').ip, '10.9.9.9', 'all trusted: the left-most');
  assert.equal(clientAddress(trust, '127.0.0.1', undefined).ip, '127.0.0.1', 'no header: the proxy itself');
  assert.equal(clientAddress(trust, '127.0.0.1', '').ip, '127.0.0.1');
  assert.equal(clientAddress(trust, '::ffff:10.0.0.1', '198.51.100.1').ip, '198.51.100.1', 'a mapped peer matches an IPv4 range');
});

test('IPv6 addresses and CIDRs, ports and brackets', () => {
  const trust = list('2001:db8::/32, ::1');
  assert.equal(clientAddress(trust, '::1', '2001:db8::5, 2001:DB8:0:0:0:0:0:abcd').ip, '2001:db8::5', 'all trusted: the left-most');
  assert.equal(clientAddress(trust, '::1', '2606:4700:0:0:0:0:0:1111').ip, '2606:4700::1111', 'one spelling per address (no fresh budget by rewriting it)');
  assert.equal(clientAddress(trust, '::1', '2606:4700::AAAA').ip, '2606:4700::aaaa');
  assert.equal(clientAddress(trust, '::1', '2606:4700::1111, 2001:db8::7').ip, '2606:4700::1111');
  assert.equal(clientAddress(trust, '2001:db8:1::1', '[2606:4700::1111]:443').ip, '2606:4700::1111', 'bracketed with a port');
  assert.equal(clientAddress(list('127.0.0.1'), '127.0.0.1', '198.51.100.1:5555').ip, '198.51.100.1', 'IPv4 with a port');
  assert.equal(clientAddress(trust, 'fe80::1', '198.51.100.1').ip, 'fe80::1', 'an untrusted IPv6 peer');
  assert.equal(clientAddress(list('10.0.0.0/8'), '::1', '198.51.100.1').ip, '::1', 'an IPv4 range never matches IPv6');
});

test('a hop count takes at most that many entries from the right', () => {
  const one = parseTrustedProxies('1');
  const two = parseTrustedProxies('2');
  assert.equal(clientAddress(one, '10.0.0.1', '1.1.1.1, 198.51.100.1').ip, '198.51.100.1');
  assert.equal(clientAddress(two, '10.0.0.1', '1.1.1.1, 198.51.100.1, 10.0.0.2').ip, '198.51.100.1');
  assert.equal(clientAddress(two, '10.0.0.1', '198.51.100.1').ip, '198.51.100.1', 'fewer entries than hops: the left-most');
  assert.equal(clientAddress(one, '10.0.0.1', undefined).ip, '10.0.0.1');
});

test('garbage in X-Forwarded-For stops the walk at the last address believed', () => {
  const trust = list('127.0.0.1');
  for (const header of ['not-an-ip', 'unknown', '1.2.3', '127.1', '0x7f000001', '1.2.3.4.5', '<script>', ' , ,', '999.1.1.1', 'a'.repeat(5000)]) {
    assert.equal(clientAddress(trust, '127.0.0.1', header).ip, '127.0.0.1', header.slice(0, 20));
  }
  assert.equal(clientAddress(trust, '127.0.0.1', '198.51.100.1, garbage').ip, '127.0.0.1', 'garbage right of a real address');
  assert.equal(clientAddress(trust, '127.0.0.1', 'garbage, 198.51.100.1').ip, '198.51.100.1');
  assert.equal(clientAddress(parseTrustedProxies('1'), '10.0.0.1', 'garbage').ip, '10.0.0.1');
});

test('parsing the setting', () => {
  assert.equal(parseTrustedProxies(' none ').kind, 'none');
  assert.deepEqual(parseTrustedProxies('3'), { kind: 'hops', hops: 3 });
  for (const bad of ['', 'proxy.internal', '10.0.0.0/33', '10.0.0.0/8/8', '::/129', '10.0.0.0/x', '0', '33', '127.1', '1.2.3.4,nope']) {
    assert.throws(() => parseTrustedProxies(bad), Error, bad);
  }
  assert.equal(parseAddress('::ffff:192.0.2.1')?.toString(), '192.0.2.1');
  assert.equal(parseAddress('127.1'), undefined, 'no short IPv4 forms');
  const mapped = parseTrustedProxies('::ffff:10.0.0.0/104');
  assert.equal(clientAddress(mapped, '10.20.30.40', '198.51.100.1').ip, '198.51.100.1', 'an IPv4-mapped CIDR covers its IPv4 range');
});

test('rate limits count IPv4 per address and IPv6 per /64', () => {
  assert.equal(addressKey('198.51.100.1'), '198.51.100.1');
  assert.equal(addressKey('::ffff:198.51.100.1'), '198.51.100.1');
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
  assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
});
