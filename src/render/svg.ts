// What the pictures (the drill report's HTML, the shutdown timeline's SVG) share: escaping of any
// text they carry (pod names, messages, manifest values), JSON embedded in a page, short numbers,
// and the page's frame. Pure string functions; nothing here reads or writes files.

/** Text as XML/HTML character data or an attribute value (double- or single-quoted). */
export function escapeXml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' }[c]!));
}

/**
 * JSON for a `<script type="application/json">` element: `<` is written `\u003c`, so no text in
 * it (`</script>`, `<!--`) can end the element; JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A coordinate or length, at most two decimals: `12.5`, not `12.500000001`. */
export function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** Seconds as the pictures label them: `1.5s`, `-4s`. */
export function secondsLabel(s: number): string {
  return `${Math.round(s * 100) / 100}s`;
}

/** Axis ticks from `from` to `to`: about `count` of them, at 1, 2 or 5 times a power of ten. */
export function ticks(from: number, to: number, count = 8): number[] {
  const span = Math.max(to - from, 1e-9);
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * power).find(s => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to + 1e-9; t += step) out.push(Math.round(t * 1000) / 1000);
  return out;
}

/** Hides an element from sight, not from screen readers. */
export const VISUALLY_HIDDEN_CSS = '.visually-hidden{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);'
  + 'white-space:nowrap;border:0}';

/** A self-contained page: inline CSS, no script but data, nothing fetched. */
export function htmlPage(title: string, css: string, body: string): string {
  return '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    // No network: the page may load nothing but itself (inline styles, images as data: URIs).
    + '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:">\n'
    + '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    + `<title>${escapeXml(title)}</title>\n<style>\n${css}\n${VISUALLY_HIDDEN_CSS}\n</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
}
