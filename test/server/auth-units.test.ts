import { describe, expect, it } from 'vitest';
import { parseCookies } from '../../server/auth/cookies.js';
import { claimValues, mapRole } from '../../server/auth/oidc.js';
import { generateOneTimePassword, hashPassword, verifyPassword } from '../../server/auth/passwords.js';
import { ACCOUNT_SLOWDOWN, accountKey, accountOf, addressOf, lockDurationMs, PAIR_THROTTLE, pairKey, signInKeys, slowdownMs } from '../../server/auth/throttle.js';
import { loadConfig, parseRoleMap } from '../../server/config.js';
import { safeReturnTo } from '../../server/services/auth/sso.js';

describe('sign-in building blocks', () => {
  it('parses OIDC_ROLE_MAP in order and refuses unknown roles', () => {
    expect(parseRoleMap('idesk-admins=admin, idesk-support=support,,')).toEqual([
      { value: 'idesk-admins', role: 'admin' },
      { value: 'idesk-support', role: 'support' },
    ]);
    // The role is after the last '=', so claim values may contain '=' (but not ',').
    expect(parseRoleMap('team=ops=manager')).toEqual([{ value: 'team=ops', role: 'manager' }]);
    expect(() => parseRoleMap('admins=root')).toThrow(/OIDC_ROLE_MAP/);
    expect(() => parseRoleMap('=admin')).toThrow(/OIDC_ROLE_MAP/);
  });

  it('validates the sign-in configuration', () => {
    expect(loadConfig({}).auth).toEqual({ localPasswords: true, oidc: null, adminEmail: undefined, adminPassword: undefined });
    expect(() => loadConfig({ LOCAL_PASSWORDS: 'off' })).toThrow(/LOCAL_PASSWORDS=off needs OIDC_ISSUER/);
    expect(() => loadConfig({ OIDC_ISSUER: 'https://idp.example', OIDC_ROLE_MAP: 'a=admin' })).toThrow(/OIDC_CLIENT_ID/);
    expect(() => loadConfig({ OIDC_ISSUER: 'https://idp.example', OIDC_CLIENT_ID: 'c' })).toThrow(/OIDC_ROLE_MAP is required/);
    expect(() => loadConfig({ OIDC_ISSUER: 'http://idp.example', OIDC_CLIENT_ID: 'c', OIDC_ROLE_MAP: 'a=admin' })).toThrow(/https/);
    expect(loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:4000', OIDC_CLIENT_ID: 'c', OIDC_ROLE_MAP: 'a=admin' }).auth.oidc?.issuer).toBe('http://127.0.0.1:4000');
    expect(() => loadConfig({ ADMIN_EMAIL: 'ops@example.test', ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD/);
    expect(loadConfig({ ADMIN_EMAIL: 'Ops@Example.test' }).auth.adminEmail).toBe('ops@example.test');
    expect(loadConfig({}).trustProxy).toBe('loopback');
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it('maps role claims: first mapping wins, strings and arrays and nested paths', () => {
    const map = parseRoleMap('idesk-admins=admin,idesk-support=support');
    expect(mapRole(map, ['idesk-support', 'idesk-admins'])).toBe('admin');
    expect(mapRole(map, ['idesk-support'])).toBe('support');
    expect(mapRole(map, ['IDESK-ADMINS'])).toBeNull();
    expect(claimValues({ groups: 'idesk-admins' }, 'groups')).toEqual(['idesk-admins']);
    expect(claimValues({ groups: ['a', 1, 'b'] }, 'groups')).toEqual(['a', 'b']);
    expect(claimValues({ realm_access: { roles: ['x'] } }, 'realm_access.roles')).toEqual(['x']);
    expect(claimValues({}, 'groups')).toEqual([]);
  });

  it('keeps return paths on this site', () => {
    expect(safeReturnTo('/inquiries?status=pending#top')).toBe('/inquiries?status=pending#top');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '/auth/logout', '/a b', 42, undefined, `/${'x'.repeat(600)}`]) {
      expect(safeReturnTo(bad)).toBe('/');
    }
  });

  it('reads the first cookie of a name', () => {
    const cookies = parseCookies('a=1; idesk_session=abc; idesk_session=evil; b="q"; junk');
    expect(cookies.get('idesk_session')).toBe('abc');
    expect(cookies.get('b')).toBe('q');
    expect(parseCookies(undefined).size).toBe(0);
  });

  it('generates readable one-time passwords with about 116 bits', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateOneTimePassword()));
    expect(seen.size).toBe(200);
    for (const p of seen) expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{5}(-[a-km-zA-HJ-NP-Z2-9]{5}){3}$/);
  });

  it('hashes with argon2id and verifies', async () => {
    const hash = await hashPassword('a long passphrase');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'a long passphrase')).toBe(true);
    expect(await verifyPassword(hash, 'a long passphrasE')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });

  it('doubles the lock for each failure past the threshold, up to an hour', () => {
    const t = PAIR_THROTTLE.threshold;
    expect(lockDurationMs(PAIR_THROTTLE, t - 1)).toBeNull();
    expect([t, t + 1, t + 2, t + 6, t + 100].map((n) => (lockDurationMs(PAIR_THROTTLE, n) ?? 0) / 60_000)).toEqual([1, 2, 4, 60, 60]);
    expect(accountKey(accountOf('  Ada@Example.TEST '))).toBe('account:ada@example.test');
  });

  it('only ever slows an account down across addresses, by at most a few seconds', () => {
    const t = ACCOUNT_SLOWDOWN.threshold;
    expect([0, t - 1, t, t + 1, t + 2, t + 3, t + 1000].map((n) => slowdownMs(ACCOUNT_SLOWDOWN, n) / 1000)).toEqual([0, 0, 1, 2, 4, 4, 4]);
  });

  it('counts an address as typed for IPv4 and by its /64 for IPv6, and keys pairs by address first', () => {
    expect(addressOf('198.51.100.7')).toBe('198.51.100.7');
    expect(addressOf('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(addressOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressOf('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressOf('::1')).toBe('0:0:0:0::/64');
    expect(addressOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressOf(null)).toBe('unknown');
    expect(pairKey('a|b@x.test', '203.0.113.9')).toBe('pair:203.0.113.9|a|b@x.test');
    expect(signInKeys(' Ada@Example.TEST', '203.0.113.9').map((k) => [k.key, k.account, k.scope])).toEqual([
      ['pair:203.0.113.9|ada@example.test', 'ada@example.test', 'pair'],
      ['ip:203.0.113.9', null, 'ip'],
      ['account:ada@example.test', 'ada@example.test', 'account'],
    ]);
  });
});
