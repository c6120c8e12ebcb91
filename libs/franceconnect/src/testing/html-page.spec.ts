import { describe, expect, it } from 'vitest';
import { decodeHtml, parseForms, textById } from './html-page.js';

const PAGE = 'https://idp.example/interaction/abc?x=1';

describe('parseForms', () => {
  it('reads every form of a page, in order, with its action resolved and its method', () => {
    const forms = parseForms(
      `<!doctype html><html><body>
        <form id="login" method="POST" action="/interaction/abc/login"><input type="hidden" name="a" value="1"></form>
        <form action="search"><input name="q" value="x"></form>
        <form method="dialog"></form>
        <FORM METHOD=post ACTION='https://other.example/end'></FORM>
      </body></html>`,
      PAGE,
    );
    expect(forms.map((form) => [form.id, form.method, form.action.href])).toEqual([
      ['login', 'POST', 'https://idp.example/interaction/abc/login'],
      [undefined, 'GET', 'https://idp.example/interaction/search'],
      [undefined, 'GET', PAGE],
      [undefined, 'POST', 'https://other.example/end'],
    ]);
    expect(forms.map((form) => form.fields)).toEqual([{ a: '1' }, { q: 'x' }, {}, {}]);
  });

  it('submits to the page itself without an action, and resolves a relative one against <base>', () => {
    const [none, empty, relative] = parseForms(
      `<head><base href="https://static.example/app/"></head>
       <form></form><form action=""></form><form action="next"></form>`,
      PAGE,
    );
    expect(none?.action.href).toBe(PAGE);
    expect(empty?.action.href).toBe(PAGE);
    expect(relative?.action.href).toBe('https://static.example/app/next');
  });

  it('decodes character references in attributes and text, and takes quoted and unquoted values alike', () => {
    const [form] = parseForms(
      `<form action="/cb?a=1&amp;b=2" method=post>
        <input type=hidden name=state value=a&amp;b>
        <input type="hidden" name='quote' value='say &quot;hi&quot; &#39;there&#39;'>
        <input type="hidden" name="accents" value="&eacute;t&eacute; &#233;&#xE9; &lt;b&gt;">
        <input type="hidden" name="plain" value="a=b;c">
        <textarea name="comment">&lt;script&gt; &amp; co</textarea>
      </form>`,
      PAGE,
    );
    expect(form?.action.href).toBe('https://idp.example/cb?a=1&b=2');
    expect(form?.fields).toEqual({
      state: 'a&b',
      quote: `say "hi" 'there'`,
      accents: 'été éé <b>',
      plain: 'a=b;c',
      comment: '<script> & co',
    });
  });

  it('finds controls nested anywhere in the form: divs, tables, labels, fieldsets', () => {
    const [form] = parseForms(
      `<form method="post">
        <div class="fr-fieldset"><div><label>Nom <input name="family_name" value="DUBOIS"></label></div></div>
        <table><tr><td><input name="in_table" value="1"></td></tr></table>
        <fieldset><legend>Niveau</legend><p><span><input type="radio" name="acr" value="eidas2" checked></span></p></fieldset>
      </form>`,
      PAGE,
    );
    expect(form?.fields).toEqual({ family_name: 'DUBOIS', in_table: '1', acr: 'eidas2' });
  });

  it('gives the values a browser submits for inputs without a value, and leaves out those it leaves out', () => {
    const [form] = parseForms(
      `<form>
        <input name="empty"><input name="typed" type="TEXT">
        <input type="checkbox" name="consent" checked><input type="checkbox" name="unchecked">
        <input type="checkbox" name="valued" value="yes" checked>
        <input value="no name"><input name="" value="empty name">
        <input type="submit" name="go" value="Go"><input type="button" name="b"><input type="reset" name="r">
        <input type="image" name="i"><input type="file" name="f"><button name="button" value="1">Send</button>
        <input name="off" value="1" disabled>
      </form>`,
      PAGE,
    );
    expect(form?.fields).toEqual({ empty: '', typed: '', consent: 'on', valued: 'yes' });
  });

  it('lists every value of a radio group, and submits the checked one', () => {
    const [form] = parseForms(
      `<form>
        <input type="radio" name="identity" value="angela-dubois">
        <input type="radio" name="identity" value="pierre-mercier" checked>
        <input type="radio" name="flag">
      </form>`,
      PAGE,
    );
    expect(form?.options).toEqual({ identity: ['angela-dubois', 'pierre-mercier'], flag: ['on'] });
    expect(form?.fields).toEqual({ identity: 'pierre-mercier' });
  });

  it('keeps each form to its own controls', () => {
    const forms = parseForms(
      `<form id="a"><input name="x" value="1"></form>
       <p><input name="outside" value="0"></p>
       <form id="b"><input name="x" value="2"><input name="y" value="3"></form>`,
      PAGE,
    );
    expect(forms.map((form) => form.fields)).toEqual([{ x: '1' }, { x: '2', y: '3' }]);
  });

  it('reads forms as a browser builds them: a form inside a form, an unclosed form, a form in a comment, script or template', () => {
    const forms = parseForms(
      `<form id="outer"><input name="a" value="1"><form id="inner" action="/inner"><input name="b" value="2"></form>
       <!-- <form id="commented"><input name="c"></form> -->
       <script>document.write('<form id="scripted"></form>')</script>
       <template><form id="template"></form></template>
       <textarea name="t"><form id="text"></form></textarea>
       <form id="unclosed"><input name="d" value="4">`,
      PAGE,
    );
    expect(forms.map((form) => form.id)).toEqual(['outer', 'unclosed']);
    expect(forms[0]?.fields).toEqual({ a: '1', b: '2' });
    expect(forms[1]?.fields).toEqual({ d: '4' });
  });

  it('drops the first newline of a textarea and keeps the rest of its text', () => {
    const [form] = parseForms('<form><textarea name="t">\nline 1\n  line 2</textarea><textarea name="empty"></textarea></form>', PAGE);
    expect(form?.fields).toEqual({ t: 'line 1\n  line 2', empty: '' });
  });

  it('submits the selected option of a select, or its first enabled one, and lists them all', () => {
    const [form] = parseForms(
      `<form>
        <select name="explicit"><option value="a">A</option><option value="b" selected>B</option></select>
        <select name="first"><option disabled>none</option><optgroup label="g"><option>  Text   value </option></optgroup></select>
        <select name="multiple" multiple><option value="1">1</option><option value="2" selected>2</option><option value="3" selected>3</option></select>
        <select name="nothing" multiple><option value="1">1</option></select>
        <select name="off-group"><optgroup disabled><option value="x" selected>x</option></optgroup></select>
        <select name="disabled" disabled><option value="z">z</option></select>
      </form>`,
      PAGE,
    );
    expect(form?.fields).toEqual({ explicit: 'b', first: 'Text value', multiple: '2' });
    expect(form?.options).toMatchObject({ explicit: ['a', 'b'], first: ['none', 'Text value'], multiple: ['1', '2', '3'] });
  });

  it('leaves out the controls of a disabled fieldset, except those in its first legend', () => {
    const [form] = parseForms(
      `<form><fieldset disabled>
        <legend><input name="in_legend" value="1"></legend>
        <input name="in_fieldset" value="2">
        <legend><input name="second_legend" value="3"></legend>
      </fieldset><input name="after" value="4"></form>`,
      PAGE,
    );
    expect(form?.fields).toEqual({ in_legend: '1', after: '4' });
  });

  it('gives a control to the form its form attribute names, wherever it sits', () => {
    const [first, second] = parseForms(
      `<form id="one"><input name="own" value="1"><input name="elsewhere" value="2" form="two"></form>
       <form id="two"></form>
       <input name="outside" value="3" form="two">
       <input name="nowhere" value="4" form="missing">
       <div id="not-a-form"></div><input name="not-form" value="5" form="not-a-form">`,
      PAGE,
    );
    expect(first?.fields).toEqual({ own: '1' });
    expect(second?.fields).toEqual({ elsewhere: '2', outside: '3' });
  });

  it('finds no form in a page without one, or in something that is not HTML', () => {
    expect(parseForms('<p>Bonjour</p>', PAGE)).toEqual([]);
    expect(parseForms('{"error":"invalid_request"}', PAGE)).toEqual([]);
    expect(parseForms('', PAGE)).toEqual([]);
  });
});

describe('decodeHtml', () => {
  it('decodes named, decimal and hexadecimal character references', () => {
    expect(decodeHtml('a &amp; b &lt;i&gt; &quot;q&quot; &apos;s&apos; &eacute;&#233;&#xe9;&#XE9; &nbsp;&notin;')).toBe(
      `a & b <i> "q" 's' éééé \u00a0∉`,
    );
  });

  it('keeps markup as text, decodes once, and leaves what is not a reference', () => {
    expect(decodeHtml('<b>bold</b>')).toBe('<b>bold</b>');
    expect(decodeHtml('&amp;lt;')).toBe('&lt;');
    expect(decodeHtml('&unknown; & alone; 50 %')).toBe('&unknown; & alone; 50 %');
    expect(decodeHtml('')).toBe('');
  });
});

describe('textById', () => {
  it('gives the decoded text of the element with that id, nested markup included', () => {
    const page = '<dl><dt>Code</dt><dd><code id="error">invalid_request</code></dd><dd id="error_description">redirect_uri <em>&amp;</em> state</dd></dl>';
    expect(textById(page, 'error')).toBe('invalid_request');
    expect(textById(page, 'error_description')).toBe('redirect_uri & state');
    expect(textById(page, 'missing')).toBeUndefined();
  });
});
