import { decodeEntities, parsePayForm } from './smartwm.pay-form';

describe('SmartWM pay_form → the fields the customer page submits', () => {
  it('reads the sandbox form: POST action, hidden fields, the submit button left out', () => {
    const html =
      '<form method="POST" action="https://acquiring.smartwm.biz/acs?x=1&amp;y=2" accept-charset="UTF-8"><input type="hidden" name="CLIENT_ID" value="48151">' +
      '<input type="hidden" name="INVOICE_ID" value="ord &quot;7&quot; &lt;b&gt;"><INPUT TYPE=hidden NAME=SIGN VALUE=\'a+b/c==\'><button type="submit">Pay</button><input type="submit" name="go" value="Go"></form>';
    expect(parsePayForm(html)).toEqual({
      kind: 'form',
      action: 'https://acquiring.smartwm.biz/acs?x=1&y=2',
      method: 'POST',
      fields: { CLIENT_ID: '48151', INVOICE_ID: 'ord "7" <b>', SIGN: 'a+b/c==' },
    });
  });

  it('method defaults to GET; inputs after the form closes and disabled ones are not sent', () => {
    expect(parsePayForm('<form action="http://127.0.0.1:3000/pay"><input name="A" value="1"><input name="B" disabled value="2"></form><input name="C" value="3">')).toEqual({
      kind: 'form',
      action: 'http://127.0.0.1:3000/pay',
      method: 'GET',
      fields: { A: '1' },
    });
  });

  it.each([
    ['no form', '<div>pay</div>'],
    ['a relative action', '<form action="/acs" method="post"></form>'],
    ['a javascript: action', '<form action="javascript:alert(1)" method="post"></form>'],
    ['no action', '<form method="post"><input name="A" value="1"></form>'],
  ])('%s: nothing usable (null)', (_name, html) => {
    expect(parsePayForm(html)).toBeNull();
  });

  it('entities: named, decimal and hex; unknown ones stay', () => {
    expect(decodeEntities('&amp;&#39;&#x41;&bogus;&#0;')).toBe("&'A&bogus;&#0;");
  });
});
