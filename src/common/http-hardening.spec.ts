import { API_CSP, securityHeaders } from './http-hardening';

describe('securityHeaders', () => {
  it("are helmet's headers for the API's options, worked out once", () => {
    const h = securityHeaders();
    expect(h['content-security-policy']!.replace(/;\s*/g, '; ')).toBe(API_CSP);
    expect(h).toMatchObject({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-resource-policy': 'same-origin',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
    });
    expect(Object.keys(h).every((k) => k === k.toLowerCase())).toBe(true);
  });

  it('follow the options they are given', () => {
    expect(securityHeaders({ contentSecurityPolicy: false, referrerPolicy: { policy: 'origin' } })).toMatchObject({ 'referrer-policy': 'origin' });
    expect(securityHeaders({ contentSecurityPolicy: false })['content-security-policy']).toBeUndefined();
  });
});
