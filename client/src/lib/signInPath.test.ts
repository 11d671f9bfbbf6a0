import { describe, expect, it } from 'vitest';
import { SIGN_IN_PATH } from '@shared/auth.js';
import { safeReturnTo, SIGN_IN_PATH as CLIENT_SIGN_IN_PATH, signInPath } from './signInPath';

describe('returnTo', () => {
  it('keeps same-origin relative paths with their query and hash', () => {
    expect(safeReturnTo('/inquiries/inq_A1?tab=sessions#top')).toBe('/inquiries/inq_A1?tab=sessions#top');
    expect(safeReturnTo('/staff')).toBe('/staff');
  });

  it('drops anything that could leave the console or loop back to sign-in', () => {
    for (const value of ['https://evil.test/', '//evil.test', '/\\evil.test', 'javascript:alert(1)', 'inquiries', '/a b', '/auth/logout', '/sign-in', '/sign-in?returnTo=/x', '', null, undefined]) {
      expect(safeReturnTo(value), String(value)).toBeNull();
    }
  });

  it('builds the sign-in link, leaving out the start page', () => {
    expect(signInPath('/staff?x=1')).toBe('/sign-in?returnTo=%2Fstaff%3Fx%3D1');
    expect(signInPath('/inquiries')).toBe('/sign-in');
    expect(signInPath('//evil.test')).toBe('/sign-in');
    expect(CLIENT_SIGN_IN_PATH).toBe(SIGN_IN_PATH);
  });
});
