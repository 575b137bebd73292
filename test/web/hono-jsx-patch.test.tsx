import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FILES, MARKER, patchText } from '../../patches/hono-jsx-props.mjs';

// patches/hono-jsx-props.mjs changes how Hono's JSX renderer walks an element's attributes (for speed).
// It must be installed, and what it renders must not change.

/** Elements with every kind of attribute the renderer treats apart. */
function Sample() {
  const spread = { 'hx-on::after:swap': 'this.reset()', 'data-x': 1 };
  return (
    <div className="a" id="b" data-count={3} aria-hidden={false} hidden={true} title={undefined} tabIndex={0} style={{ color: 'red', marginTop: '2px' }} {...spread}>
      <label htmlFor="q">Q &amp; "A" <b>{'<script>'}</b></label>
      <input type="checkbox" checked={false} disabled name="q" value={`"quoted" & <angled>`} />
      <select>
        <option value="1" selected>
          one
        </option>
      </select>
      <svg viewBox="0 0 10 10" role="img" aria-label="chart">
        <rect width="10" height="10" fill="#000" strokeWidth={2} />
        <text x="1" y="2" fontSize={3} dominantBaseline="middle">
          t
        </text>
      </svg>
      <span dangerouslySetInnerHTML={{ __html: '<i>raw</i>' }} />
      <br />
      {null}
      {false}
      {0}
      {['x', <em>y</em>]}
    </div>
  );
}

/** What Hono 4.13.19 rendered for it unpatched. */
const SAMPLE_HTML =
  "<div class=\"a\" id=\"b\" data-count=\"3\" aria-hidden=\"false\" hidden=\"\" tabIndex=\"0\" style=\"color:red;margin-top:2px\" hx-on::after:swap=\"this.reset()\" data-x=\"1\"><label for=\"q\">Q &amp; &quot;A&quot; <b>&lt;script&gt;</b></label><input type=\"checkbox\" disabled=\"\" name=\"q\" value=\"&quot;quoted&quot; &amp; &lt;angled&gt;\"/><select><option value=\"1\" selected=\"\">one</option></select><svg viewBox=\"0 0 10 10\" role=\"img\" aria-label=\"chart\"><rect width=\"10\" height=\"10\" fill=\"#000\" stroke-width=\"2\"></rect><text x=\"1\" y=\"2\" font-size=\"3\" dominant-baseline=\"middle\">t</text></svg><span><i>raw</i></span><br/>0x<em>y</em></div>";

describe('patches/hono-jsx-props.mjs', () => {
  it('is installed in both of Hono\'s builds', () => {
    for (const file of FILES) {
      const text = readFileSync(new URL(`../../node_modules/hono/${file}`, import.meta.url), 'utf8');
      expect(text, file).toContain(MARKER);
      expect(text, file).not.toContain('Object.entries(props)');
      expect(patchText(text), `${file} patched again`).toBe(text);
    }
  });

  it('renders every kind of attribute as Hono 4.13.19 did unpatched', async () => {
    expect(await String(<Sample />)).toBe(SAMPLE_HTML);
  });

  it('renders nothing that objects inherit, even from a polluted Object.prototype', async () => {
    const proto = Object.prototype as unknown as Record<string, unknown>;
    proto.onmouseover = 'alert(1)';
    try {
      expect(await String(<p class="x">safe</p>)).toBe('<p class="x">safe</p>');
    } finally {
      delete proto.onmouseover;
    }
  });
});
