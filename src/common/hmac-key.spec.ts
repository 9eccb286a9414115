import { createHmac } from 'node:crypto';
import { hmacKey } from './hmac-key';

describe('hmacKey', () => {
  it('makes a key once per secret and encoding, and signs as the raw bytes would', () => {
    const a = hmacKey('s3cret');
    expect(hmacKey('s3cret')).toBe(a);
    expect(hmacKey('s3cret', 'base64')).not.toBe(a);
    const body = Buffer.from('{"x":1}');
    expect(createHmac('sha256', a).update(body).digest('hex')).toBe(createHmac('sha256', Buffer.from('s3cret', 'utf8')).update(body).digest('hex'));
    const b64 = Buffer.from('whsec-bytes').toString('base64');
    expect(createHmac('sha256', hmacKey(b64, 'base64')).update(body).digest('hex')).toBe(createHmac('sha256', Buffer.from('whsec-bytes')).update(body).digest('hex'));
  });

  it('accepts an empty secret and keeps working past its bound', () => {
    expect(hmacKey('').symmetricKeySize).toBe(0);
    for (let i = 0; i < 600; i++) expect(hmacKey(`k${i}`).symmetricKeySize).toBe(`k${i}`.length);
  });
});
