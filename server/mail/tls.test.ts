import { describe, expect, it } from 'vitest';
import { requiresTls } from './index.js';

describe('SMTP transport security', () => {
  it('requires STARTTLS for smtp:// to another machine, so the credentials and links never cross in clear', () => {
    expect(requiresTls('smtp://user:secret@mail.example.com:587')).toBe(true);
    expect(requiresTls('smtp://10.0.0.5:25')).toBe(true);
  });
  it('lets a relay on this machine speak plain SMTP, and smtps:// is TLS from the start', () => {
    expect(requiresTls('smtp://127.0.0.1:2525')).toBe(false);
    expect(requiresTls('smtp://localhost:25')).toBe(false);
    expect(requiresTls('smtps://mail.example.com:465')).toBe(false);
  });
});
