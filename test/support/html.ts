import { textOf } from './http';

/** The error message the form shows next to a field (empty string when there is none). */
export function fieldErrorText(html: string, field: string): string {
  const match = new RegExp(`<p class="kern-error" id="field-${field}-error">([\\s\\S]*?)</p>`).exec(html);
  return match?.[1] ? textOf(match[1]).replace(/^(Fehler|Error):\s*/, '') : '';
}

/** The text of the error summary at the top of a form (empty string when there is none). */
export function errorSummaryText(html: string): string {
  const match = /<div class="kern-alert kern-alert--danger app-error-summary"[\s\S]*?<\/ul>/.exec(html);
  return match ? textOf(match[0]) : '';
}

/** The value an input shows, or undefined when the input renders no value attribute. */
export function inputValue(html: string, field: string): string | undefined {
  const input = new RegExp(`<input[^>]*\\bname="${field}"[^>]*>`).exec(html)?.[0];
  if (!input) throw new Error(`no input named ${field} on the page`);
  const value = /\bvalue="([^"]*)"/.exec(input)?.[1];
  return value === undefined ? undefined : decodeEntities(value);
}

/** The options of a select as [value, label] pairs. */
export function selectOptions(html: string, field: string): { value: string; label: string; selected: boolean }[] {
  const select = new RegExp(`<select[^>]*\\bname="${field}"[\\s\\S]*?</select>`).exec(html)?.[0];
  if (!select) throw new Error(`no select named ${field} on the page`);
  return [...select.matchAll(/<option value="([^"]*)"( selected)?>([\s\S]*?)<\/option>/g)].map((match) => ({
    value: match[1] ?? '',
    selected: !!match[2],
    label: textOf(match[3] ?? ''),
  }));
}

/** Undoes EJS's escaping of &, <, >, " and '. */
export function decodeEntities(value: string): string {
  return value.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}
